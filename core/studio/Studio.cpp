#include "Studio.h"

#include "HttpApi.h"
#include "CompositeSource.h"
#include "MediaSource.h"
#include "NostrPresence.h"
#include "Restreamer.h"
#include "RtmpIngest.h"
#include "Secp256k1Context.h"
#include "SocketIoServer.h"
#include "StreamRegistry.h"
#include "StudioMetrics.h"
#include "CloudinaryTarget.h"
#include "S3Target.h"
#include "CredentialStore.h"
#include "StorageCredentials.h"
#include "StudioPaths.h"
#include "UploadQueue.h"

#include <QDateTime>
#include <QDebug>
#include <QJsonArray>
#include <QThreadPool>
#include <algorithm>

namespace afk::studio {
namespace {

// Ending streams flushes their encoders (well under a second) and the relays should confirm the
// ended events; never hold a shutdown longer than this.
constexpr int relayFlushBudgetMs = 4000;
// The final playlists to the stores may need a retry or two after an outage; what is still
// left after this stays in the upload journal for the next start.
constexpr int uploadDrainBudgetMs = 15000;
constexpr int shutdownWatchdogMs = 4500;

} // namespace

Studio::Studio(StudioOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)),
      // A 10 ms probe costs an idle headless server ~0.4 % of a core; 50 ms costs a fifth of that
      // and still catches a loop held for tens of ms. The GUI wants the finer view.
      m_eventLoopLatency(m_options.isHeadless ? 50 : 10)
{
}

Studio::~Studio()
{
    // Chats and announcers talk to the pool, the Socket.IO server to the registry: tear down in
    // the reverse order of start().
    m_uploadQueues.clear();
    m_nostr.reset();
    m_restreamer.reset();
    m_rtmp.reset(); // its publishers end their streams in the registry
    m_socketIo.reset();
    m_server.reset();
    m_registry.reset();
}

