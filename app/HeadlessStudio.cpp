#include "HeadlessStudio.h"

#include "HttpApi.h"
#include "KeyPassword.h"
#include "NostrPresence.h"
#include "Restreamer.h"
#include "RtmpIngest.h"
#include "StreamRegistry.h"
#include "Studio.h"
#include "StudioSource.h"

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

std::unique_ptr<media::MediaSource> HeadlessStudio::makeSource(QString *error) const
{
    return studio::makeStudioSource(m_options, error);
}

bool HeadlessStudio::start(QString *error)
{
    QString sourceError;
    std::unique_ptr<media::MediaSource> source = makeSource(&sourceError);
    if (!sourceError.isEmpty()) {
        *error = sourceError;
        return false;
    }
    m_studio = std::make_unique<studio::Studio>(m_options);
    const QString passwordFile = m_options.nostr.keyPasswordFile;
    m_studio->setKeyPasswordProvider([passwordFile](QString *passwordError) {
        return readKeyPassword(passwordFile, false, passwordError);
    });
    connect(m_studio.get(), &studio::Studio::stopped, this, [this](int exitCode) {
        if (exitCode != 0 && m_exitCode == 0)
            std::fprintf(stderr, "afk-studio: streams did not end in time; exiting anyway\n");
        emit exitRequested(m_exitCode != 0 ? m_exitCode : exitCode);
    });
    connect(m_studio.get(), &studio::Studio::streamAnnounced, this,
            [](const QString &streamKey, const QString &naddr) {
                printLine(QStringLiteral("live on Nostr: %1 nostr:%2").arg(streamKey, naddr));
            });
    connect(m_studio.get(), &studio::Studio::expiredStreamsRemoved, this,
            [this](const QStringList &streamKeys) {
                for (const QString &key : streamKeys)
                    std::fprintf(stderr, "[retention] removed stream %s (ended over %d h ago)\n",
                                 qPrintable(key), m_options.retainHours);
            });
    connect(m_studio.get(), &studio::Studio::uploadMessage, this, [](const QString &line) {
        std::fprintf(stderr, "%s\n", qPrintable(line));
    });
    if (m_options.isOpenIngest)
        std::fprintf(stderr, "afk-studio: --open-ingest: anyone may publish over Socket.IO "
                             "(for local tests only)\n");
    if (!m_studio->start(error))
        return false;
    if (studio::NostrPresence *nostr = m_studio->nostr())
        printLine(QStringLiteral("announcing on Nostr as %1 via %2")
                      .arg(nostr->npub(), m_options.nostr.relayUrls.join(u' ')));
    printLine(QStringLiteral("AFK Host Studio %1 serving on %2 (data in %3)")
                  .arg(QStringLiteral(AFK_VERSION), m_studio->baseUrl(), m_options.dataDir));
    if (m_studio->rtmpPort() != 0)
        printLine(QStringLiteral("RTMP ingest on port %1: publish to rtmp://<host>:%1/live/<stream key>")
                      .arg(m_studio->rtmpPort()));
    if (restream::Restreamer *restreamer = m_studio->restreamer())
        watchRestreaming(*restreamer);

    if (source) {
        session::Stream *stream = m_studio->goLive(std::move(source), m_options.nostr.title, error);
        if (!stream)
            return false;
        connect(m_studio.get(), &studio::Studio::liveStarted, this, [](session::Stream *live) {
            printLine(QStringLiteral("encoding %1 into %2")
                          .arg(live->metadata().sourceDescription,
                               live->metadata().renditionNames.join(u',')));
        });
        connect(m_studio.get(), &studio::Studio::liveSegmentReady, this, [](qint64 count) {
            if (count == 1)
                printLine(QStringLiteral("first segment ready: playback can start"));
        });
        connect(m_studio.get(), &studio::Studio::liveEnded, this, [this](const QString &streamError) {
            if (!streamError.isEmpty()) {
                std::fprintf(stderr, "afk-studio: %s\n", qPrintable(streamError));
                // A source that never opened is a set-up error, like a bad flag.
                const session::Stream *live = m_studio->liveStream();
                m_exitCode = !live || live->metadata().renditionNames.isEmpty() ? 2 : 1;
            }
            // A file encoded as fast as possible is a job: done when the file is.
            if (!m_options.isRealtime || !streamError.isEmpty())
                shutDown();
        });
        printPlaybackUrls(*stream);
    } else {
        printLine(QStringLiteral("no source: waiting for ingest; streams appear under %1/livestream/<key>/")
                      .arg(m_studio->baseUrl()));
        printLine(QStringLiteral("live streams: %1/ (each at %1/watch/<key>)")
                      .arg(m_studio->baseUrl()));
    }

    if (m_options.statsIntervalSeconds > 0) {
        connect(&m_statsTimer, &QTimer::timeout, this, &HeadlessStudio::printStats);
        m_statsTimer.start(m_options.statsIntervalSeconds * 1000);
    }
    return true;
}

