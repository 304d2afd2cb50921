// A synthetic live source made in-process: colour bars, a moving box, the wall clock and a frame
// counter in large digits, and a 440 Hz tone that beeps higher at each second.
#pragma once

#include "MediaSource.h"
#include "VideoFramePool.h"

namespace afk::media {

class TestPatternSource : public MediaSource
{
public:
    // isRealtime false: frames as fast as the pipeline takes them, for maxDurationSeconds
    // (tests and benchmarks); 0 runs until stopped.
    TestPatternSource(int width = 1280, int height = 720, int framesPerSecond = 30,
                      bool isRealtime = true, int maxDurationSeconds = 0);

    bool open(QString *error) override;
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

private:
    FramePtr makeVideoFrame(qint64 frameIndex, qint64 wallMs);
    FramePtr makeAudioFrame(qint64 firstSample) const;

    SourceInfo m_info;
    int m_framesPerSecond;
    int m_maxDurationSeconds;
    VideoFramePool m_framePool;
};

} // namespace afk::media
