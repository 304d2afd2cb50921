// The in-memory index of what the packagers publish: each finished segment, part, init segment
// and playlist version, keyed by the path its file has on disk, as shared immutable bytes. The
// HTTP server answers from it before it looks at the disk, so a live segment or playlist is never
// read back and never copied per connection (QByteArray is implicitly shared: every answer holds
// a reference to the one buffer).
//
// Thread-safe: packagers publish from their threads, serving threads read from theirs.
//
// Bounds: a Segment entry stays while it is among the newest keptSegmentsPerFolder of its folder
// (a rendition's folder), a Part entry (LL-HLS parts, several per segment) among the newest
// keptPartsPerFolder of its folder, and while every Segment and Part entry together fits
// maxBytes (the oldest go first); older ones are served from disk. A Replaced entry
// (a playlist, an init segment) is one version per path. A packager removes what it published
// when it goes away (removePaths/removeFolder); the files on disk stay authoritative.
//
// Waiting for an entry (LL-HLS blocking playlist reload, preload hints): await() registers a
// callback for a path that runs on the context object's thread as soon as that path has a version
// newer than afterVersion — no thread is held while waiting. The caller bounds the wait with its
// own timer and cancel()s (see await). At most maxWaiters wait at once; more are refused.
// For LL-HLS: publish each part as Part and each ll.m3u8 version as Replaced, keyed by the
// files' paths; a blocking reload (_HLS_msn/_HLS_part) awaits the part's path (afterVersion 0)
// and answers with the playlist's newest version when woken or when its deadline passes.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QObject>
#include <QString>
#include <deque>
#include <functional>
#include <optional>

namespace afk::media {

struct MediaEntry {
    QByteArray bytes;    // immutable once published
    QByteArray etag;     // strong ETag of the bytes, quoted: "\"<size>-<hash>\""
    quint64 version = 0; // grows with every publish in this index (any path)
};

class MediaIndex
{
public:
    enum class Retention {
        Segment,  // newest keptSegmentsPerFolder of a folder, within maxBytes
        Part,     // newest keptPartsPerFolder of a folder, within maxBytes
        Replaced, // one version per path until removed (playlists, init segments)
    };

    // Players join the newest: hls.js three segments from the end (liveSyncDurationCount),
    // Safari three target durations. A player further behind reads through the disk cache.
    // (6 kept two more sets of the ladder's segments, 1 % of its peak RSS, for no one.)
    static constexpr int keptSegmentsPerFolder = 4;
    // Parts kept per folder unless its packager said how many its playlists list
    // (setKeptParts).
    static constexpr int keptPartsPerFolder = 40;
    static constexpr qint64 defaultMaxBytes = 256LL * 1024 * 1024;
    static constexpr int maxWaiters = 10'000;

    explicit MediaIndex(qint64 maxBytes = defaultMaxBytes);
    MediaIndex(const MediaIndex &) = delete;
    MediaIndex &operator=(const MediaIndex &) = delete;

    // The ETag every part of the server gives these bytes (the disk cache too, so an answer
    // revalidates whichever source it came from).
    static QByteArray entityTagOf(const QByteArray &bytes);

    // Publishes (or replaces) path's bytes and wakes its waiters. Returns the entry's version.
    quint64 publish(const QString &path, QByteArray bytes, Retention retention);
    std::optional<MediaEntry> find(const QString &path) const;
    void removePaths(const QStringList &paths);
    // Every entry directly in folder (not below it), and its setKeptParts.
    void removeFolder(const QString &folder);
    // How many Part entries folder keeps (the newest; at least 1). An LL-HLS packager sets what
    // its playlists list and a little more: the default 40 kept almost four segments of 0.33 s
    // parts that no playlist named any more, and fewer than the playlists list at 0.1 s.
    void setKeptParts(const QString &folder, int parts);

    using Waiter = std::function<void(const MediaEntry &)>;
    // Calls onReady(entry) with a queued call on context's thread once path has an entry with
    // version > afterVersion (at once, still queued, when it has one now). Returns a ticket, or
    // 0 when maxWaiters already wait (answer that request 503). The waiter is dropped once
    // called. Before context is destroyed, or when the caller's own deadline passes, call
    // cancel(ticket); after cancel() returns, onReady is not called (a call already queued is
    // discarded with context, or runs: check your own state there).
    quint64 await(const QString &path, quint64 afterVersion, QObject *context, Waiter onReady);
    // The same for a thread without a Qt event loop (MediaServingThread's epoll loop): onReady
    // runs on the publisher's thread, with the index locked, so it must only hand the entry over
    // (e.g. queue it and wake its loop) and must not call into the index.
    quint64 awaitDirect(const QString &path, quint64 afterVersion, Waiter onReady);
    void cancel(quint64 ticket);

    qint64 segmentBytes() const;
    int entryCount() const;
    int waiterCount() const;

private:
    struct Waiting {
        quint64 ticket;
        quint64 afterVersion;
        QObject *context; // null: call onReady directly (awaitDirect)
        Waiter onReady;
    };

    void evictLocked();
    void removeLocked(const QString &path);
    void wakeLocked(const QString &path, const MediaEntry &entry);
    static void deliver(QObject *context, const Waiter &onReady, const MediaEntry &entry);
    quint64 addWaiter(const QString &path, quint64 afterVersion, QObject *context, Waiter onReady);

    const qint64 m_maxBytes;
    mutable QMutex m_mutex;
    QHash<QString, MediaEntry> m_entries;
    QHash<QString, std::deque<QString>> m_segmentsByFolder; // oldest first
    QHash<QString, std::deque<QString>> m_partsByFolder;    // oldest first
    std::deque<QString> m_segmentOrder; // every Segment and Part entry, oldest first
    QHash<QString, Retention> m_retention;
    QHash<QString, int> m_keptPartsByFolder; // setKeptParts
    qint64 m_segmentBytes = 0;
    quint64 m_lastVersion = 0;
    QHash<QString, QList<Waiting>> m_waiting;
    QHash<quint64, QString> m_waitingPath; // ticket → path
    quint64 m_lastTicket = 0;
};

} // namespace afk::media
