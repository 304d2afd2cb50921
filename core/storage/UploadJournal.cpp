#include "UploadJournal.h"

#include "StreamPaths.h"

#include <QDir>
#include <QFile>

namespace afk::storage {
namespace {

const QString journalSuffix = QStringLiteral(".journal");

} // namespace

UploadJournal::UploadJournal(const QString &dataDir, const QString &targetName)
    : m_directory(QDir::cleanPath(dataDir) + QStringLiteral("/.uploads/") + targetName)
{
}

QString UploadJournal::pathOf(const QString &streamKey) const
{
    return m_directory + u'/' + streamKey + journalSuffix;
}

QStringList UploadJournal::streamKeys() const
{
    QStringList keys;
    const QStringList files =
        QDir(m_directory).entryList({QStringLiteral("*") + journalSuffix}, QDir::Files);
    for (const QString &file : files) {
        const QString key = file.chopped(journalSuffix.size());
        if (isValidStreamKey(key))
            keys << key;
    }
    return keys;
}

UploadRecord UploadJournal::load(const QString &streamKey) const
{
    UploadRecord record;
    QFile file(pathOf(streamKey));
    if (!file.open(QIODevice::ReadOnly))
        return record;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        // A line cut short by a crash has no use: the object is sent again, which is harmless.
        const QList<QByteArray> fields = line.split(' ');
        record.isFinished = false;
        if (fields.size() == 2 && fields[0] == "S") {
            record.storedObjects.insert(QString::fromUtf8(fields[1]));
        } else if (fields.size() == 3 && fields[0] == "P" && fields[2].size() == 64) {
            record.storedPlaylists.insert(QString::fromUtf8(fields[1]), fields[2]);
        } else if (fields.size() == 2 && fields[0] == "E") {
            record.endedAtMs = fields[1].toLongLong();
        } else if (line == "F") {
            record.isFinished = true;
        }
    }
    return record;
}

bool UploadJournal::append(const QString &streamKey, const QByteArray &record, QString *error) const
{
    if (!QDir().mkpath(m_directory)) {
        *error = QStringLiteral("cannot create %1").arg(m_directory);
        return false;
    }
    QFile file(pathOf(streamKey));
    // One unbuffered write per record: a SIGKILL loses at most the record being written.
    if (!file.open(QIODevice::Append | QIODevice::Unbuffered)
        || file.write(record + '\n') != record.size() + 1) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

bool UploadJournal::remove(const QString &streamKey) const
{
    return QFile::remove(pathOf(streamKey));
}

} // namespace afk::storage
