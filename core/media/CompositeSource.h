// One live picture composed from several sources: a main input (the screen, the test pattern, a
// file, a camera) and an optional overlay input (the camera) placed by a CompositeLayout that may
// change while live; and the sound of one of them, or of a microphone. Each input runs on a thread
// of its own and only its latest picture is kept; the output has a fixed size and its own steady
// clock, so a layout switch or a stalled input never changes the size or makes a timestamp jump.
#pragma once

#include "CompositeLayout.h"
#include "MediaSource.h"
#include "VideoFramePool.h"

#include <QSize>
#include <memory>
#include <optional>
#include <vector>

namespace afk::media {

class CompositeSource : public MediaSource
{
public:
    struct Settings {
        int framesPerSecond = 30;
        QSize size; // of the output; empty: the main input's
    };

    // overlay and sound may be null. With sound, its audio is the output's and the pictures'
    // inputs' own audio (the test pattern's tone) is left out; without, the main input's is used.
    CompositeSource(std::unique_ptr<MediaSource> main, std::unique_ptr<MediaSource> overlay,
                    std::unique_ptr<MediaSource> sound, const CompositeLayout &layout,
                    Settings settings);
    CompositeSource(std::unique_ptr<MediaSource> main, std::unique_ptr<MediaSource> overlay,
                    std::unique_ptr<MediaSource> sound, const CompositeLayout &layout)
        : CompositeSource(std::move(main), std::move(overlay), std::move(sound), layout, Settings{})
    {
    }
    ~CompositeSource() override;

    // Takes effect at the next output frame; any thread.
    void setLayout(const CompositeLayout &layout) { m_layout->set(layout); }
    CompositeLayout layout() const { return m_layout->get(); }
    // For a face that outlives this source (the studio): the same layout, shared.
    SharedLayoutPtr sharedLayout() const { return m_layout; }
    // Output frames left out because the output fell more than a second behind its clock.
    qint64 skippedFrames() const { return m_skippedFrames; }

    bool open(QString *error) override;
    void interrupt() override;
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

private:
    class Input;

    FramePtr compose(const CompositeLayout &layout, QString *error);
    bool drawInput(Input &input, const QRect &target, AVFrame &output, QString *error);
    // Why the output ends now (an input failed, or the main one ended); nullopt to go on.
    std::optional<QString> inputsEnding(bool *isFailure) const;
    void stopInputs();

    std::vector<std::unique_ptr<Input>> m_inputs; // main first, then overlay and sound if any
    Input *m_main = nullptr;
    Input *m_overlay = nullptr;
    Input *m_sound = nullptr;
    SharedLayoutPtr m_layout;
    Settings m_settings;
    SourceInfo m_info;
    std::optional<VideoFramePool> m_pool;
    FramePtr m_testPattern;
    std::atomic<bool> m_isInputStopRequested{false};
    std::atomic<qint64> m_skippedFrames{0};
};

} // namespace afk::media
