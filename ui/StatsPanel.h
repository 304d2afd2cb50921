// The numbers a streamer watches while live, refreshed every second: encoder input and output
// frame rates, speed, drops, queue depth, bitrate per rendition, viewers and relay states.
#pragma once

#include <QWidget>

class QLabel;
class QTableWidget;

namespace afk::studio {
class Studio;
}

namespace afk::ui {

class StatsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit StatsPanel(QWidget *parent = nullptr);

    // Shows the studio's own stream (or "not live") and the relays.
    void refresh(const studio::Studio &studio);
    // One line for the status bar, e.g. "live · 30.0 fps · 2412 kbps · 3 viewers · 0 dropped".
    const QString &summary() const { return m_summary; }

private:
    QLabel *m_state = nullptr;
    QLabel *m_encoder = nullptr;
    QLabel *m_viewers = nullptr;
    QLabel *m_relays = nullptr;
    QTableWidget *m_renditions = nullptr;
    QString m_summary;
};

} // namespace afk::ui
