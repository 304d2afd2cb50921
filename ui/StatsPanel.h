// The numbers a streamer watches while live, refreshed every second: encoder input and output
// frame rates, speed, drops, queue depth, bitrate per rendition, viewers, relay states, upload
// and restream targets (redacted as in /status), how late this (the GUI) thread's event loop
// runs, and the other streams the studio hosts (HostedStreamsTable), when there are any.
#pragma once

#include <QWidget>

class QLabel;
class QTableWidget;

namespace afk::studio {
class Studio;
}

namespace afk::ui {

class HostedStreamsTable;

class StatsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit StatsPanel(QWidget *parent = nullptr);

    // Shows the studio's own stream (or "not live") and the relays.
    void refresh(const studio::Studio &studio);

private:
    void refreshTargets(const studio::Studio &studio, const QString &streamKey);

    QLabel *m_state = nullptr;
    QLabel *m_encoder = nullptr;
    QLabel *m_viewers = nullptr;
    QLabel *m_relays = nullptr;
    QLabel *m_uploads = nullptr;
    QLabel *m_restreams = nullptr;
    QLabel *m_eventLoop = nullptr;
    QTableWidget *m_renditions = nullptr;
    HostedStreamsTable *m_hosted = nullptr;
};

} // namespace afk::ui
