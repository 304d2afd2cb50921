// One live stream of Cloudinary's Live Streaming API (cloudinary.com/documentation/
// video_live_streaming_reference; HTTP Basic key:secret): created when the studio goes live, its
// RTMP ingest (input.uri + "/" + input.stream_key) fed by our RTMP push and its HLS output
// (outputs[type=hls].uri) the public playback URL; idled and deleted when the stream ends.
// The reference's paths are /v2/video/<cloud>/live_streams[/<id>[/activate|/idle]].
#pragma once

#include "CloudinaryCredentials.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <functional>

class QNetworkReply;

namespace afk::restream {

struct CloudinaryLiveStreamSettings {
    QString name;
    int idleTimeoutSeconds = 120;  // the service ends the stream when no input comes this long
    int maxRuntimeSeconds = 43200; // and after this long in any case
};

class CloudinaryLiveStream : public QObject
{
    Q_OBJECT
public:
    explicit CloudinaryLiveStream(CloudinaryCredentials credentials, QObject *parent = nullptr);

    // POST live_streams, then POST …/activate. created() or failed() follows; after a failure
    // that may pass (no answer, 5xx, a rate limit) create() may be called again.
    void create(const CloudinaryLiveStreamSettings &settings);
    // POST …/idle, then DELETE …; ended() follows (also when either call failed: the stream is
    // left to the service's idle timeout then, and the failure is in lastError()).
    void end();

    QString id() const { return m_id; }
    QString hlsUrl() const { return m_hlsUrl; }
    QString state() const { return m_state; } // none, creating, active, ending, ended, failed
    QString lastError() const { return m_lastError; }

signals:
    // ingestUrl carries the stream key: it goes to the push, never to a log or /status.
    void created(const QString &ingestUrl, const QString &hlsUrl);
    void failed(const QString &error, bool isRetryable);
    void ended();

private:
    QNetworkReply *send(const QByteArray &verb, const QString &path, const QByteArray &body = {});
    // The error of a reply that failed, from Cloudinary's {"error":{"message"}} when present.
    static QString errorOf(QNetworkReply *reply, const QByteArray &body);
    void fail(const QString &error, bool isRetryable);

    CloudinaryCredentials m_credentials;
    QNetworkAccessManager m_network;
    QString m_id;
    QString m_hlsUrl;
    QString m_state = QStringLiteral("none");
    QString m_lastError;
};

} // namespace afk::restream
