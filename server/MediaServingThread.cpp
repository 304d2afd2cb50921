#include "MediaServingThread.h"

#include "HlsHeaders.h"
#include "HttpReply.h"
#include "HttpRequestHead.h"
#include "MediaResponse.h"
#include "MediaRoute.h"
#include "PlaybackViewerTracker.h"

#include <QElapsedTimer>
#include <QHostAddress>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace afk::server
{
namespace
{

constexpr int maxEventsPerWait = 256;
// A viewer is reported at most this often per stream (the tracker's window is 15 s).
constexpr qint64 viewerReportIntervalMs = 1000;
constexpr int maxRememberedViewers = 20'000;

QByteArray statusLine(int statusCode)
{
    switch (statusCode) {
    case 200:
        return QByteArrayLiteral("HTTP/1.1 200 OK\r\n");
    case 206:
        return QByteArrayLiteral("HTTP/1.1 206 Partial Content\r\n");
    case 304:
        return QByteArrayLiteral("HTTP/1.1 304 Not Modified\r\n");
    case 400:
        return QByteArrayLiteral("HTTP/1.1 400 Bad Request\r\n");
    case 404:
        return QByteArrayLiteral("HTTP/1.1 404 Not Found\r\n");
    case 416:
        return QByteArrayLiteral("HTTP/1.1 416 Range Not Satisfiable\r\n");
    case 503:
        return QByteArrayLiteral("HTTP/1.1 503 Service Unavailable\r\n");
    default:
        break;
    }
    return QByteArrayLiteral("HTTP/1.1 500 Internal Server Error\r\n");
}

QByteArray commonHeadersFor(const QByteArray &corsOrigin)
{
    // The headers HttpApi::writeReply gives every read route, in its order.
    QByteArray headers = "Access-Control-Allow-Origin: " + corsOrigin + "\r\n";
    if (corsOrigin != "*")
        headers += "Vary: Origin\r\n";
    headers += "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
               "Access-Control-Allow-Headers: Content-Type, Authorization, Range\r\n"
               "Access-Control-Expose-Headers: Content-Length\r\n"
               "X-Content-Type-Options: nosniff\r\n";
    return headers;
}

QString peerOf(int descriptor)
{
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(descriptor, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    const QHostAddress peer(reinterpret_cast<const sockaddr *>(&address));
    bool isIpv4 = false;
    const quint32 ipv4 = peer.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ipv4).toString() : peer.toString();
}

} // namespace

MediaServingThread::MediaServingThread(std::shared_ptr<const MediaServingContext> context)
    : m_context(std::move(context)), m_commonHeaders(commonHeadersFor(m_context->corsOrigin)),
      m_peekBuffer(size_t(m_context->limits.maxHeaderBytes) + 1), m_framer(m_context->limits)
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epoll < 0 || m_wake < 0)
        return; // isRunning() is false: the pool serves without this thread
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = m_wake;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &event);
    m_thread = std::thread([this] { run(); });
}

