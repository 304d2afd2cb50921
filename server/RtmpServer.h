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
    // One address may not take every slot (a looping client, a scan); like the Socket.IO cap.
    int maxConnectionsPerAddress = 16;
    int handshakeTimeoutMs = 10000; // from accept to a successful connect command
    int idleTimeoutMs = 30000;      // a connection that sends nothing this long is closed
    RtmpChunkReader::Limits limits;
};

// What a publisher is doing, for /status, /metrics and [stats]; never its key.
struct RtmpPublisherStats {
    QString streamId;
    QString remoteAddress;          // host:port
    double kilobitsPerSecondIn = 0; // media bytes, over the last few seconds
    double framesPerSecondIn = 0;   // video frames, over the last few seconds
    qint64 bytesIn = 0;
    qint64 videoFramesIn = 0;
    // Video frames thrown away (up to the next keyframe) while the studio's ingest buffer was
    // full: the publisher sends faster than the ladder encodes.
    qint64 videoFramesDropped = 0;
    qint64 publishingMs = 0;
};

// What the studio does with publishers; every call comes on the server's (event loop) thread.
struct RtmpPublishHandler {
    enum class MediaOutcome {
        Taken,
        Dropped, // the stream cannot take it now (a full buffer): the publisher goes on
        Refused, // the stream is gone or refuses it: the publisher is dropped
    };
    // A publisher with an accepted key starts streamId: false with the reason to refuse it (a
    // live stream of that id, the stream cap …).
    std::function<bool(const QString &streamId, const QString &peer, QString *error)> begin;
    // FLV bytes of the publisher (the header first, again after each new publish); *error says
    // why when not Taken.
    std::function<MediaOutcome(const QString &streamId, const QByteArray &flv, QString *error)>
        media;
    // The publisher ended for reason: it unpublished (isUnpublished: OBS's "Stop Streaming"),
    // or its connection went (a network drop, a timeout: it may come back, as OBS reconnects).
    std::function<void(const QString &streamId, const QString &reason, bool isUnpublished)> end;
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
    QList<RtmpPublisherStats> publishers() const;
    // A fresh secret for streamId (see RtmpKeyBook::issue); publishes with it go to streamId.
    QString issueKey(const QString &streamId) { return m_keys.issue(streamId); }

private:
    void onNewConnection();

    RtmpServerOptions m_options;
    RtmpKeyBook m_keys;
    RtmpPublishHandler m_handler;
    QTcpServer m_server;
    QList<QPointer<RtmpSession>> m_sessions;
};

} // namespace afk::server
