#include "WebSocketLoop.h"

#include "ForkJoinPool.h"

#include <QSocketNotifier>

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace afk::server {
namespace {

constexpr int maxEventsPerWakeUp = 256;
constexpr qsizetype readBufferBytes = 64 * 1024;
// Connections per chunk of a parallel fan-out: small enough that a helper the scheduler delays
// leaves its share to the others, large enough that the shared counter is not contended.
constexpr size_t sendChunkConnections = 64;

} // namespace

WebSocketLoop::WebSocketLoop(WebSocketLoopOptions options, std::function<void()> onRetired,
                             QObject *parent)
    : QObject(parent), m_options(options), m_onRetired(std::move(onRetired)),
      m_epoll(::epoll_create1(EPOLL_CLOEXEC))
{
    m_clock.start();
    m_readBuffer.resize(size_t(readBufferBytes));
    if (m_epoll >= 0) {
        m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &WebSocketLoop::onReady);
    }
    m_closeSweep.setInterval(std::max(100, m_options.closeTimeoutMs / 5));
    connect(&m_closeSweep, &QTimer::timeout, this, &WebSocketLoop::sweepClosing);
}

WebSocketLoop::~WebSocketLoop()
{
    delete m_notifier;
    const qsizetype count = qsizetype(m_connections.size());
    m_connections.clear();
    m_retired.clear();
    if (m_onRetired)
        for (qsizetype i = 0; i < count; ++i)
            m_onRetired();
    if (m_epoll >= 0)
        ::close(m_epoll);
}

WebSocketConnection *WebSocketLoop::adopt(int descriptor, const QByteArray &handshakeAnswer,
                                          const QByteArray &early)
{
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = descriptor;
    if (m_epoll < 0 || ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, descriptor, &event) != 0) {
        ::close(descriptor);
        return nullptr;
    }
    auto owned = std::make_unique<WebSocketConnection>(*this, descriptor);
    WebSocketConnection *connection = owned.get();
    m_connections.emplace(descriptor, std::move(owned));
    connection->sendFrame(handshakeAnswer);
    // A client that did not wait for the answer: its first frames came with the head, and are
    // read once the handler is set (readBuffered).
    connection->m_reader.append(early);
    return connection;
}

void WebSocketLoop::sendToMany(const QByteArray &frame,
                               const std::vector<WebSocketConnection *> &connections)
{
    if (connections.size() < parallelSendThreshold) {
        for (WebSocketConnection *connection : connections)
            connection->sendFrame(frame);
        return;
    }
    if (!m_sendPool)
        m_sendPool = std::make_unique<ForkJoinPool>(ForkJoinPool::helpersForThisMachine(3));
    // Which connections may write now is read here, before the helpers start; during run() they
    // only make system calls on those descriptors, each index in one chunk.
    std::vector<int> descriptors(connections.size(), -1);
    for (size_t i = 0; i < connections.size(); ++i)
        if (connections[i]->canSendDirectly())
            descriptors[i] = connections[i]->m_descriptor;
    std::vector<WebSocketConnection::SendAttempt> attempts(connections.size());
    m_sendPool->run(connections.size(), sendChunkConnections, [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i)
            if (descriptors[i] >= 0)
                attempts[i] = WebSocketConnection::sendWhole(descriptors[i], frame);
    });
    for (size_t i = 0; i < connections.size(); ++i) {
        if (descriptors[i] >= 0)
            connections[i]->finishSend(frame, attempts[i]);
        else
            connections[i]->sendFrame(frame); // backlogged: queued behind what waits
    }
}

void WebSocketLoop::onReady()
{
    epoll_event events[maxEventsPerWakeUp];
    const int count = ::epoll_wait(m_epoll, events, maxEventsPerWakeUp, 0);
    for (int i = 0; i < count; ++i) {
        // A connection retired by an earlier event of this batch is no longer in the map.
        const auto found = m_connections.find(events[i].data.fd);
        if (found == m_connections.end())
            continue;
        WebSocketConnection &connection = *found->second;
        if (events[i].events & EPOLLOUT)
            connection.onWritable();
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            connection.onReadable();
    }
    m_retired.clear();
}

void WebSocketLoop::watch(WebSocketConnection &connection, bool isWatchingWrites)
{
    epoll_event event{};
    event.events = EPOLLIN | (isWatchingWrites ? EPOLLOUT : 0u);
    event.data.fd = connection.m_descriptor;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, connection.m_descriptor, &event);
}

void WebSocketLoop::noteClosing(WebSocketConnection &connection)
{
    m_closing.push_back(connection.m_descriptor);
    if (!m_closeSweep.isActive())
        m_closeSweep.start();
}

void WebSocketLoop::scheduleFailure(WebSocketConnection &connection)
{
    // Handlers are told from the event loop, never inside a send(): a room broadcast iterating
    // its viewers must not see one of them leave the room under it.
    m_failures.push_back(connection.m_descriptor);
    if (m_isFailureReportQueued)
        return;
    m_isFailureReportQueued = true;
    QMetaObject::invokeMethod(this, &WebSocketLoop::reportFailures, Qt::QueuedConnection);
}

void WebSocketLoop::reportFailures()
{
    m_isFailureReportQueued = false;
    const std::vector<int> failures = std::exchange(m_failures, {});
    for (const int descriptor : failures) {
        const auto found = m_connections.find(descriptor);
        if (found == m_connections.end())
            continue;
        WebSocketConnection &connection = *found->second;
        if (connection.m_state != WebSocketConnection::State::Failed)
            continue;
        if (WebSocketConnection::Handler *handler = std::exchange(connection.m_handler, nullptr))
            handler->onWebSocketClosed(connection.m_failureCode, connection.m_failureReason);
        retire(connection);
    }
    m_retired.clear();
}

void WebSocketLoop::retire(WebSocketConnection &connection)
{
    if (connection.m_state == WebSocketConnection::State::Retired)
        return;
    connection.m_state = WebSocketConnection::State::Retired;
    const int descriptor = connection.m_descriptor;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, descriptor, nullptr);
    const auto found = m_connections.find(descriptor);
    if (found == m_connections.end())
        return;
    // Deleted after the current dispatch: the caller may still be inside the connection. The
    // descriptor closes now, so that its number cannot come back while the entry is alive.
    ::close(descriptor);
    found->second->m_descriptor = -1;
    m_retired.push_back(std::move(found->second));
    m_connections.erase(found);
    if (!m_isFailureReportQueued) {
        m_isFailureReportQueued = true; // also frees m_retired when no dispatch follows
        QMetaObject::invokeMethod(this, &WebSocketLoop::reportFailures, Qt::QueuedConnection);
    }
    if (m_onRetired)
        m_onRetired();
}

void WebSocketLoop::sweepClosing()
{
    const qint64 now = nowMs();
    std::vector<int> stillClosing;
    for (const int descriptor : std::exchange(m_closing, {})) {
        const auto found = m_connections.find(descriptor);
        if (found == m_connections.end() ||
            found->second->m_state != WebSocketConnection::State::Closing)
            continue;
        if (now - found->second->m_closingSinceMs >= m_options.closeTimeoutMs)
            retire(*found->second);
        else
            stillClosing.push_back(descriptor);
    }
    m_closing = std::move(stillClosing);
    if (m_closing.empty())
        m_closeSweep.stop();
    m_retired.clear();
}

} // namespace afk::server
