// HTTP (HLS) viewers of each stream: distinct clients that fetched one of its playlists or
// segments within a sliding window.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QString>

namespace afk::server
{

class PlaybackViewerTracker
{
public:
    static constexpr qint64 defaultWindowMs = 15000;
    // Memory bound: beyond this many clients of one stream, new clients are not tracked until
    // older ones expire (the count then saturates instead of growing without limit).
    static constexpr int maxClientsPerStream = 20000;

    explicit PlaybackViewerTracker(qint64 windowMs = defaultWindowMs);

    // A client is its remote address plus User-Agent, kept only as a short hash.
    static QByteArray clientId(const QHostAddress &remoteAddress, const QByteArray &userAgent);

    // nowMs is any monotonic clock in milliseconds (the same one for every call).
    void recordFetch(const QString &streamKey, const QByteArray &clientId, qint64 nowMs);
    // Clients of the stream seen within the window before nowMs. Drops expired entries.
    int viewerCount(const QString &streamKey, qint64 nowMs);
    // Forgets expired clients of every stream, and streams left without clients.
    void prune(qint64 nowMs);

private:
    void pruneStream(QHash<QByteArray, qint64> &lastSeenMs, qint64 nowMs) const;

    qint64 m_windowMs;
    QHash<QString, QHash<QByteArray, qint64>> m_lastSeenMs; // stream → client → last fetch
};

} // namespace afk::server
