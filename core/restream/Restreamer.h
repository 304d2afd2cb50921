// The studio's restreaming: the top rendition of its own stream pushed over RTMP to every
// --rtmp-push URL and, with --cloudinary-mode live, to a Cloudinary live stream created for each
// run (whose HLS URL then becomes the public playback URL). Lives on the event loop; the pushes
// run on threads of their own (RtmpPushSink).
#pragma once

#include "CloudinaryCredentials.h"
#include "EncodedPacketSink.h"
#include "RtmpPushTarget.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <memory>
#include <vector>

namespace afk::restream {

class CloudinaryLiveStream;

struct RestreamOptions {
    QStringList rtmpPushUrls;         // --rtmp-push (checked by the command line)
    bool isCloudinaryLive = false;    // --cloudinary-mode live
    CloudinaryCredentials cloudinary; // cloud, API base, key and secret (environment)
};

class Restreamer : public QObject
{
    Q_OBJECT
public:
    explicit Restreamer(RestreamOptions options, QObject *parent = nullptr);
    ~Restreamer() override;

    bool isEnabled() const { return !m_targets.empty(); }
    // The sinks of one run of the stream: a push per target on the top rung (index 0), none on
    // the others. Safe to call on the pipeline's launcher thread.
    media::EncodedPacketSinkFactory sinkFactory() const;

    // A run of the stream begins (Cloudinary: a live stream is created) or has ended (it is idled
    // and deleted).
    void streamStarted(const QString &streamKey, const QString &title);
    void streamEnded();
    // Requests to Cloudinary still under way (a shutdown waits for them, briefly).
    bool hasPendingRequests() const;

    // Cloudinary's HLS URL while its live stream exists; else empty.
    QString publicPlaybackUrl() const;
    // For /status: every push target (redacted), and the Cloudinary section of afk-protocol.md.
    QJsonArray pushStatusJson() const;
    QJsonObject cloudinaryStatusJson() const;
    // For the [stats] line: "rtmp-push 1 live 312 KB/s reconnects 0 dropped 0; …".
    QString statsText() const;

signals:
    void publicPlaybackUrlChanged(const QString &url);
    // Something the operator should read (a Cloudinary call failed); never carries a secret.
    void warning(const QString &message);

private:
    RestreamOptions m_options;
    std::vector<std::shared_ptr<RtmpPushTarget>> m_targets;
    std::shared_ptr<RtmpPushTarget> m_cloudinaryTarget; // also in m_targets; null without
    QPointer<CloudinaryLiveStream> m_cloudinaryStream;  // the current run's
    int m_pendingRequests = 0;
};

} // namespace afk::restream
