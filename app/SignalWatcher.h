// Turns SIGINT/SIGTERM into a Qt signal on the event loop (self-pipe), so shutdown runs as
// ordinary code instead of inside a signal handler.
#pragma once

#include <QObject>

class QSocketNotifier;

namespace afk::app {

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;
    bool isValid() const { return m_notifier != nullptr; }

signals:
    void terminationRequested(int signalNumber);

private:
    static void handleSignal(int signalNumber);
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace afk::app
