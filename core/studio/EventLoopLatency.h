// How late the Qt event loop of the thread it lives on serves a timer: the probe asks for a tick
// every interval (10 ms for the GUI) and records by how much each one came later than that.
// Anything that holds the loop (encoding, disk or network waits, a slow paint) shows up here; the
// studio shows p50/p99/max of the last window in the GUI's stats and in /metrics.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <vector>

namespace afk::studio {

class EventLoopLatency : public QObject
{
    Q_OBJECT
public:
    struct Summary {
        int sampleCount = 0; // ticks in the window
        double p50Ms = 0;
        double p99Ms = 0;
        double maxMs = 0;
    };

    // windowTicks: how many of the newest ticks the summary covers (1000 of 10 ms: the last 10 s).
    explicit EventLoopLatency(int intervalMs = 10, int windowTicks = 1000,
                              QObject *parent = nullptr);

    void start();
    void stop() { m_timer.stop(); }
    int intervalMs() const { return m_timer.interval(); }
    // Forgets the ticks so far (a measurement starting now).
    void reset();
    Summary summary() const;

private:
    void onTick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastTickNs = -1;
    std::vector<qint64> m_latenessUs; // ring of the newest ticks
    size_t m_next = 0;
    size_t m_count = 0;
};

} // namespace afk::studio
