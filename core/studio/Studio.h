// The studio core that both faces drive (the headless runner and the GUI): the stream registry,
// the embedded HTTP and Socket.IO server, the Nostr presence, retention and metrics, plus the
// studio's own stream ("go live" with a source). It prints nothing: faces show its signals.
#pragma once

#include "CompositeLayout.h"
#include "EventLoopLatency.h"
#include "Stream.h"
#include "StudioOptions.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace afk::media {
class MediaSource;
}
namespace afk::session {
class StreamRegistry;
}
namespace afk::server {
class HttpApi;
class SocketIoServer;
}
namespace afk::nostr {
class Secp256k1Context;
}
namespace afk::restream {
class Restreamer;
}
namespace afk::storage {
class UploadQueue;
class UploadTarget;
}

namespace afk::studio {

class NostrPresence;
class RtmpIngest;

class Studio : public QObject
{
    Q_OBJECT
public:
    explicit Studio(StudioOptions options, QObject *parent = nullptr);
    ~Studio() override;

    // Unlocks the Nostr key when relays are configured (a terminal prompt, a dialog: the face's).
    void setKeyPasswordProvider(std::function<QString(QString *error)> provider)
    {
        m_keyPasswordProvider = std::move(provider);
    }

    // Sets up storage, the server (listening), Socket.IO and Nostr; false with a one-line *error
    // (a set-up error: exit code 2 for the headless face).
    bool start(QString *error);
    // Starts the studio's own stream (options().streamKey) from source. liveStarted() follows once
    // media flows, liveEnded() when it ends. Null with *error when it cannot start.
    session::Stream *goLive(std::unique_ptr<media::MediaSource> source, const QString &title,
                            QString *error);
    // The ladder of the streams started from now on (a running one keeps its own).
    void setLadder(const QList<media::Rendition> &ladder);
    // The live event's summary, image and hashtags for the next goLive (no-op without Nostr).
    void setStreamDescription(const QString &summary, const QString &imageUrl,
                              const QStringList &hashtags);
    // Ends the studio's own stream (its segment is finished, its playlists ended).
    void endLive();
    session::Stream *liveStream() const { return m_liveStream; }
    // The live stream's composition (a source with --camera-overlay or --mic is composed): a new
    // layout takes effect at its next frame, same size, no timestamp jump. False with *error when
    // nothing composed is live.
    bool setLayout(const media::CompositeLayout &layout, QString *error);
    // The live composition's layout; nullopt when nothing composed is live.
    std::optional<media::CompositeLayout> layout() const;
    // Ends every stream and waits (briefly) for the relays to confirm the ended events;
    // stopped(exitCode) follows.
    void shutDown(int exitCode = 0);
    bool isShuttingDown() const { return m_isShuttingDown; }
    bool isStopped() const { return m_hasStopped; }

    const StudioOptions &options() const { return m_options; }
    // http://host:port as people on this machine reach it (a wildcard bind shows as loopback).
    QString baseUrl() const;
    // baseUrl()/livestream/<key>
    QString streamUrl(const QString &streamKey) const;
    session::StreamRegistry &registry() const { return *m_registry; }
    server::HttpApi &server() const { return *m_server; }
    server::SocketIoServer &socketIo() const { return *m_socketIo; }
    // The RTMP ingest port (0 when --rtmp-port is 0 or the default port was taken).
    quint16 rtmpPort() const;
    // RTMP ingest; null when --rtmp-port is 0.
    RtmpIngest *rtmpIngest() const { return m_rtmp.get(); }
    NostrPresence *nostr() const { return m_nostr.get(); } // null without relays
    // RTMP pushes and Cloudinary of the studio's own stream; null when none is configured.
    restream::Restreamer *restreamer() const { return m_restreamer.get(); }
    int httpViewerCount(const QString &streamKey) const;
    // How late this thread's event loop serves timers (running once start() succeeded).
    const EventLoopLatency &eventLoopLatency() const { return m_eventLoopLatency; }
    // One queue per store: R2/S3 (--r2-bucket), then Cloudinary (--cloudinary-mode upload).
    const std::vector<std::unique_ptr<storage::UploadQueue>> &uploadQueues() const
    {
        return m_uploadQueues;
    }
    // Where viewers play the stream from a store: the first with a public URL (R2 with
    // --r2-public-url, else Cloudinary); empty when none has one.
    QString publicPlaybackUrl(const QString &streamKey) const;

signals:
    void liveStarted(afk::session::Stream *stream);
    void liveSegmentReady(qint64 segmentCount);
    // error is empty on a clean end.
    void liveEnded(const QString &error);
    void streamAnnounced(const QString &streamKey, const QString &naddr);
    // Files of streams past --retain-hours were removed (off the event loop).
    void expiredStreamsRemoved(const QStringList &streamKeys);
    void stopped(int exitCode);
    // A line about uploads for the log (an error, uploads working again, a drain left over).
    void uploadMessage(const QString &line);

private:
    bool startNostr(QString *error);
    // The uploaders' secrets that the options need, from AFK_* or the credential store (one
    // password prompt for all of them).
    std::optional<QHash<QString, QString>> resolveStorageCredentials(QString *error);
    bool startUploads(const QHash<QString, QString> &credentials, QString *error);
    void addUploadQueue(std::unique_ptr<storage::UploadTarget> target, int retainHours);
    void stopWhenRelaysHaveEverything();
    void finishShutdown(int exitCode);
    void removeExpiredStreams();
    void startRestreaming(const QHash<QString, QString> &credentials);
    bool startRtmpIngest(QString *error);

    StudioOptions m_options;
    std::function<QString(QString *error)> m_keyPasswordProvider;
    std::unique_ptr<session::StreamRegistry> m_registry;
    std::unique_ptr<server::HttpApi> m_server;
    std::unique_ptr<nostr::Secp256k1Context> m_secp256k1; // NIP-98 checks of publishers
    std::unique_ptr<server::SocketIoServer> m_socketIo;
    std::unique_ptr<RtmpIngest> m_rtmp;
    std::unique_ptr<NostrPresence> m_nostr;
    std::unique_ptr<restream::Restreamer> m_restreamer;
    std::vector<std::unique_ptr<storage::UploadQueue>> m_uploadQueues;
    QString m_storePublicBase; // what Nostr names instead of the studio's address; may be empty
    QPointer<session::Stream> m_liveStream; // its key may be run again later
    media::SharedLayoutPtr m_liveLayout;    // of m_liveStream's source, when it is composed
    QTimer m_viewerCountTimer;
    QTimer m_retentionTimer;
    QTimer m_shutdownWatchdog;
    EventLoopLatency m_eventLoopLatency;
    QElapsedTimer m_shutdownClock;
    int m_exitCode = 0;
    bool m_isShuttingDown = false;
    bool m_hasStopped = false;
};

} // namespace afk::studio
