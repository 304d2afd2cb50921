#include "MediaFileCache.h"

#include "MediaIndex.h"

#include <QDebug>
#include <QFile>
#include <QMutexLocker>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace afk::server
{

MediaFileCache::MediaFileCache(qint64 maxBytes) : m_maxBytes(maxBytes) {}

OpenFile::~OpenFile()
{
    ::close(m_descriptor);
}

CachedFile MediaFileCache::read(const QString &path, bool isPlaylist)
{
    CachedFile result;
    const QByteArray nativePath = QFile::encodeName(path);
    struct stat info {
    };
    // lstat: a symbolic link is refused, not followed out of the stream's folder.
    if (::lstat(nativePath.constData(), &info) != 0 || !S_ISREG(info.st_mode))
        return result;
    if (info.st_size > maxFileBytes) {
        qWarning().noquote() << "[http] refusing to serve" << path << "of" << qint64(info.st_size)
                             << "bytes (limit" << maxFileBytes << ")";
        result.outcome = CachedFile::Outcome::TooLarge;
        return result;
    }
    const FileStamp stamp{qint64(info.st_size),
                          qint64(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
                          quint64(info.st_ino)};
    {
        QMutexLocker locker(&m_mutex);
        const auto found = m_entries.find(path);
        if (found != m_entries.end()) {
            if (found->stamp == stamp) {
                m_usage.splice(m_usage.begin(), m_usage, found->usage);
                result.outcome = CachedFile::Outcome::Found;
                result.bytes = found->bytes;
                result.etag = found->etag;
                result.file = found->file;
                return result;
            }
            removeLocked(found);
        }
    }

    // O_NOFOLLOW | O_NONBLOCK: the file may have been swapped for a link or a FIFO since lstat.
    const int descriptor =
        ::open(nativePath.constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (descriptor < 0)
        return result; // removed since (retention) or unreadable
    struct stat opened {
    };
    QByteArray bytes;
    if (::fstat(descriptor, &opened) == 0 && S_ISREG(opened.st_mode) &&
        opened.st_size <= maxFileBytes) {
        bytes.resize(qsizetype(opened.st_size));
        qsizetype done = 0;
        while (done < bytes.size()) {
            const ssize_t got =
                ::read(descriptor, bytes.data() + done, size_t(bytes.size() - done));
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            done += got;
        }
        bytes.truncate(done);
    } else {
        ::close(descriptor);
        if (opened.st_size > maxFileBytes)
            result.outcome = CachedFile::Outcome::TooLarge;
        return result;
    }
    const bool isWhole = bytes.size() == qsizetype(opened.st_size);
    if (isPlaylist)
        bytes.truncate(bytes.lastIndexOf('\n') + 1);
    if (!isPlaylist && isWhole && bytes.size() >= minSendfileBytes)
        result.file = std::make_shared<const OpenFile>(descriptor);
    else
        ::close(descriptor);

    result.outcome = CachedFile::Outcome::Found;
    result.etag = media::MediaIndex::entityTagOf(bytes);
    result.bytes = bytes;
    // Cached under the stamp of the file as opened: a change after it makes the next stamp differ.
    const FileStamp openedStamp{qint64(opened.st_size),
                                qint64(opened.st_mtim.tv_sec) * 1'000'000'000 +
                                    opened.st_mtim.tv_nsec,
                                quint64(opened.st_ino)};
    if (bytes.size() <= m_maxBytes / 4) {
        QMutexLocker locker(&m_mutex);
        insertLocked(path, openedStamp, result);
    }
    return result;
}

void MediaFileCache::insertLocked(const QString &path, const FileStamp &stamp,
                                  const CachedFile &file)
{
    const auto existing = m_entries.find(path);
    if (existing != m_entries.end())
        removeLocked(existing); // another thread read it at the same time
    m_usage.push_front(path);
    m_entries.insert(path, Entry{stamp, file.bytes, file.etag, file.file, m_usage.begin()});
    m_bytes += file.bytes.size();
    while (m_bytes > m_maxBytes && !m_usage.empty())
        removeLocked(m_entries.find(m_usage.back()));
}

void MediaFileCache::removeLocked(QHash<QString, Entry>::iterator entry)
{
    m_bytes -= entry->bytes.size();
    m_usage.erase(entry->usage);
    m_entries.erase(entry);
}

qint64 MediaFileCache::cachedBytes() const
{
    QMutexLocker locker(&m_mutex);
    return m_bytes;
}

} // namespace afk::server
