#include "PlaybackViewerTracker.h"

#include <QCryptographicHash>

namespace afk::server
{

PlaybackViewerTracker::PlaybackViewerTracker(qint64 windowMs) : m_windowMs(windowMs) {}

QByteArray PlaybackViewerTracker::clientId(const QHostAddress &remoteAddress,
                                           const QByteArray &userAgent)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    // An IPv4 client reached over a dual-stack socket is the same client as over IPv4.
    bool isIpv4 = false;
    const quint32 ipv4 = remoteAddress.toIPv4Address(&isIpv4);
    hash.addData(isIpv4 ? QHostAddress(ipv4).toString().toUtf8()
                        : remoteAddress.toString().toUtf8());
    hash.addData(QByteArrayView("\n", 1));
    hash.addData(userAgent);
    return hash.result().left(16);
}

void PlaybackViewerTracker::recordFetch(const QString &streamKey, const QByteArray &clientId,
                                        qint64 nowMs)
{
    QHash<QByteArray, qint64> &clients = m_lastSeenMs[streamKey];
    auto existing = clients.find(clientId);
    if (existing != clients.end()) {
        existing.value() = nowMs;
        return;
    }
    if (clients.size() >= maxClientsPerStream) {
        pruneStream(clients, nowMs);
        if (clients.size() >= maxClientsPerStream)
            return;
    }
    clients.insert(clientId, nowMs);
}

int PlaybackViewerTracker::viewerCount(const QString &streamKey, qint64 nowMs)
{
    auto stream = m_lastSeenMs.find(streamKey);
    if (stream == m_lastSeenMs.end())
        return 0;
    pruneStream(stream.value(), nowMs);
    const int count = int(stream.value().size());
    if (count == 0)
        m_lastSeenMs.erase(stream);
    return count;
}

void PlaybackViewerTracker::prune(qint64 nowMs)
{
    for (auto stream = m_lastSeenMs.begin(); stream != m_lastSeenMs.end();) {
        pruneStream(stream.value(), nowMs);
        stream = stream.value().isEmpty() ? m_lastSeenMs.erase(stream) : std::next(stream);
    }
}

void PlaybackViewerTracker::pruneStream(QHash<QByteArray, qint64> &lastSeenMs, qint64 nowMs) const
{
    lastSeenMs.removeIf([&](const QHash<QByteArray, qint64>::iterator &client) {
        return nowMs - client.value() > m_windowMs;
    });
}

} // namespace afk::server