MediaServingThread::~MediaServingThread()
{
    m_isStopping = true;
    if (m_wake >= 0) {
        const quint64 one = 1;
        [[maybe_unused]] const ssize_t written = ::write(m_wake, &one, sizeof(one));
    }
    if (m_thread.joinable())
        m_thread.join();
    // After cancel() the index never calls this thread's waiters again.
    for (const quint64 ticket : std::as_const(m_watchedPlaylists))
        m_context->lookup->index()->cancel(ticket);
    for (auto &[descriptor, connection] : m_connections)
        ::close(descriptor);
    for (const int descriptor : m_inbox)
        ::close(descriptor);
    if (m_wake >= 0)
        ::close(m_wake);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

void MediaServingThread::adopt(int descriptor)
{
    {
        std::lock_guard lock(m_inboxMutex);
        m_inbox.push_back(descriptor);
    }
    const quint64 one = 1;
    [[maybe_unused]] const ssize_t written = ::write(m_wake, &one, sizeof(one));
}

qint64 MediaServingThread::nowMs() const
{
    // Any monotonic clock: only differences are compared.
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

void MediaServingThread::run()
{
    epoll_event events[maxEventsPerWait];
    qint64 lastSweepMs = nowMs();
    while (!m_isStopping) {
        // The held LL-HLS requests' one timer: the wait ends by the earliest deadline.
        int timeoutMs = sweepIntervalMs;
        if (m_held.heldCount() > 0)
            timeoutMs = int(std::clamp<qint64>(m_held.nextDeadlineMs() - nowMs() + 1, 0,
                                               sweepIntervalMs));
        const int count = ::epoll_wait(m_epoll, events, maxEventsPerWait, timeoutMs);
        for (int i = 0; i < count; ++i) {
            if (events[i].data.fd == m_wake) {
                quint64 value = 0;
                [[maybe_unused]] const ssize_t got = ::read(m_wake, &value, sizeof(value));
                takeInbox();
                takeWokenPlaylists();
                continue;
            }
            const auto found = m_connections.find(events[i].data.fd);
            if (found != m_connections.end())
                onEvent(*found->second, events[i].events);
        }
        const qint64 now = nowMs();
        if (m_held.heldCount() > 0)
            m_held.expire(now);
        if (now - lastSweepMs >= sweepIntervalMs) {
            lastSweepMs = now;
            sweepTimeouts();
            forgetOldViewers();
        }
    }
}

void MediaServingThread::takeInbox()
{
    std::vector<int> adopted;
    {
        std::lock_guard lock(m_inboxMutex);
        adopted.swap(m_inbox);
    }
    const qint64 now = nowMs();
    for (const int descriptor : adopted) {
        auto connection = std::make_unique<Connection>();
        connection->descriptor = descriptor;
        connection->serial = ++m_lastSerial;
        connection->lastProgressMs = now;
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP;
        event.data.fd = descriptor;
        connection->watchedEvents = event.events;
        if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, descriptor, &event) != 0) {
            ::close(descriptor);
            std::lock_guard lock(m_reportMutex);
            ++m_report.closedConnections;
            continue;
        }
        m_connections[descriptor] = std::move(connection);
    }
}

