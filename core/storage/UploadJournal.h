// The upload queue's memory on disk: one append-only file per (target, stream),
// <data dir>/.uploads/<target>/<stream key>.journal, so it outlives a SIGKILL (every record is
// one write() before the queue goes on) and the stream's own folder (local retention may remove
// that before the remote objects expire).
//
// Records, one a line: "S <path>" an object stored (segments: never sent again),
// "P <path> <sha256>" that version of a playlist stored, "E <ms>" the stream ended then,
// "F" everything of the stream is stored. What is still to do is not recorded: it follows from
// the local playlists (they name every segment) compared with these records.
//
// Every function does disk I/O: call them off the event loop (UploadQueue's I/O thread).
#pragma once

#include <QByteArray>
#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>

namespace afk::storage {

struct UploadRecord {
    QSet<QString> storedObjects;               // paths relative to the stream folder
    QHash<QString, QByteArray> storedPlaylists; // path → sha256 hex of the version stored
    qint64 endedAtMs = 0;                      // 0: not ended (or ended before a crash)
    bool isFinished = false;                   // the last record is "F"
};

class UploadJournal
{
public:
    UploadJournal(const QString &dataDir, const QString &targetName);

    const QString &directory() const { return m_directory; }
    // Keys with a journal.
    QStringList streamKeys() const;
    UploadRecord load(const QString &streamKey) const;
    // Appends one record ("S path", …); false with *error when the write failed.
    bool append(const QString &streamKey, const QByteArray &record, QString *error) const;
    bool remove(const QString &streamKey) const;

private:
    QString pathOf(const QString &streamKey) const;

    QString m_directory;
};

} // namespace afk::storage
