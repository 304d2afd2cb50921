// The RTMP ingest server (--rtmp-port): OBS, the ffmpeg program and hardware encoders publish to
// rtmp://<host>:<port>/live/<stream key>. It speaks the protocol (server/RtmpSession) and hands
// each publisher's media, as an FLV byte stream, to the studio through RtmpPublishHandler.
#pragma once

#include "RtmpChunkReader.h"
#include "RtmpKeyBook.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTcpServer>

#include <functional>

namespace afk::server {

class RtmpSession;

struct RtmpServerOptions {
    int maxConnections = 64;
    int handshakeTimeoutMs = 10000; // from accept to a successful connect command
    int idleTimeoutMs = 30000;      // a connection that sends nothing this long is closed
    RtmpChunkReader::Limits limits;
};

// What the studio does with publishers; every call comes on the server's (event loop) thread.
struct RtmpPublishHandler {
    // A publisher with an accepted key starts streamId: false with the reason to refuse it (a
    // live stream of that id, the stream cap …).
    std::function<bool(const QString &streamId, const QString &peer, QString *error)> begin;
    // FLV bytes of the publisher (the header first): false with the reason to drop it.
    std::function<bool(const QString &streamId, const QByteArray &flv, QString *error)> media;
    // The publisher ended (unpublished, disconnected or dropped for reason).
    std::function<void(const QString &streamId, const QString &reason)> end;
};

class RtmpServer : public QObject
{
    Q_OBJECT
public:
    RtmpServer(RtmpServerOptions options, RtmpKeyBook keys, RtmpPublishHandler handler,
               QObject *parent = nullptr);
    ~RtmpServer() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const { return m_server.serverPort(); }
    int connectionCount() const { return int(m_sessions.size()); }

private:
    void onNewConnection();

    RtmpServerOptions m_options;
    RtmpKeyBook m_keys;
    RtmpPublishHandler m_handler;
    QTcpServer m_server;
    QList<QPointer<RtmpSession>> m_sessions;
};

} // namespace afk::server
