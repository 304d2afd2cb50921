// RtmpKeyBook: key file lines map secrets to stream ids; bad lines fail with their line number
// and never the secret; --open-ingest takes a valid key as the stream id.
#include "RtmpKeyBook.h"

#include <QTest>

using afk::server::RtmpKeyBook;

class TestRtmpKeyBook : public QObject
{
    Q_OBJECT
private slots:
    void mapsSecretsToStreams();
    void badLinesNameTheLineNotTheSecret_data();
    void badLinesNameTheLineNotTheSecret();
    void openIngestTakesTheKeyAsId();
    void issuedKeysAreFreshAndReplaceTheStreamsLast();
};

void TestRtmpKeyBook::mapsSecretsToStreams()
{
    RtmpKeyBook keys;
    QString error;
    QVERIFY2(
        keys.parse("# comment\n\n  s3cret-a   show_one \r\ns3cret-b show-two\n", "keys", &error),
        qPrintable(error));
    QCOMPARE(keys.size(), 2);
    QCOMPARE(keys.streamIdFor("s3cret-a"), QStringLiteral("show_one"));
    QCOMPARE(keys.streamIdFor("s3cret-b"), QStringLiteral("show-two"));
    QVERIFY(keys.streamIdFor("s3cret-").isEmpty());
    QVERIFY(keys.streamIdFor("show_one").isEmpty()); // the id is not a key
    QVERIFY(keys.streamIdFor({}).isEmpty());
}

void TestRtmpKeyBook::badLinesNameTheLineNotTheSecret_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("reason");
    QTest::newRow("one field") << QByteArray("ok id\nhunter2\n") << "keys line 2: expected";
    QTest::newRow("three fields") << QByteArray("hunter2 id extra") << "keys line 1: expected";
    QTest::newRow("bad stream id") << QByteArray("hunter2 ../etc") << "invalid stream id";
    QTest::newRow("slash in secret") << QByteArray("hunter/2 id") << "cannot contain";
}

void TestRtmpKeyBook::badLinesNameTheLineNotTheSecret()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, reason);
    RtmpKeyBook keys;
    QString error;
    QVERIFY(!keys.parse(text, QStringLiteral("keys"), &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY2(!error.contains("hunter"), qPrintable(error));
}

void TestRtmpKeyBook::openIngestTakesTheKeyAsId()
{
    RtmpKeyBook keys;
    QString error;
    QVERIFY(keys.parse("s3cret mapped\n", "keys", &error));
    QVERIFY(keys.streamIdFor("anyname").isEmpty());
    keys.setOpenIngest(true);
    QCOMPARE(keys.streamIdFor("anyname"), QStringLiteral("anyname"));
    QCOMPARE(keys.streamIdFor("s3cret"), QStringLiteral("mapped")); // the file still wins
    QVERIFY(keys.streamIdFor("not a/valid id").isEmpty());
}

void TestRtmpKeyBook::issuedKeysAreFreshAndReplaceTheStreamsLast()
{
    RtmpKeyBook keys;
    QString error;
    QVERIFY(keys.parse("s3cret show\n", "keys", &error));
    const QString first = keys.issue(QStringLiteral("show"));
    const QString other = keys.issue(QStringLiteral("other"));
    QCOMPARE(first.size(), 32);
    QVERIFY2(!first.contains(u'/') && !first.contains(u'?') && !first.contains(u'='),
             qPrintable(first));
    QVERIFY(first != other);
    QCOMPARE(keys.streamIdFor(first), QStringLiteral("show"));
    QCOMPARE(keys.streamIdFor(other), QStringLiteral("other"));
    // A new key for a stream retires its previous one; the key file's stays.
    const QString second = keys.issue(QStringLiteral("show"));
    QVERIFY(second != first);
    QVERIFY(keys.streamIdFor(first).isEmpty());
    QCOMPARE(keys.streamIdFor(second), QStringLiteral("show"));
    QCOMPARE(keys.streamIdFor("s3cret"), QStringLiteral("show"));
    QCOMPARE(keys.size(), 3);
    // Bounded: the oldest issued keys are forgotten first.
    for (qsizetype i = 0; i < RtmpKeyBook::maxIssuedKeys; ++i)
        keys.issue(QStringLiteral("s%1").arg(i));
    QVERIFY(keys.streamIdFor(other).isEmpty());
    QCOMPARE(keys.size(), 1 + RtmpKeyBook::maxIssuedKeys);
}

QTEST_GUILESS_MAIN(TestRtmpKeyBook)
#include "tst_rtmpkeybook.moc"