void MediaServingThread::onEvent(Connection &connection, quint32 events)
{
    switch (connection.state) {
    case State::Reading:
        readRequest(connection);
        return;
    case State::Writing:
        if (events & (EPOLLERR | EPOLLHUP)) {
            close(connection);
            return;
        }
        writePending(connection);
        return;
    case State::Held:
        close(connection); // only the client's close or an error is watched while held
        return;
    case State::Draining: {
        // After "Connection: close": discard what the client still sends until it closes, so
        // our close does not turn into a reset that destroys the answer in flight.
        char discard[4096];
        const ssize_t got = ::recv(connection.descriptor, discard, sizeof(discard), 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
            close(connection);
        return;
    }
    }
}

void MediaServingThread::readRequest(Connection &connection)
{
    const int descriptor = connection.descriptor;
    ssize_t peeked = 0;
    do {
        peeked = ::recv(descriptor, m_peekBuffer.data(), m_peekBuffer.size(), MSG_PEEK);
    } while (peeked < 0 && errno == EINTR);
    if (peeked == 0) {
        close(connection); // the client closed between requests
        return;
    }
    if (peeked < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            close(connection);
        return;
    }
    const QByteArrayView bytes(m_peekBuffer.data(), peeked);
    const RequestFramer::Step step = m_framer.feed(bytes);
    if (step.outcome != RequestFramer::Outcome::RequestEnd) {
        // Incomplete (a slow or split request), refused or an upgrade: the gate's job. A framer
        // left mid-request or finished is replaced for the next connection.
        m_framer = RequestFramer(m_context->limits);
        handBack(connection);
        return;
    }
    const std::optional<HttpRequestHead> head = HttpRequestHead::parse(bytes.first(step.consumed));
    const bool isGet = head && head->method == "GET";
    const bool isHead = head && head->method == "HEAD";
    std::optional<MediaRoute> route;
    std::optional<LowLatencyRoute> lowLatency;
    if ((isGet || isHead) && !head->hasField("Content-Length") &&
        !head->hasField("Transfer-Encoding") && !head->hasField("Upgrade") &&
        !head->hasField("Expect")) {
        route = MediaRoute::match(head->target);
        if (!route && m_context->lookup->index()) {
            lowLatency = LowLatencyRoute::match(head->target);
            if (lowLatency && !isPublished(*lowLatency))
                lowLatency.reset(); // an ended stream's, from disk: HttpApi's
        }
    }
    if (!route && !lowLatency) {
        handBack(connection);
        return;
    }
    // The request is ours: consume exactly its bytes (already in the socket, so one recv).
    ssize_t consumed = 0;
    do {
        consumed = ::recv(descriptor, m_peekBuffer.data(), size_t(step.consumed), 0);
    } while (consumed < 0 && errno == EINTR);
    if (consumed != step.consumed) {
        close(connection);
        return;
    }
    if (lowLatency) {
        answerLowLatency(connection, *head, *lowLatency);
        if (connection.state == State::Held)
            return;
    } else {
        answer(connection, *head, *route);
    }
    writePending(connection);
}

void MediaServingThread::answer(Connection &connection, const HttpRequestHead &head,
                                const MediaRoute &route)
{
    MediaLookup &lookup = *m_context->lookup;
    const MediaFile file =
        route.isTopRenditionSegment
            ? lookup.findTopRenditionSegment(route.streamKey, route.relative.last())
            : lookup.find(route.streamKey, route.relative);
    const FileKind kind{route.route, route.isPlaylist ? playlistType : segmentType,
                        route.isPlaylist ? playlistCache : segmentCache};
    respondFile(connection, head, route.streamKey, kind, file,
                route.isPlaylist ? QStringLiteral("playlist not found")
                                 : QStringLiteral("segment not found"));
}

void MediaServingThread::respondFile(Connection &connection, const HttpRequestHead &head,
                                     const QString &streamKey, const FileKind &kind,
                                     const MediaFile &file, const QString &notFound)
{
    if (file.outcome != MediaFile::Outcome::Found) {
        respondError(connection, head, kind.route, streamKey,
                     file.outcome == MediaFile::Outcome::TooLarge
                         ? HttpReply::error(500, QStringLiteral("file too large to serve"))
                         : HttpReply::error(404, notFound));
        return;
    }
    const bool isHead = head.method == "HEAD";
    const MediaResponse plan = MediaResponse::plan(
        file.etag, file.bytes.size(),
        MediaRequestHeaders{isHead, head.value("Range"), head.value("If-None-Match"),
                            head.value("If-Range")});
    if (plan.statusCode == 416) {
        HttpReply error = HttpReply::error(
            416,
            QStringLiteral("range not satisfiable: the file has %1 bytes").arg(file.bytes.size()));
        error.extraHeaders = plan.headers;
        respondError(connection, head, kind.route, streamKey, error);
        return;
    }
    respond(connection, head, kind.route, streamKey, plan.statusCode,
            plan.statusCode == 304 ? QByteArray() : kind.contentType, kind.cacheControl,
            plan.headers, file.bytes /* a reference, not a copy */, plan.bodyOffset,
            plan.bodyLength, plan.contentLength);
    if (plan.bodyLength > 0)
        connection.bodyFile = file.file;
}

void MediaServingThread::respondError(Connection &connection, const HttpRequestHead &head,
                                      HttpRoute route, const QString &streamKey,
                                      const HttpReply &error)
{
    const bool isHead = head.method == "HEAD";
    respond(connection, head, route, streamKey, error.statusCode, error.contentType,
            error.cacheControl, error.extraHeaders, error.body, 0, isHead ? 0 : error.body.size(),
            error.body.size());
}

void MediaServingThread::respond(Connection &connection, const HttpRequestHead &head,
                                 HttpRoute route, const QString &streamKey, int statusCode,
                                 const QByteArray &contentType, const QByteArray &cacheControl,
                                 const QList<std::pair<QByteArray, QByteArray>> &extraHeaders,
                                 QByteArray body, qint64 bodyOffset, qint64 bodyLength,
                                 qint64 contentLength)
{
    const bool isHead = head.method == "HEAD";
    const bool keepsAlive = head.keepsAlive();
    QByteArray &header = connection.header;
    header.clear();
    header.reserve(512);
    header += statusLine(statusCode);
    if (!contentType.isEmpty())
        header += "Content-Type: " + contentType + "\r\n";
    if (!cacheControl.isEmpty())
        header += "Cache-Control: " + cacheControl + "\r\n";
    for (const auto &[name, value] : extraHeaders)
        header += name + ": " + value + "\r\n";
    header += m_commonHeaders;
    if (contentLength >= 0)
        header += "Content-Length: " + QByteArray::number(contentLength) + "\r\n";
    if (!keepsAlive)
        header += "Connection: close\r\n";
    else if (head.minorVersion == 0)
        header += "Connection: keep-alive\r\n";
    header += "\r\n";

    connection.headerSent = 0;
    connection.body = std::move(body);
    connection.bodyFile.reset();
    connection.bodyNext = bodyOffset;
    connection.bodyEnd = bodyOffset + bodyLength;
    connection.closeAfterWrite = !keepsAlive;
    connection.hasServed = true;
    connection.state = State::Writing;

    std::lock_guard lock(m_reportMutex);
    MediaServingReport::Count &count = m_report.responses[{int(route), statusCode}];
    ++count.requests;
    count.bodyBytes += quint64(bodyLength);
    // A GET of a playlist or segment is a viewer watching; HEAD probes are not.
    if (!isHead && (statusCode == 200 || statusCode == 206 || statusCode == 304)) {
        if (connection.peer.isNull())
            connection.peer = peerOf(connection.descriptor);
        const QByteArray userAgent = head.value("User-Agent").toByteArray();
        const QByteArray viewer =
            streamKey.toUtf8() + '\n' + connection.peer.toUtf8() + '\n' + userAgent;
        const qint64 now = nowMs();
        qint64 &postedMs = m_viewerPostedMs[viewer];
        if (postedMs == 0 || now - postedMs >= viewerReportIntervalMs) {
            postedMs = now;
            m_report.viewerFetches.append(
                {streamKey,
                 PlaybackViewerTracker::clientId(QHostAddress(connection.peer), userAgent)});
        }
    }
}

bool MediaServingThread::isPublished(const LowLatencyRoute &route) const
{
    const std::shared_ptr<media::MediaIndex> &index = m_context->lookup->index();
    return index && index->find(m_context->lookup->indexPath(
                        route.streamKey, route.kind == LowLatencyRoute::Kind::Master
                                             ? route.relative
                                             : route.playlistRelative()));
}

void MediaServingThread::answerLowLatency(Connection &connection, const HttpRequestHead &head,
                                          const LowLatencyRoute &route)
{
    MediaLookup &lookup = *m_context->lookup;
    const media::MediaIndex &index = *lookup.index();
    const FileKind kind{route.route, route.isPlaylist() ? playlistType : cmafType,
                        route.isPlaylist() ? playlistCache : cmafCache};
    const QString playlistPath = lookup.indexPath(
        route.streamKey,
        route.kind == LowLatencyRoute::Kind::Master ? route.relative : route.playlistRelative());
    const std::optional<media::MediaEntry> playlist = index.find(playlistPath);
    const bool waitsForMedia =
        route.kind == LowLatencyRoute::Kind::Part || route.kind == LowLatencyRoute::Kind::Segment;
    if (!playlist || (!waitsForMedia && !route.isBlockingReload)) {
        respondFile(connection, head, route.streamKey, kind,
                    lookup.find(route.streamKey, route.relative), QStringLiteral("not found"));
        return;
    }
    if (waitsForMedia) {
        const MediaFile file = lookup.findPublished(route.streamKey, route.relative);
        if (file.outcome == MediaFile::Outcome::Found) {
            respondFile(connection, head, route.streamKey, kind, file, QString());
            return;
        }
    }
    const std::optional<media::LowLatencyPlaylistSummary> summary =
        media::LowLatencyPlaylist::summaryOf(playlist->bytes);
    if (!summary) {
        respondError(connection, head, route.route, route.streamKey,
                     HttpReply::error(404, QStringLiteral("playlist not found")));
        return;
    }
    if (waitsForMedia
        && (route.wanted.msn < summary->position.lastMsn || summary->position.isEnded)) {
        // Written before the live edge: on disk if anywhere (an old part may be gone: 404).
        respondFile(connection, head, route.streamKey, kind,
                    lookup.find(route.streamKey, route.relative), QStringLiteral("not found"));
        return;
    }
    hold(connection, head, route, playlistPath, *playlist, *summary);
}

void MediaServingThread::hold(Connection &connection, const HttpRequestHead &head,
                              const LowLatencyRoute &route, const QString &playlistPath,
                              const media::MediaEntry &playlist,
                              const media::LowLatencyPlaylistSummary &summary)
{
    const qint64 waitMs =
        std::min<qint64>(3 * qint64(std::max(1, summary.targetDurationSeconds)) * 1000, maxHoldMs);
    const int descriptor = connection.descriptor;
    const quint64 serial = connection.serial;
    const BlockingReloads::Admission admission = m_held.hold(
        playlistPath, route.wanted, summary.position, summary.partsPerSegment, nowMs() + waitMs,
        [this, descriptor, serial](BlockingReloads::Outcome outcome) {
            answerHeld(descriptor, serial, outcome);
        });
    switch (admission) {
    case BlockingReloads::Admission::Ready: {
        // Satisfied already (a part index past its segment's end that the next segment met).
        MediaLookup &lookup = *m_context->lookup;
        const bool isPlaylist = route.isPlaylist();
        respondFile(connection, head, route.streamKey,
                    FileKind{route.route, isPlaylist ? playlistType : cmafType,
                             isPlaylist ? playlistCache : cmafCache},
                    lookup.find(route.streamKey, route.relative), QStringLiteral("not found"));
        return;
    }
    case BlockingReloads::Admission::TooFarAhead:
        respondError(connection, head, route.route, route.streamKey,
                     HttpReply::error(400, QStringLiteral("_HLS_msn/_HLS_part is too far ahead "
                                                          "of the live edge")));
        return;
    case BlockingReloads::Admission::Full:
        respondError(connection, head, route.route, route.streamKey,
                     HttpReply::error(503, QStringLiteral("too many requests waiting")));
        return;
    case BlockingReloads::Admission::Held:
        break;
    }
    connection.held = std::make_unique<HeldRequest>(HeldRequest{head, route});
    connection.state = State::Held;
    // Only the client closing matters now; a pipelined request waits in the socket.
    watch(connection, EPOLLRDHUP);
    if (!m_watchedPlaylists.contains(playlistPath))
        watchPlaylist(playlistPath, playlist.version);
}

void MediaServingThread::watchPlaylist(const QString &path, quint64 afterVersion)
{
    // Runs on the publisher's thread with the index locked: only queue the path and wake.
    const quint64 ticket = m_context->lookup->index()->awaitDirect(
        path, afterVersion, [this, path](const media::MediaEntry &) {
            {
                std::lock_guard lock(m_inboxMutex);
                m_wokenPlaylists.push_back(path);
            }
            const quint64 one = 1;
            [[maybe_unused]] const ssize_t written = ::write(m_wake, &one, sizeof(one));
        });
    if (ticket != 0) // 0: the index has too many waiters; the holds then end at their deadline
        m_watchedPlaylists.insert(path, ticket);
}

void MediaServingThread::takeWokenPlaylists()
{
    std::vector<QString> woken;
    {
        std::lock_guard lock(m_inboxMutex);
        woken.swap(m_wokenPlaylists);
    }
    const std::shared_ptr<media::MediaIndex> &index = m_context->lookup->index();
    for (const QString &path : woken) {
        m_watchedPlaylists.remove(path);
        const std::optional<media::MediaEntry> playlist = index->find(path);
        const std::optional<media::LowLatencyPlaylistSummary> summary =
            playlist ? media::LowLatencyPlaylist::summaryOf(playlist->bytes) : std::nullopt;
        if (!summary) {
            m_held.drop(path); // the stream's presentation went away
            continue;
        }
        m_held.published(path, summary->position);
        if (m_held.isHolding(path) && !m_watchedPlaylists.contains(path))
            watchPlaylist(path, playlist->version);
    }
}

void MediaServingThread::answerHeld(int descriptor, quint64 serial,
                                    BlockingReloads::Outcome outcome)
{
    const auto found = m_connections.find(descriptor);
    if (found == m_connections.end() || found->second->serial != serial
        || found->second->state != State::Held)
        return; // the player gave up meanwhile
    Connection &connection = *found->second;
    const std::unique_ptr<HeldRequest> held = std::move(connection.held);
    const LowLatencyRoute &route = held->route;
    switch (outcome) {
    case BlockingReloads::Outcome::Ready: {
        const bool isPlaylist = route.isPlaylist();
        respondFile(connection, held->head, route.streamKey,
                    FileKind{route.route, isPlaylist ? playlistType : cmafType,
                             isPlaylist ? playlistCache : cmafCache},
                    m_context->lookup->find(route.streamKey, route.relative),
                    QStringLiteral("not found"));
        break;
    }
    case BlockingReloads::Outcome::Expired:
        respondError(connection, held->head, route.route, route.streamKey,
                     HttpReply::error(503, QStringLiteral("not available within three target "
                                                          "durations")));
        break;
    case BlockingReloads::Outcome::Dropped:
        respondError(connection, held->head, route.route, route.streamKey,
                     HttpReply::error(404, QStringLiteral("the stream is gone")));
        break;
    }
    writePending(connection);
}

void MediaServingThread::writePending(Connection &connection)
{
    while (connection.headerSent < connection.header.size() ||
           connection.bodyNext < connection.bodyEnd) {
        const bool isHeaderPending = connection.headerSent < connection.header.size();
        ssize_t sent = 0;
        if (connection.bodyFile && !isHeaderPending) {
            // The kernel sends the file's pages itself: no copy of the body through here.
            off_t offset = off_t(connection.bodyNext);
            sent = ::sendfile(connection.descriptor, connection.bodyFile->descriptor(), &offset,
                              size_t(connection.bodyEnd - connection.bodyNext));
            if (sent == 0) {
                close(connection); // the file is shorter than it was read: never expected
                return;
            }
        } else if (connection.bodyFile) {
            // MSG_MORE: the header leaves with the body's first bytes, as one sendmsg would.
            sent = ::send(connection.descriptor, connection.header.constData() +
                                                     connection.headerSent,
                          size_t(connection.header.size() - connection.headerSent),
                          MSG_NOSIGNAL | MSG_MORE);
        } else {
            iovec parts[2];
            int partCount = 0;
            if (isHeaderPending)
                parts[partCount++] = {connection.header.data() + connection.headerSent,
                                      size_t(connection.header.size() - connection.headerSent)};
            if (connection.bodyNext < connection.bodyEnd)
                parts[partCount++] = {const_cast<char *>(connection.body.constData()) +
                                          connection.bodyNext,
                                      size_t(connection.bodyEnd - connection.bodyNext)};
            msghdr message{};
            message.msg_iov = parts;
            message.msg_iovlen = size_t(partCount);
            sent = ::sendmsg(connection.descriptor, &message, MSG_NOSIGNAL);
        }
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                watch(connection, EPOLLOUT); // the rest as the socket drains
                return;
            }
            close(connection);
            return;
        }
        connection.lastProgressMs = nowMs();
        qint64 left = sent;
        const qint64 headerLeft = connection.header.size() - connection.headerSent;
        const qint64 fromHeader = std::min(left, headerLeft);
        connection.headerSent += fromHeader;
        left -= fromHeader;
        connection.bodyNext += left;
    }
    finishResponse(connection);
}

