#include "StreamRooms.h"

namespace afk::server {

int StreamRooms::join(const QString &streamKey, const QString &viewerId)
{
    QSet<QString> &viewers = m_viewersByKey[streamKey];
    viewers.insert(viewerId);
    m_keysByViewer[viewerId].insert(streamKey);
    return int(viewers.size());
}

bool StreamRooms::leave(const QString &streamKey, const QString &viewerId)
{
    auto room = m_viewersByKey.find(streamKey);
    if (room == m_viewersByKey.end() || !room->remove(viewerId))
        return false;
    if (room->isEmpty())
        m_viewersByKey.erase(room);
    auto keys = m_keysByViewer.find(viewerId);
    if (keys != m_keysByViewer.end()) {
        keys->remove(streamKey);
        if (keys->isEmpty())
            m_keysByViewer.erase(keys);
    }
    return true;
}

QStringList StreamRooms::leaveAll(const QString &viewerId)
{
    const QStringList keys = m_keysByViewer.value(viewerId).values();
    for (const QString &key : keys)
        leave(key, viewerId);
    return keys;
}

QStringList StreamRooms::clear(const QString &streamKey)
{
    const QStringList ids = viewers(streamKey);
    for (const QString &id : ids)
        leave(streamKey, id);
    return ids;
}

bool StreamRooms::contains(const QString &streamKey, const QString &viewerId) const
{
    return m_viewersByKey.value(streamKey).contains(viewerId);
}

int StreamRooms::viewerCount(const QString &streamKey) const
{
    return int(m_viewersByKey.value(streamKey).size());
}

QStringList StreamRooms::viewers(const QString &streamKey) const
{
    return m_viewersByKey.value(streamKey).values();
}

} // namespace afk::server
