// The studio's live layout switching (core/studio): the options give a composed source for
// --camera-overlay / --overlay-source and --mic beside a source without its own microphone, and
// a plain one otherwise; Studio::setLayout reaches the live composition (and only while it is
// live), without the studio holding on to a source the stream has released.
#include "CompositeSource.h"
#include "Studio.h"
#include "StudioSource.h"
#include "TestPatternSource.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace afk;

namespace {

studio::StudioOptions optionsIn(const QString &dataDir)
{
    studio::StudioOptions options;
    options.isHeadless = true;
    options.port = 0;
    options.rtmpPort = 0; // parallel test studios must not fight over RTMP's 1935
    options.dataDir = dataDir;
    options.streamKey = QStringLiteral("layout-test");
    QString error;
    options.ladder = media::parseLadder(QStringLiteral("240p"), &error);
    options.segmentSeconds = 1;
    options.x264Preset = QStringLiteral("ultrafast");
    options.retainHours = 0;
    options.statsIntervalSeconds = 0;
    return options;
}

} // namespace

class TestStudioLayout : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { av_log_set_level(AV_LOG_ERROR); }
    void optionsChooseComposition();
    void layoutSwitchesWhileLive();
};

void TestStudioLayout::optionsChooseComposition()
{
    QTemporaryDir dir;
    studio::StudioOptions options = optionsIn(dir.path());
    QString error;
    std::unique_ptr<media::MediaSource> plain = studio::makeStudioSource(options, &error);
    QVERIFY2(plain, qPrintable(error));
    QVERIFY(!dynamic_cast<media::CompositeSource *>(plain.get()));

    options.isOverlayUsed = true;
    options.overlaySource = QStringLiteral("test-pattern");
    QVERIFY(media::CompositeLayout::parseOverlay(QStringLiteral("top-right,0.2"), &options.layout,
                                                 &error));
    std::unique_ptr<media::MediaSource> composed = studio::makeStudioSource(options, &error);
    auto *composite = dynamic_cast<media::CompositeSource *>(composed.get());
    QVERIFY(composite);
    QCOMPARE(composite->layout(), options.layout);

    options.overlaySource = QStringLiteral("file:%1/missing.webm").arg(dir.path());
    QVERIFY(!studio::makeStudioSource(options, &error));
    QVERIFY2(error.contains(QStringLiteral("missing.webm")), qPrintable(error));

    QVERIFY(studio::isOverlaySourceName(QStringLiteral("screen::0+0,0,640x360"), &error));
    QVERIFY(!studio::isOverlaySourceName(QStringLiteral("screen:+1,2,3x4"), &error));
    QVERIFY(!studio::isOverlaySourceName(QStringLiteral("none"), &error));
}

void TestStudioLayout::layoutSwitchesWhileLive()
{
    QTemporaryDir dir;
    studio::Studio studio(optionsIn(dir.path()));
    QString error;
    QVERIFY2(studio.start(&error), qPrintable(error));
    const media::CompositeLayout cameraOnly{media::CompositeLayout::Scene::OverlayOnly};
    QVERIFY(!studio.setLayout(cameraOnly, &error));
    QVERIFY2(error.contains(QStringLiteral("no composed source is live")), qPrintable(error));
    QVERIFY(!studio.layout());

    QSignalSpy started(&studio, &studio::Studio::liveStarted);
    QSignalSpy segments(&studio, &studio::Studio::liveSegmentReady);
    QSignalSpy ended(&studio, &studio::Studio::liveEnded);
    media::CompositeLayout pictureInPicture;
    pictureInPicture.corner = media::CompositeLayout::Corner::TopLeft;
    QVERIFY(studio.goLive(std::make_unique<media::CompositeSource>(
                              std::make_unique<media::TestPatternSource>(480, 270),
                              std::make_unique<media::TestPatternSource>(160, 120), nullptr,
                              pictureInPicture),
                          QStringLiteral("layouts"), &error));
    QVERIFY(started.wait(30000));
    QCOMPARE(studio.layout(), pictureInPicture);
    QVERIFY2(studio.setLayout(cameraOnly, &error), qPrintable(error));
    QCOMPARE(studio.layout(), cameraOnly);
    // The stream goes on after the switch.
    QTRY_VERIFY_WITH_TIMEOUT(!segments.isEmpty(), 60000);
    studio.endLive();
    QVERIFY(ended.wait(60000));
    QCOMPARE(ended.first().first().toString(), QString());
    QVERIFY(!studio.layout());
    QVERIFY(!studio.setLayout(pictureInPicture, &error));

    // A source that is not composed has no layouts.
    QVERIFY(studio.goLive(std::make_unique<media::TestPatternSource>(480, 270),
                          QStringLiteral("plain"), &error));
    QVERIFY(!studio.layout());
    QVERIFY(!studio.setLayout(cameraOnly, &error));
    studio.endLive();
    QTRY_VERIFY_WITH_TIMEOUT(ended.size() == 2, 60000);
}

QTEST_GUILESS_MAIN(TestStudioLayout)
#include "tst_studiolayout.moc"
