// The studio's side of RTMP ingest: the server on --rtmp-port, publishers' FLV into the stream
// registry's ladder, OBS-style reconnects continuing the same stream, keys issued through
// POST /livestream/<id>/rtmp-key, and what /status, /metrics and [stats] show of publishers.
#pragma once

#include "RtmpServer.h"
#include "StudioOptions.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <memory>

namespace afk::session {
class StreamRegistry;
}

namespace afk::studio {

class RtmpIngest : public QObject
{
    Q_OBJECT
public:
    RtmpIngest(const StudioOptions &options, session::StreamRegistry &registry,
               QObject *parent = nullptr);
    ~RtmpIngest() override;

    // Loads the key file and listens on options.rtmpPort. A port given by --rtmp-port that
    // cannot be bound fails the start (*error names the port and the flag); the default port
    // taken only warns (*warning) and leaves RTMP off: someone who never asked for RTMP (a
    // second studio on this machine, an nginx-rtmp already on 1935) still gets a studio.
    bool start(QString *error, QString *warning);
    bool isListening() const { return m_server != nullptr; }
    quint16 port() const;

    // A fresh stream key bound to streamId; empty while RTMP is off. A stream its publisher
    // starts is owned by ownerId (who asked for the key), so that they may control it, ask for
    // a new key, and no other Socket.IO host take it over.
    QString issueKey(const QString &streamId, const QString &ownerId);
    QList<server::RtmpPublisherStats> publishers() const;
    // {"rtmp": {…}} for the stream's /status while an RTMP publisher is on it; else empty.
    QJsonObject statusJson(const QString &streamId) const;
    // Prometheus lines of the RTMP server and its publishers.
    QByteArray metricsText() const;
    // For the [stats] line: "rtmp publisher 1.2.3.4:5678, in 2480 kb/s 30.0 fps, dropped 0".
    QString statsText(const QString &streamId) const;

private:
    bool beginPublisher(const QString &streamId, QString *error);
    server::RtmpPublishHandler::MediaOutcome takeMedia(const QString &streamId,
                                                       const QByteArray &flv, QString *error);
    void endPublisher(const QString &streamId, const QString &reason, bool isUnpublished);

    const StudioOptions &m_options;
    session::StreamRegistry &m_registry;
    std::unique_ptr<server::RtmpServer> m_server;
    QSet<QString> m_publishing;          // stream ids with an RTMP publisher on them now
    QHash<QString, QString> m_keyOwners; // stream id → who asked for its key (bounded)
    // Streams whose publisher's connection went: they wait this long (--reconnect-grace) for it
    // to publish again before they end.
    QHash<QString, QTimer *> m_awaitingReconnect;
};

} // namespace afk::studio
