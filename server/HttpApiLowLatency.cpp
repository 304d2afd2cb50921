// HttpApi's Low-Latency HLS routes: /livestream/<key>/ll.m3u8 (the master) and
// /livestream/<key>/ll/<rendition>/{index.m3u8, init.mp4, seg_N.m4s, part_N_M.m4s}.
//
// Playlists are answered from memory. A blocking reload (_HLS_msn, _HLS_part) or a request for a
// part or segment still being written is held in BlockingReloads and answered when the packager
// publishes it (or 503 after three target durations). Qt 6.4 offers no way to keep a request's
// responder past handleRequest (QHttpServerResponder keeps a reference to the request, which Qt
// destroys when handleRequest returns), so a held answer is written to the socket directly, with
// the same headers as every other answer.
#include "HttpApi.h"

#include "HlsHeaders.h"
#include "LowLatencyPresentation.h"
#include "StreamRegistry.h"

#include <QRegularExpression>
#include <QTcpSocket>
#include <QUrlQuery>

namespace afk::server
{
namespace
{

// Held at most this long even with long segments, well within the gate's keep-alive idle time.
constexpr qint64 maxHoldMs = 30'000;

std::shared_ptr<media::LowLatencyPresentation>
presentationOf(const session::StreamRegistry &registry, const QString &streamKey)
{
    const session::Stream *stream = registry.find(streamKey);
    return stream ? stream->lowLatency() : nullptr;
}

QByteArray reasonPhrase(int statusCode)
{
    switch (statusCode) {
    case 200:
        return QByteArrayLiteral("OK");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        return QByteArrayLiteral("Unknown");
    }
}

// A non-negative decimal query value of at most maxDigits digits.
std::optional<qint64> queryNumber(const QUrlQuery &query, const QString &name, int maxDigits)
{
    const QString text = query.queryItemValue(name);
    static const QRegularExpression digits(QStringLiteral("^\\d+$"));
    if (text.isEmpty() || text.size() > maxDigits || !digits.match(text).hasMatch())
        return std::nullopt;
    return text.toLongLong();
}

} // namespace

HttpApi::Routed HttpApi::routeLowLatency(const Incoming &incoming, const QString &streamKey,
                                         const QStringList &rest)
{
    using Method = QHttpServerRequest::Method;
    const HttpRoute route = rest.size() == 1 ? HttpRoute::MasterPlaylist : HttpRoute::RenditionFile;
    Routed routed;
    if (incoming.method != Method::Get && incoming.method != Method::Head)
        return dispatch(incoming, route, Access::Read, [] { return HttpReply(); });
    routed.route = route;
    routed.playbackStreamKey = streamKey;
    const std::shared_ptr<media::LowLatencyPresentation> presentation =
        presentationOf(m_registry, streamKey);
    if (rest.size() == 1) {
        const QByteArray master = presentation ? presentation->masterPlaylist() : QByteArray();
        routed.reply = master.isEmpty()
                           ? HttpReply::error(404, QStringLiteral("no low-latency playlist (yet)"))
                           : HttpReply::content(master, playlistType, playlistCache);
        return routed;
    }
    const QString &rendition = rest.at(1);
    const QString &name = rest.at(2);
    if (!presentation || !presentation->hasRendition(rendition)) {
        routed.reply = HttpReply::error(404, QStringLiteral("no such low-latency rendition"));
        return routed;
    }

    if (name == u"index.m3u8") {
        const QUrlQuery query(incoming.request.url());
        const bool hasMsn = query.hasQueryItem(QStringLiteral("_HLS_msn"));
        const bool hasPart = query.hasQueryItem(QStringLiteral("_HLS_part"));
        if (!hasMsn) {
            routed.reply = hasPart
                               ? HttpReply::error(400, QStringLiteral("_HLS_part needs _HLS_msn"))
                               : lowLatencyPlaylistReply(streamKey, rendition);
            return routed;
        }
        const std::optional<qint64> msn = queryNumber(query, QStringLiteral("_HLS_msn"), 15);
        const std::optional<qint64> part = hasPart
                                               ? queryNumber(query, QStringLiteral("_HLS_part"), 5)
                                               : std::optional<qint64>(-1);
        if (!msn || !part) {
            routed.reply =
                HttpReply::error(400, QStringLiteral("_HLS_msn and _HLS_part must be numbers"));
            return routed;
        }
        return holdLowLatency(incoming, streamKey, rendition, WantedPosition{*msn, int(*part)},
                              [this, streamKey, rendition] {
                                  return lowLatencyPlaylistReply(streamKey, rendition);
                              });
    }

    static const QRegularExpression partName(QStringLiteral("^part_(\\d{1,15})_(\\d{1,5})\\.m4s$"));
    static const QRegularExpression segmentName(QStringLiteral("^seg_(\\d{1,15})\\.m4s$"));
    const QRegularExpressionMatch part = partName.match(name);
    const QRegularExpressionMatch segment = segmentName.match(name);
    if (name != u"init.mp4" && !part.hasMatch() && !segment.hasMatch()) {
        routed.reply = HttpReply::error(404, QStringLiteral("not found"));
        return routed;
    }
    routed.reply = lowLatencyFileReply(streamKey, rendition, name);
    if (routed.reply.statusCode != 404 || name == u"init.mp4")
        return routed;
    // Not written yet: a player follows the preload hint (or is a part ahead); answer once the
    // packager has it.
    const WantedPosition wanted =
        part.hasMatch() ? WantedPosition{part.captured(1).toLongLong(), part.captured(2).toInt()}
                        : WantedPosition{segment.captured(1).toLongLong(), -1};
    const std::optional<media::LowLatencyPosition> position = presentation->position(rendition);
    if (position && wanted.msn < position->lastMsn)
        return routed; // an old part or segment, gone: 404
    return holdLowLatency(incoming, streamKey, rendition, wanted,
                          [this, streamKey, rendition, name] {
                              return lowLatencyFileReply(streamKey, rendition, name);
                          });
}

HttpReply HttpApi::lowLatencyPlaylistReply(const QString &streamKey, const QString &rendition) const
{
    const std::shared_ptr<media::LowLatencyPresentation> presentation =
        presentationOf(m_registry, streamKey);
    const QByteArray text = presentation ? presentation->mediaPlaylist(rendition) : QByteArray();
    if (text.isEmpty())
        return HttpReply::error(404, QStringLiteral("playlist not found"));
    return HttpReply::content(text, playlistType, playlistCache);
}

HttpReply HttpApi::lowLatencyFileReply(const QString &streamKey, const QString &rendition,
                                       const QString &name) const
{
    // Through the media lookup's bounded cache (the parts are small and read once per part by
    // every player, so they are worth keeping in memory); whole files, like the CMAF parts.
    const MediaFile file = m_media->find(streamKey, {QStringLiteral("ll"), rendition, name});
    if (file.outcome == MediaFile::Outcome::TooLarge)
        return HttpReply::error(500, QStringLiteral("file too large to serve"));
    if (file.outcome == MediaFile::Outcome::NotFound)
        return HttpReply::error(404, QStringLiteral("not found"));
    return HttpReply::content(file.bytes, cmafType, cmafCache);
}

HttpApi::Routed HttpApi::holdLowLatency(const Incoming &incoming, const QString &streamKey,
                                        const QString &rendition, const WantedPosition &wanted,
                                        std::function<HttpReply()> reply)
{
    Routed routed;
    routed.route = HttpRoute::RenditionFile;
    routed.playbackStreamKey = streamKey;
    const std::shared_ptr<media::LowLatencyPresentation> presentation =
        presentationOf(m_registry, streamKey);
    // Published notices come from the packagers' threads, queued to this one. Entries of
    // presentations gone (their streams released) are dropped first: the hash stays small.
    m_watchedPresentations.removeIf([](const auto &entry) { return entry.value().isNull(); });
    QPointer<QObject> &watched = m_watchedPresentations[streamKey];
    if (watched != presentation.get()) {
        watched = presentation.get();
        connect(presentation.get(), &media::LowLatencyPresentation::published, this,
                [this, streamKey](const QString &published) {
                    onLowLatencyPublished(streamKey, published);
                });
    }
    const media::LowLatencyPosition position =
        presentation->position(rendition).value_or(media::LowLatencyPosition{});
    const qint64 waitMs =
        std::min<qint64>(3 * qint64(presentation->targetDurationSeconds()) * 1000, maxHoldMs);
    const HeldRequest held{incoming.socket, incoming.method == QHttpServerRequest::Method::Head,
                           PlaybackViewerTracker::clientId(
                               incoming.request.remoteAddress(),
                               incoming.request.value(QByteArrayLiteral("User-Agent")))};
    const Routed answerTemplate = routed;
    const auto admission = m_heldRequests.hold(
        streamKey + u'/' + rendition, wanted, position, presentation->partsPerSegment(),
        m_clock.elapsed() + waitMs,
        [this, held, answerTemplate, reply](BlockingReloads::Outcome outcome) {
            Routed answer = answerTemplate;
            switch (outcome) {
            case BlockingReloads::Outcome::Ready:
                answer.reply = reply();
                break;
            case BlockingReloads::Outcome::Expired:
                answer.reply = HttpReply::error(
                    503, QStringLiteral("not available within three target durations"));
                break;
            case BlockingReloads::Outcome::Dropped:
                answer.reply = HttpReply::error(404, QStringLiteral("the stream is gone"));
                break;
            }
            writeHeldReply(held, answer);
        });
    switch (admission) {
    case BlockingReloads::Admission::Ready:
        routed.reply = reply();
        break;
    case BlockingReloads::Admission::TooFarAhead:
        routed.reply = HttpReply::error(
            400, QStringLiteral("_HLS_msn/_HLS_part is too far ahead of the live edge"));
        break;
    case BlockingReloads::Admission::Full:
        routed.reply = HttpReply::error(503, QStringLiteral("too many requests waiting"));
        break;
    case BlockingReloads::Admission::Held:
        routed.isDeferred = true;
        if (!m_heldRequestTimer.isActive())
            m_heldRequestTimer.start();
        break;
    }
    return routed;
}

void HttpApi::onLowLatencyPublished(const QString &streamKey, const QString &rendition)
{
    const std::shared_ptr<media::LowLatencyPresentation> presentation =
        presentationOf(m_registry, streamKey);
    if (!presentation) {
        m_heldRequests.drop(streamKey + u'/');
        return;
    }
    if (const std::optional<media::LowLatencyPosition> position = presentation->position(rendition))
        m_heldRequests.published(streamKey + u'/' + rendition, *position);
}

void HttpApi::writeHeldReply(const HeldRequest &held, const Routed &routed)
{
    QTcpSocket *socket = held.socket;
    if (!socket || socket->state() != QAbstractSocket::ConnectedState)
        return; // the player gave up meanwhile
    const HttpReply &reply = routed.reply;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(reply.statusCode) + ' ' +
                      reasonPhrase(reply.statusCode) + "\r\n";
    for (const auto &[name, value] : replyHeaders(routed, false))
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    socket->write(head);
    const bool hasBody = !held.isHead;
    if (hasBody)
        socket->write(reply.body);
    m_metrics.recordResponse(routed.route, reply.statusCode, hasBody ? reply.body.size() : 0);
    if (reply.statusCode == 200 && !held.isHead)
        m_viewers.recordFetch(routed.playbackStreamKey, held.clientId, m_clock.elapsed());
}

} // namespace afk::server
