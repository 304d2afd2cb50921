#include "RtmpServer.h"

#include "RtmpSession.h"

#include <QDebug>
#include <QTcpSocket>

#include <algorithm>

namespace afk::server {

RtmpServer::RtmpServer(RtmpServerOptions options, RtmpKeyBook keys, RtmpPublishHandler handler,
                       QObject *parent)
    : QObject(parent), m_options(options), m_keys(std::move(keys)), m_handler(std::move(handler))
{
    connect(&m_server, &QTcpServer::newConnection, this, &RtmpServer::onNewConnection);
}

RtmpServer::~RtmpServer()
{
    // Sessions tell the studio their publishers ended while the handler's owner still exists.
    for (const QPointer<RtmpSession> &session : std::as_const(m_sessions))
        delete session.data();
}

bool RtmpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (!m_server.listen(address, port)) {
        *error = QStringLiteral("cannot listen for RTMP on %1 port %2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(m_server.errorString());
        return false;
    }
    return true;
}

QList<RtmpPublisherStats> RtmpServer::publishers() const
{
    QList<RtmpPublisherStats> publishers;
    for (const QPointer<RtmpSession> &session : m_sessions)
        if (session && session->isPublishing())
            publishers.append(session->stats());
    std::sort(publishers.begin(), publishers.end(),
              [](const RtmpPublisherStats &a, const RtmpPublisherStats &b) {
                  return a.streamId < b.streamId;
              });
    return publishers;
}

void RtmpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        const QHostAddress address = socket->peerAddress();
        const auto sameAddress = [&](const QPointer<RtmpSession> &session) {
            return session && session->peerAddress() == address;
        };
        if (std::count_if(m_sessions.cbegin(), m_sessions.cend(), sameAddress) >=
            m_options.maxConnectionsPerAddress) {
            qWarning().noquote() << "[rtmp]" << address.toString() << "refused: at most"
                                 << m_options.maxConnectionsPerAddress
                                 << "RTMP connections from one address";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        if (m_sessions.size() >= m_options.maxConnections) {
            qWarning().noquote() << "[rtmp]" << socket->peerAddress().toString()
                                 << "refused: at most" << m_options.maxConnections
                                 << "RTMP connections at once";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        auto *session = new RtmpSession(socket, m_options, m_keys, m_handler, this);
        m_sessions.append(session);
        connect(session, &RtmpSession::closed, this, [this, session] {
            m_sessions.removeAll(session);
            session->deleteLater();
        });
        session->start();
    }
}

} // namespace afk::server
