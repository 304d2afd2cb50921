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

private:
    QHash<QString, QSet<QString>> m_viewersByKey;
    QHash<QString, QSet<QString>> m_keysByViewer;
};

} // namespace afk::server