void HeadlessStudio::printPlaybackUrls(const session::Stream &stream) const
{
    const QString streamUrl = m_studio->streamUrl(stream.key());
    printLine(QStringLiteral("stream key: %1").arg(stream.key()));
    printLine(QStringLiteral("watch page (any browser):      %1/watch/%2")
                  .arg(m_studio->baseUrl(), stream.key()));
    printLine(QStringLiteral("watch (ABR, hls.js / AFK PWA): %1/master.m3u8").arg(streamUrl));
    printLine(QStringLiteral("watch (single rendition):      %1/stream.m3u8").arg(streamUrl));
    if (stream.lowLatency())
        printLine(QStringLiteral("watch (low-latency HLS):       %1/ll.m3u8").arg(streamUrl));
    printLine(QStringLiteral("status:                        %1/status").arg(streamUrl));
    if (const QString url = m_studio->publicPlaybackUrl(stream.key()); !url.isEmpty())
        printLine(QStringLiteral("public playback (the store):   %1").arg(url));
}

void HeadlessStudio::watchRestreaming(restream::Restreamer &restreamer)
{
    // Targets are shown redacted: an RTMP URL's path holds its stream key.
    for (const QJsonValue &target : restreamer.pushStatusJson()) {
        const QJsonObject status = target.toObject();
        printLine(QStringLiteral("restreaming the top rendition: %1 %2")
                      .arg(status.value(u"label").toString(), status.value(u"target").toString()));
    }
    connect(&restreamer, &restream::Restreamer::publicPlaybackUrlChanged, this,
            [](const QString &url) {
                if (!url.isEmpty())
                    printLine(QStringLiteral("public playback (Cloudinary HLS): %1").arg(url));
            });
    connect(&restreamer, &restream::Restreamer::warning, this, [](const QString &message) {
        std::fprintf(stderr, "[restream] %s\n", qPrintable(message));
    });
}

void HeadlessStudio::printStats()
{
    for (session::Stream *stream : m_studio->registry().activeStreams()) {
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
                     m_studio->httpViewerCount(stream->key()), qPrintable(rates.join(u' ')));
        if (const studio::RtmpIngest *rtmp = m_studio->rtmpIngest()) {
            const QString publisher = rtmp->statsText(stream->key());
            if (!publisher.isEmpty())
                std::fprintf(stderr, "[stats] %s: %s\n", qPrintable(stream->key()),
                             qPrintable(publisher));
        }
        if (const restream::Restreamer *restreamer = m_studio->restreamer();
            restreamer && stream->key() == m_options.streamKey)
            std::fprintf(stderr, "[stats] %s: restream %s\n", qPrintable(stream->key()),
                         qPrintable(restreamer->statsText()));
    }
}

void HeadlessStudio::shutDown()
{
    m_statsTimer.stop();
    if (m_studio)
        m_studio->shutDown(m_exitCode);
    else
        emit exitRequested(m_exitCode);
}

} // namespace afk::app