QString Studio::baseUrl() const
{
    // A wildcard bind is reachable on loopback too; show the address people can paste.
    QString host = m_options.bindText;
    if (m_options.bindAddress == QHostAddress::AnyIPv4 || m_options.bindAddress == QHostAddress::Any)
        host = QStringLiteral("127.0.0.1");
    else if (m_options.bindAddress == QHostAddress::AnyIPv6)
        host = QStringLiteral("[::1]");
    else if (m_options.bindAddress.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return QStringLiteral("http://%1:%2").arg(host).arg(m_server ? m_server->serverPort() : 0);
}

QString Studio::streamUrl(const QString &streamKey) const
{
    return baseUrl() + QStringLiteral("/livestream/") + streamKey;
}

int Studio::httpViewerCount(const QString &streamKey) const
{
    return m_server ? m_server->httpViewerCount(streamKey) : 0;
}

bool Studio::start(QString *error)
{
    storage::StreamStore store(m_options.dataDir);
    if (!store.prepare(error))
        return false;
    session::EncodingDefaults defaults;
    defaults.ladder = m_options.ladder;
    defaults.segmentSeconds = m_options.segmentSeconds;
    defaults.liveWindowSeconds = m_options.liveWindowSeconds;
    defaults.x264Preset = m_options.x264Preset;
    defaults.x264Threads = m_options.x264Threads;
    defaults.scaleFilter = m_options.scaleFilter;
    defaults.partSeconds = m_options.partSeconds;
    defaults.videoPassthrough = m_options.isRtmpPassthrough;
    session::StreamLimits limits;
    limits.maxStreams = m_options.maxStreams;
    limits.mediaTimeoutMs = m_options.mediaTimeoutSeconds * 1000;
    limits.recordRetentionMs = m_options.recordRetentionSeconds * 1000;
    // Packagers publish into it, the server answers from it (one index for every stream).
    defaults.mediaIndex = std::make_shared<media::MediaIndex>();
    m_registry = std::make_unique<session::StreamRegistry>(std::move(store), defaults, limits);

    server::HttpApiOptions serverOptions;
    serverOptions.corsOrigin = m_options.corsOrigin;
    serverOptions.maxConnections = m_options.maxConnections;
    serverOptions.listenBacklog = m_options.listenBacklog;
    serverOptions.mediaIndex = defaults.mediaIndex;
    m_server = std::make_unique<server::HttpApi>(*m_registry, serverOptions);
    m_secp256k1 = std::make_unique<nostr::Secp256k1Context>();
    if (!m_secp256k1->isValid()) {
        *error = QStringLiteral("cannot set up secp256k1: ") + m_secp256k1->errorString();
        return false;
    }
    server::SocketIoServerOptions socketIoOptions;
    socketIoOptions.ingest.isOpenIngest = m_options.isOpenIngest;
    socketIoOptions.ingest.allowedPubkeys = m_options.allowedPubkeys;
    socketIoOptions.ingest.maxMessageBytes = m_options.maxMessageBytes;
    socketIoOptions.ingest.maxPublishers = m_options.maxPublishers;
    socketIoOptions.ingest.maxViewersPerStream = m_options.maxViewersPerStream;
    socketIoOptions.idleTimeoutMs = m_options.idleTimeoutSeconds * 1000;
    socketIoOptions.reconnectGraceMs = m_options.reconnectGraceSeconds * 1000;
    socketIoOptions.maxClients = m_options.maxSocketClients;
    socketIoOptions.maxClientsPerAddress = m_options.maxSocketClientsPerAddress;
    m_socketIo = std::make_unique<server::SocketIoServer>(*m_server, *m_registry, *m_secp256k1,
                                                          socketIoOptions);
    // Browser hosts' WebM chunks go into the same ladder as every other source.
    m_socketIo->setIngestSink(
        [this](const QString &streamKey, const QByteArray &chunk, QString *sinkError) {
            return m_registry->ingest(streamKey, chunk, sinkError);
        });
    if (!m_server->listen(m_options.bindAddress, m_options.port, error))
        return false;
    if (m_options.rtmpPort != 0 && !startRtmpIngest(error))
        return false;
    const std::optional<QHash<QString, QString>> credentials = resolveStorageCredentials(error);
    if (!credentials || !startUploads(*credentials, error))
        return false;
    if (!m_options.nostr.relayUrls.isEmpty() && !startNostr(error))
        return false;
    startRestreaming(*credentials);
    // POST /livestream/:id/start and /stop: the same publishers as Socket.IO, or the studio's key.
    m_server->setControlAuth(server::IngestAuth(*m_secp256k1, socketIoOptions.ingest),
                             m_nostr ? m_nostr->publicKeyHex() : QString());
    m_server->setExtraMetricsProvider(
        [this] {
            return renderStudioMetrics(*m_socketIo, *m_registry, m_nostr.get())
                   + renderEventLoopMetrics(m_eventLoopLatency)
                   + (m_rtmp ? m_rtmp->metricsText() : QByteArray());
        });

    connect(m_registry.get(), &session::StreamRegistry::streamEvicted, this,
            [this](const QString &streamKey) {
                if (m_nostr)
                    m_nostr->forget(streamKey);
            });
    connect(m_registry.get(), &session::StreamRegistry::allStreamsEnded, this, [this] {
        if (m_isShuttingDown)
            stopWhenRelaysHaveEverything();
    });
    connect(&m_retentionTimer, &QTimer::timeout, this, &Studio::removeExpiredStreams);
    m_retentionTimer.start(3600 * 1000);
    removeExpiredStreams();
    m_eventLoopLatency.start();
    return true;
}

bool Studio::startNostr(QString *error)
{
    NostrOptions options = m_options.nostr;
    if (options.publicBaseUrl.isEmpty())
        options.publicBaseUrl = baseUrl();
    // Viewers play from the store, not from this machine.
    if (!m_storePublicBase.isEmpty())
        options.publicBaseUrl = m_storePublicBase;
    m_nostr = std::make_unique<NostrPresence>(*m_secp256k1, options);
    const auto noPassword = [](QString *passwordError) {
        *passwordError = QStringLiteral("no way to ask for the key password");
        return QString();
    };
    if (!m_nostr->start(m_keyPasswordProvider ? m_keyPasswordProvider : noPassword, error))
        return false;
    m_server->setRelayStatusProvider([this] { return m_nostr->relayStatus(); });
    // Browser hosts' streams are announced only when the host asks (the PWA announces its own).
    connect(m_socketIo.get(), &server::SocketIoServer::publishStarted, this,
            [this](const QString &streamKey, const QString &, bool isAnnounceRequested) {
                if (session::Stream *stream = m_registry->find(streamKey);
                    stream && isAnnounceRequested)
                    m_nostr->announce(*stream);
            });
    m_server->setChatProvider([this](const QString &streamKey) { return m_nostr->chat(streamKey); });
    connect(m_nostr.get(), &NostrPresence::streamAnnounced, this, &Studio::streamAnnounced);
    // Viewer counts for the live events: Socket.IO viewers or HLS clients, whichever is more
    // (the publisher rate-limits what it sends).
    connect(&m_viewerCountTimer, &QTimer::timeout, this, [this] {
        for (session::Stream *stream : m_registry->activeStreams())
            m_nostr->setViewerCount(stream->key(),
                                    std::max(stream->viewerCount(), httpViewerCount(stream->key())));
    });
    m_viewerCountTimer.start(5000);
    return true;
}

quint16 Studio::rtmpPort() const
{
    return m_rtmp ? m_rtmp->port() : 0;
}

bool Studio::startRtmpIngest(QString *error)
{
    m_rtmp = std::make_unique<RtmpIngest>(m_options, *m_registry);
    QString warning;
    if (!m_rtmp->start(error, &warning))
        return false;
    if (!warning.isEmpty())
        qWarning().noquote() << "[rtmp]" << warning;
    if (!m_rtmp->isListening())
        return true;
    m_server->setRtmpKeyIssuer(m_rtmp->port(),
                               [this](const QString &streamId, const QString &publisherId) {
                                   return m_rtmp->issueKey(streamId, publisherId);
                               });
    m_server->setRtmpStatusProvider(
        [this](const QString &streamKey) { return m_rtmp->statusJson(streamKey); });
    return true;
}

void Studio::startRestreaming(const QHash<QString, QString> &credentials)
{
    restream::RestreamOptions options;
    options.rtmpPushUrls = m_options.rtmpPushUrls;
    options.isCloudinaryLive = m_options.cloudinaryMode == u"live";
    if (options.isCloudinaryLive) {
        options.cloudinary.cloudName = m_options.cloudinaryCloud;
        options.cloudinary.apiBase = m_options.cloudinaryApiBase;
        options.cloudinary.apiKey =
            credentials.value(QString::fromLatin1(storage::CredentialStore::CloudinaryApiKey));
        options.cloudinary.apiSecret =
            credentials.value(QString::fromLatin1(storage::CredentialStore::CloudinaryApiSecret));
    }
    if (options.rtmpPushUrls.isEmpty() && !options.isCloudinaryLive)
        return;
    m_restreamer = std::make_unique<restream::Restreamer>(std::move(options));
    // The studio's own stream (--stream-key, whatever its source) is the one restreamed.
    const QString ownKey = m_options.streamKey;
    m_registry->setPacketSinkProvider(
        [factory = m_restreamer->sinkFactory(), ownKey](const QString &streamKey) {
            return streamKey == ownKey ? factory : media::EncodedPacketSinkFactory();
        });
    connect(m_registry.get(), &session::StreamRegistry::streamStarted, this,
            [this, ownKey](session::Stream *stream) {
                if (stream->key() == ownKey)
                    m_restreamer->streamStarted(stream->key(), stream->metadata().title);
            });
    connect(m_registry.get(), &session::StreamRegistry::streamEnded, this,
            [this, ownKey](session::Stream *stream) {
                if (stream->key() == ownKey)
                    m_restreamer->streamEnded();
            });
    // Cloudinary's HLS URL is where viewers play: the live event names it while it exists.
    connect(m_restreamer.get(), &restream::Restreamer::publicPlaybackUrlChanged, this,
            [this, ownKey](const QString &url) {
                if (m_nostr)
                    m_nostr->setStreamingUrl(ownKey, url);
            });
    m_server->setRestreamStatusProvider([this, ownKey](const QString &streamKey) {
        QJsonObject status;
        if (streamKey != ownKey)
            return status;
        status.insert(QStringLiteral("restream"), m_restreamer->pushStatusJson());
        status.insert(QStringLiteral("cloudinary"), m_restreamer->cloudinaryStatusJson());
        if (const QString url = m_restreamer->publicPlaybackUrl(); !url.isEmpty())
            status.insert(QStringLiteral("publicPlaybackUrl"), url);
        return status;
    });
}

std::optional<QHash<QString, QString>> Studio::resolveStorageCredentials(QString *error)
{
    QStringList names;
    if (!m_options.uploads.r2Bucket.isEmpty())
        names << QString::fromLatin1(storage::CredentialStore::R2AccessKeyId)
              << QString::fromLatin1(storage::CredentialStore::R2SecretAccessKey);
    if (!m_options.cloudinaryCloud.isEmpty())
        names << QString::fromLatin1(storage::CredentialStore::CloudinaryApiKey)
              << QString::fromLatin1(storage::CredentialStore::CloudinaryApiSecret);
    if (names.isEmpty())
        return QHash<QString, QString>();
    // AFK_R2_* / AFK_CLOUDINARY_* when set, else the credential store that Settings → Storage
    // fills (unlocked with the key password).
    storage::CredentialSources sources;
    sources.directory = configDir();
    sources.passwordProvider = m_keyPasswordProvider;
    return storage::resolveCredentials(names, sources, error);
}

bool Studio::startUploads(const QHash<QString, QString> &credentials, QString *error)
{
    const UploadOptions &uploads = m_options.uploads;
    if (!uploads.r2Bucket.isEmpty()) {
        storage::S3TargetConfig config;
        config.endpoint = QUrl(uploads.r2Endpoint);
        config.bucket = uploads.r2Bucket;
        config.isVirtualHosted = uploads.isR2VirtualHosted;
        config.publicBaseUrl = uploads.r2PublicUrl;
        config.accessKeyId =
            credentials.value(QString::fromLatin1(storage::CredentialStore::R2AccessKeyId))
                .toUtf8();
        config.secretAccessKey =
            credentials.value(QString::fromLatin1(storage::CredentialStore::R2SecretAccessKey))
                .toUtf8();
        if (const QString problem = config.problem(); !problem.isEmpty()) {
            *error = problem;
            return false;
        }
        m_storePublicBase = uploads.r2PublicUrl;
        addUploadQueue(std::make_unique<storage::S3Target>(config), uploads.r2RetainHours);
    }
    if (m_options.cloudinaryMode == u"upload") {
        restream::CloudinaryCredentials cloudinary;
        cloudinary.cloudName = m_options.cloudinaryCloud;
        cloudinary.apiBase = m_options.cloudinaryApiBase;
        cloudinary.apiKey =
            credentials.value(QString::fromLatin1(storage::CredentialStore::CloudinaryApiKey));
        cloudinary.apiSecret =
            credentials.value(QString::fromLatin1(storage::CredentialStore::CloudinaryApiSecret));
        const QString deliveryBase =
            restream::CloudinaryTarget::deliveryBaseFor(cloudinary.apiBase);
        if (m_storePublicBase.isEmpty())
            m_storePublicBase =
                restream::CloudinaryTarget::rawDeliveryBase(deliveryBase, cloudinary.cloudName);
        addUploadQueue(std::make_unique<restream::CloudinaryTarget>(cloudinary, deliveryBase), 0);
    }
    if (m_uploadQueues.empty())
        return true;

    // Every stream of every source: each servable segment and the end change its playlists.
    // (The registry's streamEnded comes before allStreamsEnded, so a shutdown sees the final
    // playlists in the backlog it waits for.)
    connect(m_registry.get(), &session::StreamRegistry::streamStarted, this,
            [this](session::Stream *stream) {
                connect(stream, &session::Stream::segmentCompleted, this, [this, stream] {
                    for (const auto &queue : m_uploadQueues)
                        queue->streamUpdated(stream->key(), stream->metadata().renditionNames,
                                             false);
                });
            });
    connect(m_registry.get(), &session::StreamRegistry::streamEnded, this,
            [this](session::Stream *stream) {
                for (const auto &queue : m_uploadQueues)
                    queue->streamUpdated(stream->key(), stream->metadata().renditionNames, true);
            });
    m_server->setStorageStatusProvider([this](const QString &streamKey) {
        QJsonArray storage;
        for (const auto &queue : m_uploadQueues)
            storage.append(queue->status(streamKey));
        QJsonObject fields{{QStringLiteral("storage"), storage}};
        if (const QString url = publicPlaybackUrl(streamKey); !url.isEmpty())
            fields.insert(QStringLiteral("publicPlaybackUrl"), url);
        return fields;
    });
    for (const auto &queue : m_uploadQueues)
        queue->resume();
    return true;
}

void Studio::addUploadQueue(std::unique_ptr<storage::UploadTarget> target, int retainHours)
{
    storage::UploadQueueOptions queueOptions;
    queueOptions.concurrency = m_options.uploads.concurrency;
    queueOptions.retainHours = retainHours;
    // Each target keeps its own journal (.uploads/<target name>/) and its own order and backoff:
    // one store failing never holds the other back.
    auto queue =
        std::make_unique<storage::UploadQueue>(m_options.dataDir, std::move(target), queueOptions);
    connect(queue.get(), &storage::UploadQueue::message, this, &Studio::uploadMessage);
    m_uploadQueues.push_back(std::move(queue));
}

QString Studio::publicPlaybackUrl(const QString &streamKey) const
{
    for (const auto &queue : m_uploadQueues)
        if (const QString url = queue->publicPlaybackUrl(streamKey); !url.isEmpty())
            return url;
    return {};
}

void Studio::setStreamDescription(const QString &summary, const QString &imageUrl,
                                  const QStringList &hashtags)
{
    m_options.nostr.summary = summary;
    m_options.nostr.imageUrl = imageUrl;
    m_options.nostr.hashtags = hashtags;
    if (m_nostr)
        m_nostr->setDescription(summary, imageUrl, hashtags);
}

void Studio::setLadder(const QList<media::Rendition> &ladder)
{
    m_options.ladder = ladder;
    session::EncodingDefaults defaults = m_registry->defaults();
    defaults.ladder = ladder;
    m_registry->setDefaults(defaults);
}

session::Stream *Studio::goLive(std::unique_ptr<media::MediaSource> source, const QString &title,
                                QString *error)
{
    if (m_liveStream && m_liveStream->isActive()) {
        *error = QStringLiteral("already live as %1").arg(m_liveStream->key());
        return nullptr;
    }
    const auto *composite = dynamic_cast<const media::CompositeSource *>(source.get());
    media::SharedLayoutPtr layout = composite ? composite->sharedLayout() : nullptr;
    session::Stream *stream =
        m_registry->startStream(m_options.streamKey, {}, title, std::move(source), error);
    if (!stream)
        return nullptr;
    m_liveStream = stream;
    m_liveLayout = std::move(layout);
    connect(stream, &session::Stream::started, this, [this, stream] { emit liveStarted(stream); });
    connect(stream, &session::Stream::segmentCompleted, this, &Studio::liveSegmentReady);
    connect(stream, &session::Stream::ended, this, &Studio::liveEnded);
    if (m_nostr)
        m_nostr->announce(*stream);
    return stream;
}

bool Studio::setLayout(const media::CompositeLayout &layout, QString *error)
{
    if (!m_liveLayout || !m_liveStream || !m_liveStream->isActive()) {
        *error = QStringLiteral("no composed source is live (layouts need --camera-overlay or "
                                "--mic)");
        return false;
    }
    m_liveLayout->set(layout);
    return true;
}

std::optional<media::CompositeLayout> Studio::layout() const
{
    if (!m_liveLayout || !m_liveStream || !m_liveStream->isActive())
        return std::nullopt;
    return m_liveLayout->get();
}

void Studio::endLive()
{
    if (m_liveStream)
        m_liveStream->stop();
}

void Studio::removeExpiredStreams()
{
    // Deleting folders is disk I/O: keep it off the event loop.
    for (const auto &queue : m_uploadQueues)
        queue->removeExpired(QDateTime::currentMSecsSinceEpoch());
    const storage::StreamStore store = m_registry->store();
    const int retainHours = m_options.retainHours;
    QPointer<Studio> self = this;
    QThreadPool::globalInstance()->start([self, store, retainHours] {
        const QStringList removed =
            store.removeExpired(retainHours, QDateTime::currentMSecsSinceEpoch());
        if (removed.isEmpty())
            return;
        QMetaObject::invokeMethod(self, [self, removed] {
            if (self)
                emit self->expiredStreamsRemoved(removed);
        }, Qt::QueuedConnection);
    });
}

void Studio::shutDown(int exitCode)
{
    if (m_isShuttingDown)
        return;
    m_isShuttingDown = true;
    m_exitCode = exitCode;
    m_shutdownClock.start();
    m_viewerCountTimer.stop();
    m_shutdownWatchdog.setSingleShot(true);
    connect(&m_shutdownWatchdog, &QTimer::timeout, this, [this] { finishShutdown(1); });
    m_shutdownWatchdog.start(shutdownWatchdogMs);
    if (!m_registry) {
        finishShutdown(m_exitCode);
        return;
    }
    m_registry->stopAll();
}

void Studio::stopWhenRelaysHaveEverything()
{
    // The streams have ended (the watchdog was for them); what is left is bounded below.
    m_shutdownWatchdog.stop();
    // The ended events must reach the relays before the process goes: wait for their OKs, but
    // never past the relays' budget. Cloudinary's live stream is idled and deleted on the way
    // out too. The final playlists to the stores get a budget of their own.
    const qint64 elapsedMs = m_shutdownClock.elapsed();
    const bool isAnnounced = (!m_nostr || m_nostr->pendingEventCount() == 0)
                             && (!m_restreamer || !m_restreamer->hasPendingRequests());
    const bool isEverythingUploaded =
        std::all_of(m_uploadQueues.begin(), m_uploadQueues.end(),
                    [](const auto &queue) { return queue->backlog() == 0; });
    if ((isAnnounced || elapsedMs > relayFlushBudgetMs)
        && (isEverythingUploaded || elapsedMs > uploadDrainBudgetMs)) {
        finishShutdown(m_exitCode);
        return;
    }
    QTimer::singleShot(50, this, &Studio::stopWhenRelaysHaveEverything);
}

void Studio::finishShutdown(int exitCode)
{
    if (m_hasStopped)
        return;
    m_hasStopped = true;
    m_shutdownWatchdog.stop();
    emit stopped(exitCode);
}

} // namespace afk::studio