void MediaServingThread::finishResponse(Connection &connection)
{
    connection.body = QByteArray(); // the file's buffer is released as soon as it is sent
    connection.bodyFile.reset();
    connection.lastProgressMs = nowMs();
    if (connection.closeAfterWrite) {
        ::shutdown(connection.descriptor, SHUT_WR);
        connection.state = State::Draining;
        watch(connection, EPOLLIN | EPOLLRDHUP);
        return;
    }
    connection.state = State::Reading;
    watch(connection, EPOLLIN | EPOLLRDHUP);
}

void MediaServingThread::watch(Connection &connection, quint32 events)
{
    // A response written at once leaves the watch as it was: no system call per request.
    if (connection.watchedEvents == events)
        return;
    connection.watchedEvents = events;
    epoll_event event{};
    event.events = events;
    event.data.fd = connection.descriptor;
    // Reading and draining watch the same events: only switches to and from writing change.
    static_assert(sizeof(event.events) == sizeof(quint32));
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, connection.descriptor, &event);
}

void MediaServingThread::handBack(Connection &connection)
{
    const int descriptor = connection.descriptor;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, descriptor, nullptr);
    m_connections.erase(descriptor);
    m_context->handBack(descriptor);
}

void MediaServingThread::close(Connection &connection, bool isIdle)
{
    const int descriptor = connection.descriptor;
    ::close(descriptor); // also leaves the epoll set
    m_connections.erase(descriptor);
    std::lock_guard lock(m_reportMutex);
    ++m_report.closedConnections;
    if (isIdle)
        ++m_report.idleCloses;
}

