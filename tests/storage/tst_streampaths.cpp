// Stream keys and file names: what may reach the disk and what never may.
#include "StreamPaths.h"

#include <QSet>
#include <QTest>

using namespace afk::storage;

class TestStreamPaths : public QObject
{
    Q_OBJECT
private slots:
    void streamKeys_data();
    void streamKeys();
    void fileNames_data();
    void fileNames();
    void generatedKeysAreValidAndDistinct();
};

void TestStreamPaths::streamKeys_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("isValid");
    QTest::newRow("hex32") << QStringLiteral("0123456789abcdef0123456789abcdef") << true;
    QTest::newRow("mixed") << QStringLiteral("My_Stream-1") << true;
    QTest::newRow("one char") << QStringLiteral("a") << true;
    QTest::newRow("64 chars") << QString(64, u'k') << true;
    QTest::newRow("65 chars") << QString(65, u'k') << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("dotdot") << QStringLiteral("..") << false;
    QTest::newRow("dot") << QStringLiteral(".") << false;
    QTest::newRow("slash") << QStringLiteral("a/b") << false;
    QTest::newRow("backslash") << QStringLiteral("a\\b") << false;
    QTest::newRow("absolute") << QStringLiteral("/etc") << false;
    QTest::newRow("nul") << QStringLiteral("ab") + QChar(0) << false;
    QTest::newRow("encoded") << QStringLiteral("%2e%2e") << false;
    QTest::newRow("space") << QStringLiteral("a b") << false;
    QTest::newRow("unicode") << QStringLiteral("stréam") << false;
}

void TestStreamPaths::streamKeys()
{
    QFETCH(QString, key);
    QFETCH(bool, isValid);
    QCOMPARE(isValidStreamKey(key), isValid);
}

void TestStreamPaths::fileNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("isSafe");
    QTest::newRow("segment") << QStringLiteral("segment_12.ts") << true;
    QTest::newRow("playlist") << QStringLiteral("index.m3u8") << true;
    QTest::newRow("rendition") << QStringLiteral("720p") << true;
    QTest::newRow("dotdot") << QStringLiteral("..") << false;
    QTest::newRow("hidden partial") << QStringLiteral(".segment_3.ts.partial") << false;
    QTest::newRow("slash") << QStringLiteral("a/b.ts") << false;
    QTest::newRow("backslash") << QStringLiteral("..\\x") << false;
    QTest::newRow("nul") << QStringLiteral("a.ts") + QChar(0) << false;
    QTest::newRow("percent") << QStringLiteral("%2e%2e") << false;
    QTest::newRow("too long") << QString(129, u'a') << false;
    QTest::newRow("empty") << QString() << false;
}

void TestStreamPaths::fileNames()
{
    QFETCH(QString, name);
    QFETCH(bool, isSafe);
    QCOMPARE(isSafeFileName(name), isSafe);
}

void TestStreamPaths::generatedKeysAreValidAndDistinct()
{
    QSet<QString> keys;
    for (int i = 0; i < 100; ++i) {
        const QString key = generateStreamKey();
        QCOMPARE(key.size(), 32);
        QVERIFY(isValidStreamKey(key));
        QCOMPARE(key, key.toLower());
        keys.insert(key);
    }
    QCOMPARE(keys.size(), 100);
}

QTEST_APPLESS_MAIN(TestStreamPaths)
#include "tst_streampaths.moc"
