// Spec test vectors for the afk_nostr tests: files of tests/data (see its README for sources).
#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <array>
#include <utility>

namespace afk::nostr::test
{

// Path of a file in tests/data (AFK_TEST_DATA_DIR is compiled in by afk_add_qtest).
inline QString testDataPath(const QString &name)
{
    return QStringLiteral(AFK_TEST_DATA_DIR "/") + name;
}

// The whole file, or an empty array (with *error) when it cannot be read.
inline QByteArray readTestData(const QString &name, QString *error)
{
    const QString path = testDataPath(name);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return {};
    }
    return file.readAll();
}

// Non-empty lines that are not comments ('#').
inline QStringList dataLines(const QByteArray &text)
{
    QStringList lines;
    for (const QString &line : QString::fromUtf8(text).split(QLatin1Char('\n'))) {
        const QString trimmed = line.trimmed();
        if (!trimmed.isEmpty() && !trimmed.startsWith(QLatin1Char('#')))
            lines.append(trimmed);
    }
    return lines;
}

// The "<encoded> <hex>" vectors of nostr-keys.txt (NIP-19 keys and NIP-49 ncryptsec), as pairs;
// empty (with *error) when the file cannot be read.
inline QList<std::pair<QString, QString>> keyVectors(QString *error)
{
    QList<std::pair<QString, QString>> vectors;
    for (const QString &line : dataLines(readTestData(QStringLiteral("nostr-keys.txt"), error))) {
        const QStringList fields = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() == 2)
            vectors.append({fields[0], fields[1]});
    }
    return vectors;
}

} // namespace afk::nostr::test
