// Media files read from disk for the serving threads (segments that have left the in-memory
// index, recordings of ended streams, master playlists), kept in memory up to a byte bound
// (least recently used go first) so a popular file is read once, not once per request.
//
// Every lookup stat()s the file and re-reads it when its size, modification time or inode
// changed: a playlist replaced atomically or appended to is never served stale. Only regular
// files (no symbolic links, FIFOs or devices that could block on open) up to maxFileBytes.
// A playlist is cut after its last complete line (a recording playlist grows by appends).
//
// A segment (not a playlist, which is cut) of at least minSendfileBytes also keeps the descriptor
// it was read from: the serving threads sendfile() its body from there, as nginx does, instead of
// copying the bytes into every socket (perf: that copy was half of the studio's time serving 720p
// segments). The descriptor names the inode that was read, so what it sends is exactly the cached
// bytes even after the file is replaced or removed; it is closed when the entry and the answers
// in flight let go of it. At most maxBytes / minSendfileBytes descriptors stay open.
//
// Thread-safe. A read happens on the calling serving thread outside the lock: a miss delays
// that thread's other connections by one read of at most maxFileBytes, never the Qt event loop.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>
#include <list>
#include <memory>

namespace afk::server
{

// An open, read-only descriptor, closed with the last reference.
class OpenFile
{
public:
    explicit OpenFile(int descriptor) : m_descriptor(descriptor) {}
    ~OpenFile();
    OpenFile(const OpenFile &) = delete;
    OpenFile &operator=(const OpenFile &) = delete;
    int descriptor() const { return m_descriptor; }

private:
    const int m_descriptor;
};

struct CachedFile {
    enum class Outcome { Found, NotFound, TooLarge };
    Outcome outcome = Outcome::NotFound;
    QByteArray bytes;
    QByteArray etag;
    std::shared_ptr<const OpenFile> file; // holds exactly bytes, when kept (see above)
};

class MediaFileCache
{
public:
    static constexpr qint64 maxFileBytes = 8 * 1024 * 1024; // segments are < 2 MB
    static constexpr qint64 defaultMaxBytes = 48 * 1024 * 1024;
    static constexpr qint64 minSendfileBytes = 128 * 1024;

    explicit MediaFileCache(qint64 maxBytes = defaultMaxBytes);
    MediaFileCache(const MediaFileCache &) = delete;
    MediaFileCache &operator=(const MediaFileCache &) = delete;

    // isPlaylist: serve whole lines only.
    CachedFile read(const QString &path, bool isPlaylist);

    qint64 cachedBytes() const;

private:
    struct FileStamp {
        qint64 size = -1;
        qint64 modifiedNs = 0;
        quint64 inode = 0;
        bool operator==(const FileStamp &) const = default;
    };
    struct Entry {
        FileStamp stamp;
        QByteArray bytes;
        QByteArray etag;
        std::shared_ptr<const OpenFile> file;
        std::list<QString>::iterator usage;
    };

    void insertLocked(const QString &path, const FileStamp &stamp, const CachedFile &file);
    void removeLocked(QHash<QString, Entry>::iterator entry);

    const qint64 m_maxBytes;
    mutable QMutex m_mutex;
    QHash<QString, Entry> m_entries;
    std::list<QString> m_usage; // most recently used first
    qint64 m_bytes = 0;
};

} // namespace afk::server
