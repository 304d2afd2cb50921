#include "HeadlessStudio.h"

#include "FileSource.h"
#include "HttpApi.h"
#include "NostrPresence.h"
#include "Secp256k1Context.h"
#include "SocketIoServer.h"
#include "StudioMetrics.h"
#include "StreamRegistry.h"
#include "TestPatternSource.h"

#include <QDateTime>
#include <QFileInfo>
#include <QThreadPool>
#include <cstdio>

namespace afk::app {
namespace {

void printLine(const QString &line)
{
    std::fprintf(stdout, "%s\n", qPrintable(line));
    std::fflush(stdout);
}

} // namespace

HeadlessStudio::HeadlessStudio(StudioOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
}

HeadlessStudio::~HeadlessStudio() = default;

QString HeadlessStudio::baseUrl() const
{
    // A wildcard bind is reachable on loopback too; print the address people can paste.
    QString host = m_options.bindText;
    if (m_options.bindAddress == QHostAddress::AnyIPv4 || m_options.bindAddress == QHostAddress::Any)
        host = QStringLiteral("127.0.0.1");
    else if (m_options.bindAddress == QHostAddress::AnyIPv6)
        host = QStringLiteral("[::1]");
    else if (m_options.bindAddress.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + host + u']';
    return QStringLiteral("http://%1:%2").arg(host).arg(m_server->serverPort());
}

bool HeadlessStudio::start(QString *error)
{
    if (m_options.sourceKind == StudioOptions::SourceKind::File
        && !QFileInfo(m_options.sourceFile).isReadable()) {
        *error = QStringLiteral("cannot read %1: no such readable file").arg(m_options.sourceFile);
        return false;
    }
    storage::StreamStore store(m_options.dataDir);
    if (!store.prepare(error))
        return false;
    session::EncodingDefaults defaults;
    defaults.ladder = m_options.ladder;
    defaults.segmentSeconds = m_options.segmentSeconds;
    defaults.x264Preset = m_options.x264Preset;
    defaults.x264Threads = m_options.x264Threads;
    session::StreamLimits limits;
    limits.maxStreams = m_options.maxStreams;
    limits.mediaTimeoutMs = m_options.mediaTimeoutSeconds * 1000;
    limits.recordRetentionMs = m_options.recordRetentionSeconds * 1000;
    m_registry = std::make_unique<session::StreamRegistry>(std::move(store), defaults, limits);

    server::HttpApiOptions serverOptions;
    serverOptions.corsOrigin = m_options.corsOrigin;
    serverOptions.maxConnections = m_options.maxConnections;
    serverOptions.listenBacklog = m_options.listenBacklog;
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
    m_socketIo->setIngestSink([this](const QString &streamKey, const QByteArray &chunk, QString *sinkError) {
        return m_registry->ingest(streamKey, chunk, sinkError);
    });
    if (m_options.isOpenIngest)
        std::fprintf(stderr, "afk-studio: --open-ingest: anyone may publish over Socket.IO "
                             "(for local tests only)\n");
    if (!m_server->listen(m_options.bindAddress, m_options.port, error))
        return false;
    if (!m_options.nostr.relayUrls.isEmpty() && !startNostr(error))
        return false;
    // POST /livestream/:id/start and /stop: the same publishers as Socket.IO, or the studio's key.
    m_server->setControlAuth(server::IngestAuth(*m_secp256k1, socketIoOptions.ingest),
                             m_nostr ? m_nostr->publicKeyHex() : QString());
    m_server->setExtraMetricsProvider([this] {
        return renderStudioMetrics(*m_socketIo, *m_registry, m_nostr.get());
    });

    std::unique_ptr<media::MediaSource> source;
    switch (m_options.sourceKind) {
    case StudioOptions::SourceKind::TestPattern:
        source = std::make_unique<media::TestPatternSource>();
        break;
    case StudioOptions::SourceKind::File:
        source = std::make_unique<media::FileSource>(m_options.sourceFile, m_options.isRealtime);
        break;
    case StudioOptions::SourceKind::None:
    case StudioOptions::SourceKind::Invalid:
        break;
    }
    printLine(QStringLiteral("AFK Host Studio %1 serving on %2 (data in %3)")
                  .arg(QStringLiteral(AFK_VERSION), baseUrl(), m_options.dataDir));
    if (source) {
        m_mainStream = m_registry->startStream(m_options.streamKey, {}, {}, std::move(source), error);
        if (!m_mainStream)
            return false;
        connect(m_mainStream, &session::Stream::started, this, [this] {
            printLine(QStringLiteral("encoding %1 into %2")
                          .arg(m_mainStream->metadata().sourceDescription,
                               m_mainStream->metadata().renditionNames.join(u',')));
        });
        connect(m_mainStream, &session::Stream::ended, this, [this](const QString &streamError) {
            if (!streamError.isEmpty()) {
                std::fprintf(stderr, "afk-studio: %s\n", qPrintable(streamError));
                // A source that never opened is a set-up error, like a bad flag.
                m_exitCode = m_mainStream->metadata().renditionNames.isEmpty() ? 2 : 1;
            }
            // A file encoded as fast as possible is a job: done when the file is.
            if (!m_options.isRealtime || !streamError.isEmpty())
                shutDown();
        });
        connect(m_mainStream, &session::Stream::segmentCompleted, this, [this](qint64 count) {
            if (count == 1)
                printLine(QStringLiteral("first segment ready: playback can start"));
        });
        printPlaybackUrls(*m_mainStream);
        if (m_nostr)
            m_nostr->announce(*m_mainStream);
    } else {
        printLine(QStringLiteral("no source: waiting for ingest; streams appear under %1/livestream/<key>/")
                      .arg(baseUrl()));
    }
    connect(m_registry.get(), &session::StreamRegistry::streamEvicted, this,
            [this](const QString &streamKey) {
                if (m_nostr)
                    m_nostr->forget(streamKey);
            });
    connect(m_registry.get(), &session::StreamRegistry::allStreamsEnded, this, [this] {
        if (m_isShuttingDown)
            exitWhenRelaysHaveEverything();
    });

    if (m_options.statsIntervalSeconds > 0) {
        connect(&m_statsTimer, &QTimer::timeout, this, &HeadlessStudio::printStats);
        m_statsTimer.start(m_options.statsIntervalSeconds * 1000);
    }
    connect(&m_retentionTimer, &QTimer::timeout, this, &HeadlessStudio::removeExpiredStreams);
    m_retentionTimer.start(3600 * 1000);
    removeExpiredStreams();
    return true;
}

bool HeadlessStudio::startNostr(QString *error)
{
    NostrOptions options = m_options.nostr;
    if (options.publicBaseUrl.isEmpty())
        options.publicBaseUrl = baseUrl();
    m_nostr = std::make_unique<NostrPresence>(*m_secp256k1, options);
    if (!m_nostr->start(error))
        return false;
    m_server->setRelayStatusProvider([this] { return m_nostr->relayStatus(); });
    // Browser hosts' streams are announced only when the host asks (the PWA announces its own).
    connect(m_socketIo.get(), &server::SocketIoServer::publishStarted, this,
            [this](const QString &streamKey, const QString &, bool isAnnounceRequested) {
                if (session::Stream *stream = m_registry->find(streamKey); stream && isAnnounceRequested)
                    m_nostr->announce(*stream);
            });
    m_server->setChatProvider(
        [this](const QString &streamKey) { return m_nostr->chat(streamKey); });
    printLine(QStringLiteral("announcing on Nostr as %1 via %2")
                  .arg(m_nostr->npub(), options.relayUrls.join(u' ')));
    connect(m_nostr.get(), &NostrPresence::streamAnnounced, this,
            [](const QString &streamKey, const QString &naddr) {
                printLine(QStringLiteral("live on Nostr: %1 nostr:%2").arg(streamKey, naddr));
            });
    // Viewer counts for the live events: Socket.IO viewers or HLS clients, whichever is more
    // (the publisher rate-limits what it sends).
    connect(&m_viewerCountTimer, &QTimer::timeout, this, [this] {
        for (session::Stream *stream : m_registry->activeStreams())
            m_nostr->setViewerCount(stream->key(), std::max(stream->viewerCount(),
                                                            m_server->httpViewerCount(stream->key())));
    });
    m_viewerCountTimer.start(5000);
    return true;
}

void HeadlessStudio::exitWhenRelaysHaveEverything()
{
    // The ended events must reach the relays before the process goes: wait for their OKs, but
    // never past the shutdown budget.
    if (!m_nostr || m_nostr->pendingEventCount() == 0 || m_shutdownClock.elapsed() > 4000) {
        emit exitRequested(m_exitCode);
        return;
    }
    QTimer::singleShot(50, this, &HeadlessStudio::exitWhenRelaysHaveEverything);
}

void HeadlessStudio::printPlaybackUrls(const session::Stream &stream) const
{
    const QString streamUrl = baseUrl() + QStringLiteral("/livestream/") + stream.key();
    printLine(QStringLiteral("stream key: %1").arg(stream.key()));
    printLine(QStringLiteral("watch (ABR, hls.js / AFK PWA): %1/master.m3u8").arg(streamUrl));
    printLine(QStringLiteral("watch (single rendition):      %1/stream.m3u8").arg(streamUrl));
    printLine(QStringLiteral("status:                        %1/status").arg(streamUrl));
}

void HeadlessStudio::printStats()
{
    for (session::Stream *stream : m_registry->activeStreams()) {
        const media::PipelineStats stats = stream->stats();
        QStringList rates;
        for (const media::RenditionStats &rendition : stats.renditions)
            rates << QStringLiteral("%1 %2k").arg(rendition.name).arg(qRound(rendition.lastSegmentKbps));
        std::fprintf(stderr,
                     "[stats] %s: %s, in %.1f fps, out %.1f fps, speed %.2fx, segments %lld, "
                     "dropped %lld, repeated %lld, queue %d/%d, viewers %d (HLS clients %d), %s\n",
                     qPrintable(stream->key()), qPrintable(stream->stateName()), stats.inputFps,
                     stats.outputFps, stats.encoderSpeed, stats.segmentsProduced,
                     stats.videoFramesDropped, stats.videoFramesDuplicated, stats.inputQueueDepth,
                     stats.inputQueueCapacity, stream->viewerCount(),
                     m_server->httpViewerCount(stream->key()), qPrintable(rates.join(u' ')));
    }
}

void HeadlessStudio::removeExpiredStreams() const
{
    // Deleting folders is disk I/O: keep it off the event loop.
    const storage::StreamStore store = m_registry->store();
    const int retainHours = m_options.retainHours;
    QThreadPool::globalInstance()->start([store, retainHours] {
        const QStringList removed = store.removeExpired(retainHours, QDateTime::currentMSecsSinceEpoch());
        for (const QString &key : removed)
            std::fprintf(stderr, "[retention] removed stream %s (ended over %d h ago)\n",
                         qPrintable(key), retainHours);
    });
}

void HeadlessStudio::shutDown()
{
    if (m_isShuttingDown)
        return;
    m_isShuttingDown = true;
    m_shutdownClock.start();
    m_statsTimer.stop();
    m_viewerCountTimer.stop();
    // Flushing the encoders takes well under a second; never hang an operator's shutdown.
    m_shutdownWatchdog.setSingleShot(true);
    connect(&m_shutdownWatchdog, &QTimer::timeout, this, [this] {
        std::fprintf(stderr, "afk-studio: streams did not end within 4.5 s; exiting anyway\n");
        emit exitRequested(1);
    });
    m_shutdownWatchdog.start(4500);
    m_registry->stopAll();
}

} // namespace afk::app
