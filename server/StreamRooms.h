// Which Socket.IO connections watch which stream (the "rooms" of the AFK protocol), by id.
#pragma once

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>

namespace afk::server {

class StreamRooms
{
public:
    // Adds the viewer (idempotent) and returns the room's viewer count after.
    int join(const QString &streamKey, const QString &viewerId);
    // Removes the viewer; false if it was not in the room.
    bool leave(const QString &streamKey, const QString &viewerId);
    // Removes the viewer from every room; the keys of the rooms it left.
    QStringList leaveAll(const QString &viewerId);
    // Empties a room; the ids that were in it.
    QStringList clear(const QString &streamKey);

    bool contains(const QString &streamKey, const QString &viewerId) const;
    int viewerCount(const QString &streamKey) const;
    QStringList viewers(const QString &streamKey) const;
    // Calls visit(viewerId) for each viewer the room had when called, without building a list:
    // the set is shared (copied only if visit changes the rooms).
    template <typename Visit> void forEachViewer(const QString &streamKey, Visit &&visit) const
    {
        const QSet<QString> viewers = m_viewersByKey.value(streamKey);
        for (const QString &viewerId : viewers)
            visit(viewerId);
    }

private:
    QHash<QString, QSet<QString>> m_viewersByKey;
    QHash<QString, QSet<QString>> m_keysByViewer;
};

} // namespace afk::server
