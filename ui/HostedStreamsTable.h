// The other streams this studio serves while the streamer's own runs (or not): browser hosts
// publishing over Socket.IO and RTMP encoders (OBS, the PWA's OBS mode) using the studio as their
// ingest and transcode server. One row each, refreshed with the stats panel: who publishes (an
// RTMP publisher's address; never its key), the state, what comes in (kbps, fps) and goes out,
// what was dropped (by the ladder's queues and, for RTMP, by the full ingest buffer) and viewers.
#pragma once

#include <QHash>
#include <QTableWidget>

namespace afk::studio {
class Studio;
}

namespace afk::ui {

class HostedStreamsTable : public QTableWidget
{
    Q_OBJECT
public:
    enum Column { Key, Publisher, State, InKbps, InFps, OutFps, Dropped, Viewers, ColumnCount };

    explicit HostedStreamsTable(QWidget *parent = nullptr);

    // Every active stream but the studio's own (StatsPanel shows that one).
    void refresh(const studio::Studio &studio);

private:
    struct ByteSample {
        qint64 bytes = 0;
        qint64 atMs = 0;
    };
    // Ingest kbps between two refreshes (browser hosts have no other rate); 0 without an
    // earlier sample.
    static double kilobitsPerSecond(const ByteSample &earlier, const ByteSample &now);

    // Bytes received per stream key at the last refresh; an ended stream's goes with it.
    QHash<QString, ByteSample> m_lastBytes;
};

} // namespace afk::ui
