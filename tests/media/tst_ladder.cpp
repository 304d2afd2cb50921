// Ladder parsing and fitting to a source: known rungs only, highest first, never upscaled.
#include "Ladder.h"

#include <QTest>

using namespace afk::media;

class TestLadder : public QObject
{
    Q_OBJECT
private slots:
    void parsesAndSorts();
    void rejects_data();
    void rejects();
    void fitsWithoutUpscaling_data();
    void fitsWithoutUpscaling();
    void tinySourceGetsOneRung();
};

void TestLadder::parsesAndSorts()
{
    QString error;
    const QList<Rendition> ladder = parseLadder(QStringLiteral("360p, 1080P,480p"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(ladderToText(ladder), QStringLiteral("1080p,480p,360p"));
    QCOMPARE(ladder[0].videoBitrateKbps, 5000);
    QCOMPARE(ladder[1].videoBitrateKbps, 1500);
    QCOMPARE(ladder[2].videoBitrateKbps, 800);
    QVERIFY(ladder[2].maxBitrateKbps > ladder[2].videoBitrateKbps);
    QVERIFY(ladder[2].bufferSizeKbits >= ladder[2].maxBitrateKbps);
}

void TestLadder::rejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("empty") << QString() << QStringLiteral("empty");
    QTest::newRow("commas only") << QStringLiteral(",,") << QStringLiteral("empty");
    QTest::newRow("unknown") << QStringLiteral("720p,4k") << QStringLiteral("unknown rung '4k'");
    QTest::newRow("duplicate") << QStringLiteral("720p,720p") << QStringLiteral("twice");
    QTest::newRow("no unit") << QStringLiteral("720") << QStringLiteral("unknown");
}

void TestLadder::rejects()
{
    QFETCH(QString, text);
    QFETCH(QString, errorPart);
    QString error;
    QVERIFY(parseLadder(text, &error).isEmpty());
    QVERIFY2(error.contains(errorPart), qPrintable(error));
}

void TestLadder::fitsWithoutUpscaling_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<QString>("expected"); // name:WxH, ...
    QTest::newRow("720p source") << 1280 << 720 << QStringLiteral("720p:1280x720,480p:854x480,360p:640x360");
    QTest::newRow("1080p source") << 1920 << 1080 << QStringLiteral("720p:1280x720,480p:854x480,360p:640x360");
    QTest::newRow("480p source") << 640 << 480 << QStringLiteral("480p:640x480,360p:480x360");
    QTest::newRow("360p 16:9") << 640 << 360 << QStringLiteral("360p:640x360");
    QTest::newRow("portrait") << 720 << 1280 << QStringLiteral("720p:406x720,480p:270x480,360p:202x360");
}

void TestLadder::fitsWithoutUpscaling()
{
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(QString, expected);
    QString error;
    const QList<Rendition> fitted =
        fitLadderToSource(parseLadder(QStringLiteral("720p,480p,360p"), &error), width, height);
    QStringList described;
    for (const Rendition &rendition : fitted) {
        QCOMPARE(rendition.width % 2, 0);
        QCOMPARE(rendition.height % 2, 0);
        described << QStringLiteral("%1:%2x%3").arg(rendition.name).arg(rendition.width).arg(rendition.height);
    }
    QCOMPARE(described.join(u','), expected);
}

void TestLadder::tinySourceGetsOneRung()
{
    QString error;
    const QList<Rendition> fitted =
        fitLadderToSource(parseLadder(QStringLiteral("720p,360p"), &error), 321, 241);
    QCOMPARE(fitted.size(), 1);
    QCOMPARE(fitted[0].height, 242);
    QCOMPARE(fitted[0].width, 322);
    QCOMPARE(fitted[0].name, QStringLiteral("242p"));
    QVERIFY(fitted[0].videoBitrateKbps < 800);
    QVERIFY(fitLadderToSource({}, 1280, 720).isEmpty());
}

QTEST_APPLESS_MAIN(TestLadder)
#include "tst_ladder.moc"
