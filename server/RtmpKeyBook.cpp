#include "RtmpKeyBook.h"

#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace afk::server {
namespace {

// A comparison whose time does not depend on where the bytes differ.
bool equalInConstantTime(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

} // namespace

bool RtmpKeyBook::isValidStreamId(const QString &streamId)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    return pattern.match(streamId).hasMatch();
}

bool RtmpKeyBook::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error =
            QStringLiteral("cannot read the RTMP key file %1: %2").arg(path, file.errorString());
        return false;
    }
    constexpr qint64 maxKeyFileBytes = 1024 * 1024;
    const QByteArray text = file.read(maxKeyFileBytes + 1);
    if (text.size() > maxKeyFileBytes) {
        *error = QStringLiteral("the RTMP key file %1 is larger than 1 MiB").arg(path);
        return false;
    }
    return parse(text, path, error);
}

bool RtmpKeyBook::parse(const QByteArray &text, const QString &source, QString *error)
{
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const QByteArray line = lines[index].trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.simplified().split(' ');
        const QString where = QStringLiteral("%1 line %2").arg(source).arg(index + 1);
        if (fields.size() != 2) {
            *error = QStringLiteral("%1: expected \"<secret> <stream id>\"").arg(where);
            return false;
        }
        const QString streamId = QString::fromUtf8(fields[1]);
        if (!isValidStreamId(streamId)) {
            *error = QStringLiteral("%1: invalid stream id (allowed: 1-64 of A-Z a-z 0-9 _ -)")
                         .arg(where);
            return false;
        }
        // The key goes in a URL path: a '/' or '?' in it could never be sent whole.
        if (fields[0].contains('/') || fields[0].contains('?')) {
            *error = QStringLiteral("%1: a secret cannot contain '/' or '?'").arg(where);
            return false;
        }
        m_secrets.append({fields[0], streamId});
    }
    return true;
}

QString RtmpKeyBook::issue(const QString &streamId)
{
    m_issued.removeIf([&](const auto &entry) { return entry.second == streamId; });
    while (m_issued.size() >= maxIssuedKeys)
        m_issued.removeFirst();
    // 24 bytes from the system's CSPRNG: 192 bits, 32 URL-safe characters (no '/' or '?').
    QByteArray random(24, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(random.data()),
                                          random.size() / 4);
    const QByteArray secret =
        random.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    m_issued.append({secret, streamId});
    return QString::fromLatin1(secret);
}

QString RtmpKeyBook::streamIdFor(const QString &key) const
{
    const QByteArray bytes = key.toUtf8();
    QString found;
    for (const auto &[secret, streamId] : m_secrets)
        if (equalInConstantTime(secret, bytes) && found.isEmpty())
            found = streamId;
    for (const auto &[secret, streamId] : m_issued)
        if (equalInConstantTime(secret, bytes) && found.isEmpty())
            found = streamId;
    if (found.isEmpty() && m_isOpenIngest && isValidStreamId(key))
        found = key;
    return found;
}

} // namespace afk::server
