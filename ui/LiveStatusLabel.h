// The status bar's account of the studio's own stream, refreshed every second: Offline,
// Connecting (the source is opening), LIVE hh:mm:ss, Reconnecting, Ending or Error, then the
// total bitrate, frame rate, dropped frames and viewers.
#pragma once

#include <QElapsedTimer>
#include <QLabel>

namespace afk::studio {
class Studio;
}

namespace afk::ui {

class LiveStatusLabel : public QLabel
{
    Q_OBJECT
public:
    explicit LiveStatusLabel(QWidget *parent = nullptr);

    // Go Live was pressed: an earlier error is no longer news.
    void markGoingLive();
    // The stream's media began flowing: the LIVE clock counts from now.
    void markLiveStarted();
    // The stream ended; error (empty on a clean end) is shown until the next go-live.
    void markEnded(const QString &error);
    void refresh(const studio::Studio &studio);

private:
    void setLiveStyle(bool isLive);

    QElapsedTimer m_liveFor;
    QString m_error;
    bool m_isLiveStyled = false;
};

} // namespace afk::ui
