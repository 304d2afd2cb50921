// The loopback relay of the Nostr tests (relay/relay.mjs, @nostr-relay/core) as a child process,
// for every QtTest that needs a real relay. Needs AFK_NODE_EXECUTABLE and AFK_NOSTR_RELAY_SCRIPT
// defined by the test's CMakeLists.txt.
#pragma once

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

#include <memory>

// The Node relay as a child process. stdin stays open: the relay exits when it closes, so a
// crashed test leaves no relay behind.
class NodeRelay
{
public:
    ~NodeRelay() { stop(); }

    // Starts `node relay.mjs <arguments> --port <port>` and reads {"port","url"} from its first
    // stdout line. Empty on success, the reason otherwise.
    QString start(const QStringList &arguments, int port = 0)
    {
        m_arguments = arguments;
        QString error;
        // A port just freed by a killed relay can take a moment to be reusable.
        for (int attempt = 0; attempt < 20; ++attempt) {
            error = startOnce(port);
            if (error.isEmpty())
                return {};
            QTest::qWait(250);
        }
        return error;
    }

    // SIGKILL: no goodbye to the clients, like a crash.
    void kill()
    {
        if (m_process) {
            m_process->kill();
            m_process->waitForFinished(10000);
            m_process.reset();
        }
    }

    void stop()
    {
        if (m_process) {
            m_process->terminate();
            if (!m_process->waitForFinished(5000)) {
                m_process->kill();
                m_process->waitForFinished(5000);
            }
            m_process.reset();
        }
    }

    QString restart() { return start(m_arguments, m_port); }

    int port() const { return m_port; }
    QString url() const { return m_url; }

private:
    QString startOnce(int port)
    {
        m_process = std::make_unique<QProcess>();
        m_process->setProgram(QStringLiteral(AFK_NODE_EXECUTABLE));
        m_process->setArguments(QStringList{QStringLiteral(AFK_NOSTR_RELAY_SCRIPT)} + m_arguments +
                                QStringList{QStringLiteral("--port"), QString::number(port)});
        m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process->start();
        if (!m_process->waitForStarted(10000))
            return QStringLiteral("node did not start: %1").arg(m_process->errorString());
        QElapsedTimer clock;
        clock.start();
        while (!m_process->canReadLine() && clock.elapsed() < 20000 &&
               m_process->state() == QProcess::Running)
            m_process->waitForReadyRead(200);
        if (!m_process->canReadLine()) {
            m_process->kill();
            m_process->waitForFinished(5000);
            m_process.reset();
            return QStringLiteral("the relay printed no port (npm ci in tests/nostr/relay?)");
        }
        const QJsonObject info = QJsonDocument::fromJson(m_process->readLine()).object();
        m_port = info.value(QLatin1String("port")).toInt();
        m_url = info.value(QLatin1String("url")).toString();
        if (m_port <= 0 || m_url.isEmpty())
            return QStringLiteral("the relay printed no port");
        return {};
    }

    std::unique_ptr<QProcess> m_process;
    QStringList m_arguments;
    int m_port = 0;
    QString m_url;
};