void MediaServingThread::sweepTimeouts()
{
    const qint64 now = nowMs();
    std::vector<std::pair<Connection *, bool>> expired; // connection, is idle
    for (auto &[descriptor, connection] : m_connections) {
        const qint64 quietMs = now - connection->lastProgressMs;
        switch (connection->state) {
        case State::Reading:
            // Between requests (a partial request went to the gate): the gate's timeouts.
            if (quietMs >=
                (connection->hasServed ? m_context->idleTimeoutMs : m_context->requestTimeoutMs))
                expired.push_back({connection.get(), true});
            break;
        case State::Writing:
            // A client that stopped reading holds its buffer reference: not forever.
            if (quietMs >= m_context->idleTimeoutMs)
                expired.push_back({connection.get(), true});
            break;
        case State::Draining:
            if (quietMs >= m_context->lingerMs)
                expired.push_back({connection.get(), false});
            break;
        case State::Held:
            break; // bounded by its hold's deadline
        }
    }
    for (const auto &[connection, isIdle] : expired)
        close(*connection, isIdle);
}

void MediaServingThread::forgetOldViewers()
{
    if (m_viewerPostedMs.size() <= maxRememberedViewers)
        return;
    const qint64 now = nowMs();
    m_viewerPostedMs.removeIf([now](const QHash<QByteArray, qint64>::iterator &it) {
        return now - it.value() >= viewerReportIntervalMs;
    });
}

MediaServingReport MediaServingThread::takeReport()
{
    std::lock_guard lock(m_reportMutex);
    return std::exchange(m_report, {});
}

} // namespace afk::server
