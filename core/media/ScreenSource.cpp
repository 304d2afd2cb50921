#include "ScreenSource.h"

#include <QDateTime>
#include <QRegularExpression>

extern "C" {
#include <libavdevice/avdevice.h>
}

namespace afk::media {

bool ScreenRegion::parse(const QString &text, ScreenRegion *region, QString *error)
{
    // [DISPLAY][+X,Y,WxH]
    static const QRegularExpression pattern(
        QStringLiteral(R"(^(:\d+(?:\.\d+)?)?(?:\+(\d+),(\d+),(\d+)x(\d+))?$)"));
    const QRegularExpressionMatch match = pattern.match(text);
    if (!match.hasMatch()) {
        *error = QStringLiteral("'%1' is not [:DISPLAY][+X,Y,WxH] (e.g. screen::0+0,0,1280x720)")
                     .arg(text);
        return false;
    }
    region->display = match.captured(1);
    if (match.hasCaptured(2)) {
        const QRect area(match.captured(2).toInt(), match.captured(3).toInt(),
                         match.captured(4).toInt(), match.captured(5).toInt());
        if (area.width() < 16 || area.height() < 16 || area.width() % 2 || area.height() % 2) {
            *error = QStringLiteral("the region %1x%2 must be at least 16x16, in even numbers")
                         .arg(area.width())
                         .arg(area.height());
            return false;
        }
        region->area = area;
    }
    return true;
}

ScreenSource::ScreenSource(ScreenRegion region) : m_region(std::move(region)) {}

bool ScreenSource::open(QString *error)
{
    QString display = m_region.display;
    if (display.isEmpty())
        display = qEnvironmentVariable("DISPLAY");
    if (display.isEmpty()) {
        *error = qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
                     ? QStringLiteral("screen capture on Wayland is not supported yet (it needs an "
                                      "X11 session; Qt 6.4 has no screen capture of its own)")
                     : QStringLiteral("no X display to capture: give one (screen::0) or set DISPLAY");
        return false;
    }
    avdevice_register_all();
    QList<std::pair<QByteArray, QByteArray>> options{
        {"framerate", QByteArray::number(m_region.framesPerSecond)},
        {"draw_mouse", "1"},
    };
    if (!m_region.area.isEmpty()) {
        options.append({"video_size", QStringLiteral("%1x%2")
                                          .arg(m_region.area.width())
                                          .arg(m_region.area.height())
                                          .toLatin1()});
        options.append({"grab_x", QByteArray::number(m_region.area.x())});
        options.append({"grab_y", QByteArray::number(m_region.area.y())});
    }
    if (!m_decoder.openDevice("x11grab", display, options, error))
        return false;
    const DemuxDecoder::StreamFacts &facts = m_decoder.facts();
    m_info.hasVideo = true;
    m_info.width = facts.width;
    m_info.height = facts.height;
    m_info.framesPerSecond = m_region.framesPerSecond;
    m_info.hasAudio = false;
    m_info.isLive = true;
    m_info.description = m_region.area.isEmpty()
                             ? QStringLiteral("screen %1 (%2x%3)").arg(display).arg(facts.width).arg(facts.height)
                             : QStringLiteral("screen %1 region %2,%3 %4x%5")
                                   .arg(display)
                                   .arg(m_region.area.x())
                                   .arg(m_region.area.y())
                                   .arg(facts.width)
                                   .arg(facts.height);
    return true;
}

bool ScreenSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    // x11grab waits for each frame's time itself: every frame goes on as it comes.
    const auto deliver = [&](FramePtr frame, bool isVideo) {
        if (!isVideo)
            return true;
        return sink.pushVideo({std::move(frame), QDateTime::currentMSecsSinceEpoch()});
    };
    return m_decoder.run(stopRequested, deliver, error) != DemuxDecoder::RunResult::Failed;
}

} // namespace afk::media
