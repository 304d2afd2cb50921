#include "StreamStore.h"

#include "StreamPaths.h"

#include <algorithm>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTemporaryFile>

namespace afk::storage {
namespace {

const QString metadataFileName = QStringLiteral("stream.json");

} // namespace

QJsonObject StreamMetadata::toJson() const
{
    return QJsonObject{
        {QStringLiteral("streamKey"), streamKey},
        {QStringLiteral("userId"), userId},
        {QStringLiteral("ownerId"), ownerId},
        {QStringLiteral("title"), title},
        {QStringLiteral("source"), sourceDescription},
        {QStringLiteral("renditions"), QJsonArray::fromStringList(renditionNames)},
        {QStringLiteral("startedAtMs"), startedAtMs},
        {QStringLiteral("endedAtMs"), endedAtMs},
    };
}

StreamMetadata StreamMetadata::fromJson(const QJsonObject &object)
{
    StreamMetadata metadata;
    metadata.streamKey = object.value(QStringLiteral("streamKey")).toString();
    metadata.userId = object.value(QStringLiteral("userId")).toString();
    metadata.ownerId = object.value(QStringLiteral("ownerId")).toString();
    metadata.title = object.value(QStringLiteral("title")).toString();
    metadata.sourceDescription = object.value(QStringLiteral("source")).toString();
    for (const QJsonValue &name : object.value(QStringLiteral("renditions")).toArray())
        metadata.renditionNames << name.toString();
    metadata.startedAtMs = qint64(object.value(QStringLiteral("startedAtMs")).toDouble());
    metadata.endedAtMs = qint64(object.value(QStringLiteral("endedAtMs")).toDouble());
    return metadata;
}

StreamStore::StreamStore(QString dataDir) : m_dataDir(QDir::cleanPath(std::move(dataDir))) {}

bool StreamStore::prepare(QString *error) const
{
    if (!QDir().mkpath(m_dataDir)) {
        *error = QStringLiteral("cannot create data dir %1").arg(m_dataDir);
        return false;
    }
    QTemporaryFile probe(m_dataDir + QStringLiteral("/.write-probe-XXXXXX"));
    if (!probe.open()) {
        *error = QStringLiteral("data dir %1 is not writable: %2").arg(m_dataDir, probe.errorString());
        return false;
    }
    return true;
}

QString StreamStore::streamDir(const QString &streamKey) const
{
    if (!isValidStreamKey(streamKey))
        return {};
    return m_dataDir + u'/' + streamKey;
}

QString StreamStore::resolveFile(const QString &streamKey, const QStringList &relativeSegments) const
{
    const QString dir = streamDir(streamKey);
    if (dir.isEmpty() || relativeSegments.isEmpty())
        return {};
    if (!std::all_of(relativeSegments.begin(), relativeSegments.end(), isSafeFileName))
        return {};
    return dir + u'/' + relativeSegments.join(u'/');
}

bool StreamStore::writeMetadata(const StreamMetadata &metadata, QString *error) const
{
    const QString dir = streamDir(metadata.streamKey);
    if (dir.isEmpty() || !QDir().mkpath(dir)) {
        *error = QStringLiteral("cannot create the folder of stream %1").arg(metadata.streamKey);
        return false;
    }
    QSaveFile file(dir + u'/' + metadataFileName);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(metadata.toJson()).toJson(QJsonDocument::Indented)) < 0
        || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

bool StreamStore::readMetadata(const QString &streamKey, StreamMetadata *metadata) const
{
    const QString dir = streamDir(streamKey);
    if (dir.isEmpty())
        return false;
    QFile file(dir + u'/' + metadataFileName);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll());
    if (!document.isObject())
        return false;
    *metadata = StreamMetadata::fromJson(document.object());
    return metadata->streamKey == streamKey;
}

QStringList StreamStore::removeExpired(int retainHours, qint64 nowMs) const
{
    QStringList removed;
    if (retainHours <= 0)
        return removed;
    const qint64 retainMs = qint64(retainHours) * 3600 * 1000;
    const QStringList keys = QDir(m_dataDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &key : keys) {
        StreamMetadata metadata;
        if (!readMetadata(key, &metadata) || metadata.endedAtMs <= 0)
            continue;
        if (nowMs - metadata.endedAtMs < retainMs)
            continue;
        if (QDir(streamDir(key)).removeRecursively())
            removed << key;
    }
    return removed;
}

} // namespace afk::storage
