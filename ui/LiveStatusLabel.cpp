#include "LiveStatusLabel.h"

#include "Stream.h"
#include "Studio.h"

namespace afk::ui {
namespace {

QString clockText(qint64 milliseconds)
{
    const qint64 seconds = milliseconds / 1000;
    return QStringLiteral("%1:%2:%3")
        .arg(seconds / 3600, 2, 10, QLatin1Char('0'))
        .arg(seconds / 60 % 60, 2, 10, QLatin1Char('0'))
        .arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

LiveStatusLabel::LiveStatusLabel(QWidget *parent) : QLabel(parent)
{
    setObjectName(QStringLiteral("liveStatus"));
    setTextFormat(Qt::PlainText);
}

void LiveStatusLabel::markGoingLive()
{
    m_error.clear();
    m_liveFor.invalidate();
}

void LiveStatusLabel::markLiveStarted()
{
    m_liveFor.start();
}

void LiveStatusLabel::markEnded(const QString &error)
{
    m_error = error;
    m_liveFor.invalidate();
}

void LiveStatusLabel::setLiveStyle(bool isLive)
{
    // Styling re-polishes the widget: only when it changes.
    if (isLive == m_isLiveStyled)
        return;
    m_isLiveStyled = isLive;
    setStyleSheet(
        isLive ? QStringLiteral("QLabel { background: #c4161c; color: white; padding: 0 6px; }")
               : QString());
}

void LiveStatusLabel::refresh(const studio::Studio &studio)
{
    const session::Stream *stream = studio.liveStream();
    if (!stream || !stream->isActive()) {
        setLiveStyle(false);
        setText(m_error.isEmpty() ? tr("Offline") : tr("Error: %1").arg(m_error));
        return;
    }
    QString state;
    const QString name = stream->stateName();
    if (name == u"waiting")
        state = tr("Connecting");
    else if (name == u"reconnecting")
        state = tr("Reconnecting");
    else if (name == u"ending")
        state = tr("Ending");
    else
        state = tr("LIVE %1").arg(clockText(m_liveFor.isValid() ? m_liveFor.elapsed() : 0));
    setLiveStyle(name == u"live");
    const media::PipelineStats stats = stream->stats();
    double totalKbps = 0;
    for (const media::RenditionStats &rendition : stats.renditions)
        totalKbps += rendition.lastSegmentKbps;
    const int viewers = std::max(stream->viewerCount(), studio.httpViewerCount(stream->key()));
    setText(tr("%1 · %2 kbps · %3 fps · %4 dropped · viewers %5")
                .arg(state)
                .arg(qRound(totalKbps))
                .arg(stats.outputFps, 0, 'f', 1)
                .arg(stats.videoFramesDropped)
                .arg(viewers));
}

} // namespace afk::ui
