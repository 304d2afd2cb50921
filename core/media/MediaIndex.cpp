#include "MediaIndex.h"

#include <QMutexLocker>
#include <algorithm>

namespace afk::media {
namespace {

QString folderOf(const QString &path)
{
    return path.left(std::max<qsizetype>(0, path.lastIndexOf(u'/')));
}

void eraseFrom(std::deque<QString> &paths, const QString &path)
{
    const auto found = std::find(paths.begin(), paths.end(), path);
    if (found != paths.end())
        paths.erase(found);
}

} // namespace

MediaIndex::MediaIndex(qint64 maxBytes) : m_maxBytes(maxBytes) {}

QByteArray MediaIndex::entityTagOf(const QByteArray &bytes)
{
    // A content hash rather than a version or mtime: the same bytes get the same tag from the
    // index and from the disk cache, across restarts too. The seed is fixed for that reason.
    const size_t hash = qHashBits(bytes.constData(), size_t(bytes.size()), 0x5eed);
    return '"' + QByteArray::number(bytes.size(), 16) + '-' +
           QByteArray::number(quint64(hash), 16) + '"';
}

quint64 MediaIndex::publish(const QString &path, QByteArray bytes, Retention retention)
{
    MediaEntry entry;
    entry.etag = entityTagOf(bytes); // outside the lock: it reads every byte
    entry.bytes = std::move(bytes);

    QMutexLocker locker(&m_mutex);
    removeLocked(path);
    entry.version = ++m_lastVersion;
    m_entries.insert(path, entry);
    m_retention.insert(path, retention);
    if (retention != Retention::Replaced) {
        const bool isPart = retention == Retention::Part;
        std::deque<QString> &folder =
            (isPart ? m_partsByFolder : m_segmentsByFolder)[folderOf(path)];
        folder.push_back(path);
        m_segmentOrder.push_back(path);
        m_segmentBytes += entry.bytes.size();
        const int kept = isPart ? m_keptPartsByFolder.value(folderOf(path), keptPartsPerFolder)
                                : keptSegmentsPerFolder;
        while (folder.size() > size_t(kept))
            removeLocked(folder.front());
        evictLocked();
    }
    wakeLocked(path, entry);
    return entry.version;
}

std::optional<MediaEntry> MediaIndex::find(const QString &path) const
{
    QMutexLocker locker(&m_mutex);
    const auto found = m_entries.constFind(path);
    if (found == m_entries.constEnd())
        return std::nullopt;
    return *found;
}

void MediaIndex::removePaths(const QStringList &paths)
{
    QMutexLocker locker(&m_mutex);
    for (const QString &path : paths)
        removeLocked(path);
}

void MediaIndex::removeFolder(const QString &folder)
{
    QMutexLocker locker(&m_mutex);
    QStringList inFolder;
    for (auto it = m_entries.constBegin(); it != m_entries.constEnd(); ++it) {
        if (folderOf(it.key()) == folder)
            inFolder.append(it.key());
    }
    for (const QString &path : inFolder)
        removeLocked(path);
    m_segmentsByFolder.remove(folder);
    m_partsByFolder.remove(folder);
    m_keptPartsByFolder.remove(folder);
}

void MediaIndex::setKeptParts(const QString &folder, int parts)
{
    QMutexLocker locker(&m_mutex);
    m_keptPartsByFolder.insert(folder, std::max(1, parts));
}

void MediaIndex::evictLocked()
{
    while (m_segmentBytes > m_maxBytes && !m_segmentOrder.empty())
        removeLocked(m_segmentOrder.front());
}

void MediaIndex::removeLocked(const QString &path)
{
    const auto found = m_entries.find(path);
    if (found == m_entries.end())
        return;
    const Retention retention = m_retention.value(path);
    if (retention != Retention::Replaced) {
        m_segmentBytes -= found->bytes.size();
        eraseFrom(m_segmentOrder, path);
        auto &byFolder = retention == Retention::Part ? m_partsByFolder : m_segmentsByFolder;
        const auto folder = byFolder.find(folderOf(path));
        if (folder != byFolder.end())
            eraseFrom(*folder, path);
    }
    m_entries.erase(found);
    m_retention.remove(path);
}

quint64 MediaIndex::await(const QString &path, quint64 afterVersion, QObject *context,
                          Waiter onReady)
{
    Q_ASSERT(context);
    return addWaiter(path, afterVersion, context, std::move(onReady));
}

quint64 MediaIndex::awaitDirect(const QString &path, quint64 afterVersion, Waiter onReady)
{
    return addWaiter(path, afterVersion, nullptr, std::move(onReady));
}

void MediaIndex::deliver(QObject *context, const Waiter &onReady, const MediaEntry &entry)
{
    if (!context) {
        onReady(entry);
        return;
    }
    // Queued even when the entry is there already, so a caller never runs its callback inside
    // its own await() call.
    QMetaObject::invokeMethod(
        context, [onReady, entry] { onReady(entry); }, Qt::QueuedConnection);
}

quint64 MediaIndex::addWaiter(const QString &path, quint64 afterVersion, QObject *context,
                              Waiter onReady)
{
    QMutexLocker locker(&m_mutex);
    if (m_waitingPath.size() >= maxWaiters)
        return 0;
    const quint64 ticket = ++m_lastTicket;
    const auto found = m_entries.constFind(path);
    if (found != m_entries.constEnd() && found->version > afterVersion) {
        deliver(context, onReady, *found);
        return ticket;
    }
    m_waiting[path].append(Waiting{ticket, afterVersion, context, std::move(onReady)});
    m_waitingPath.insert(ticket, path);
    return ticket;
}

void MediaIndex::cancel(quint64 ticket)
{
    QMutexLocker locker(&m_mutex);
    const QString path = m_waitingPath.take(ticket);
    if (path.isNull())
        return;
    const auto waiting = m_waiting.find(path);
    if (waiting == m_waiting.end())
        return;
    waiting->removeIf([ticket](const Waiting &w) { return w.ticket == ticket; });
    if (waiting->isEmpty())
        m_waiting.erase(waiting);
}

void MediaIndex::wakeLocked(const QString &path, const MediaEntry &entry)
{
    const auto waiting = m_waiting.find(path);
    if (waiting == m_waiting.end())
        return;
    // Posted while the lock is held: a waiter cancelled (and its context destroyed) on another
    // thread cannot slip between taking it from the list and posting to its context.
    waiting->removeIf([&](const Waiting &w) {
        if (entry.version <= w.afterVersion)
            return false;
        deliver(w.context, w.onReady, entry);
        m_waitingPath.remove(w.ticket);
        return true;
    });
    if (waiting->isEmpty())
        m_waiting.erase(waiting);
}

qint64 MediaIndex::segmentBytes() const
{
    QMutexLocker locker(&m_mutex);
    return m_segmentBytes;
}

int MediaIndex::entryCount() const
{
    QMutexLocker locker(&m_mutex);
    return int(m_entries.size());
}

int MediaIndex::waiterCount() const
{
    QMutexLocker locker(&m_mutex);
    return int(m_waitingPath.size());
}

} // namespace afk::media
