// The X11 screen (whole, or a region) through libavdevice's x11grab: a live source paced by the
// grabber itself. Wayland sessions are refused with a clear message (Qt 6.4 has no
// QScreenCapture and x11grab needs an X server; XWayland windows alone would be a wrong picture).
#pragma once

#include "DemuxDecoder.h"
#include "MediaSource.h"

#include <QRect>

namespace afk::media {

struct ScreenRegion {
    QString display;   // ":0", ":99.0"; empty: $DISPLAY
    QRect area;        // empty: the whole screen
    int framesPerSecond = 30;

    // "" | ":99" | ":0.0+100,200,1280x720" | "+0,0,640x360" (the part after "screen:" of
    // --source); false with *error for anything else.
    static bool parse(const QString &text, ScreenRegion *region, QString *error);
};

class ScreenSource : public MediaSource
{
public:
    explicit ScreenSource(ScreenRegion region);

    bool open(QString *error) override;
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

private:
    ScreenRegion m_region;
    SourceInfo m_info;
    DemuxDecoder m_decoder;
};

} // namespace afk::media
