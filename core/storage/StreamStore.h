// Local files of every stream: one folder a stream under the data dir, its metadata, retention.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace afk::storage {

// What stream.json in a stream's folder records, so a stream outlives the process that made it.
struct StreamMetadata {
    QString streamKey;
    QString userId;
    QString ownerId;            // who may publish and stop it: a pubkey, or userId in open ingest
    QString title;
    QString sourceDescription;
    QStringList renditionNames; // highest first; the first one backs stream.m3u8
    qint64 startedAtMs = 0;
    qint64 endedAtMs = 0;       // 0 while live

    QJsonObject toJson() const;
    static StreamMetadata fromJson(const QJsonObject &object);
};

class StreamStore
{
public:
    explicit StreamStore(QString dataDir);

    const QString &dataDir() const { return m_dataDir; }
    // Creates the data dir and checks that it is writable.
    bool prepare(QString *error) const;

    // Folder of a stream; empty for an invalid key (never a path outside dataDir).
    QString streamDir(const QString &streamKey) const;
    // A file inside a stream's folder, from URL path segments already percent-decoded; every
    // segment must pass isSafeFileName. Empty when any part is unsafe.
    QString resolveFile(const QString &streamKey, const QStringList &relativeSegments) const;

    bool writeMetadata(const StreamMetadata &metadata, QString *error) const;
    // False when the stream has no readable stream.json.
    bool readMetadata(const QString &streamKey, StreamMetadata *metadata) const;

    // Deletes the folders of streams that ended more than retainHours ago (0 keeps all).
    // Returns the keys removed. Does disk I/O: call it off the GUI/event-loop thread.
    QStringList removeExpired(int retainHours, qint64 nowMs) const;

private:
    QString m_dataDir;
};

} // namespace afk::storage
