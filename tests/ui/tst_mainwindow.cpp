// The desktop studio's main window over a real Studio core (offscreen): Go Live → End through
// clicks with the stream really encoded and served, its picture in the preview and its tone on
// the meter, an error shown in the window, the stream form and device pickers kept in the
// settings file, the settings menus and chat dock, and the GUI thread's event loop staying
// responsive while live at 720p; flags given for the run preset the form, and the layout of a
// composed source changes while live; other streams the studio hosts are listed with their
// publishers. AFK_SCREENSHOT=<file.png> saves the window while live.
#include "AudioMeter.h"
#include "ChatDock.h"
#include "CompositeLayout.h"
#include "EventLoopLatency.h"
#include "HostedStreamsTable.h"
#include "MainWindow.h"
#include "PreviewTap.h"
#include "PreviewWidget.h"
#include "Stream.h"
#include "StreamRegistry.h"
#include "Studio.h"
#include "TestPatternSource.h"

#include <QComboBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QCameraDevice>
#include <QMediaDevices>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

extern "C" {
#include <libavutil/log.h>
}

using afk::ui::MainWindow;

class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void goLiveAndEndByClicks();
    void errorIsShownInTheWindow();
    void streamFormIsKept();
    void badImageUrlIsRefused();
    void settingsMenusAndChatDock();
    void devicePickersAreKept();
    void microphoneGoesWithAnySource();
    void flagsPresetTheForm();
    void layoutChangesWhileLiveOnAComposedSource();
    void eventLoopStaysResponsiveWhileLiveAt720p();
    void blockedEventLoopIsShown();
    void hostedStreamsAreListed();

private:
    QString settingsFile() const { return m_dir.path() + QStringLiteral("/studio.conf"); }
    // A second studio (port 0, its own stream key) with options as the command line makes them.
    std::unique_ptr<afk::studio::Studio> startStudio(afk::studio::StudioOptions options,
                                                     const QString &streamKey);
    static void stopStudio(afk::studio::Studio &studio);
    template<typename T> static T *child(MainWindow &window, const char *name)
    {
        T *widget = window.findChild<T *>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no %s in the main window", name);
        return widget;
    }

    // Share of sampled pixels that are clearly coloured (the placeholder is grey on grey).
    static double colouredShare(const QImage &image);

    QTemporaryDir m_dir;
    std::unique_ptr<afk::studio::Studio> m_studio;
};

double TestMainWindow::colouredShare(const QImage &image)
{
    int coloured = 0;
    int sampled = 0;
    for (int y = 0; y < image.height(); y += 7) {
        for (int x = 0; x < image.width(); x += 7) {
            ++sampled;
            if (image.pixelColor(x, y).hsvSaturation() > 120 && image.pixelColor(x, y).value() > 60)
                ++coloured;
        }
    }
    return sampled ? double(coloured) / sampled : 0;
}

void TestMainWindow::initTestCase()
{
    av_log_set_level(AV_LOG_ERROR);
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.path().toUtf8()); // the dialogs' stores: ours, not the user's
    afk::studio::StudioOptions options;
    options.port = 0;
    options.rtmpPort = 0; // parallel test studios must not fight over RTMP's 1935
    options.dataDir = m_dir.path() + QStringLiteral("/streams");
    options.streamKey = QStringLiteral("gui_test");
    options.x264Preset = QStringLiteral("ultrafast");
    options.statsIntervalSeconds = 0;
    QString error;
    options.ladder = afk::media::parseLadder(QStringLiteral("360p"), &error);
    m_studio = std::make_unique<afk::studio::Studio>(options);
    QVERIFY2(m_studio->start(&error), qPrintable(error));
}

std::unique_ptr<afk::studio::Studio> TestMainWindow::startStudio(afk::studio::StudioOptions options,
                                                                 const QString &streamKey)
{
    options.port = 0;
    options.rtmpPort = 0; // parallel test studios must not fight over RTMP's 1935
    options.dataDir = m_dir.path() + QStringLiteral("/streams");
    options.streamKey = streamKey;
    options.x264Preset = QStringLiteral("ultrafast");
    options.statsIntervalSeconds = 0;
    QString error;
    if (options.ladder.isEmpty())
        options.ladder = afk::media::parseLadder(QStringLiteral("360p"), &error);
    auto studio = std::make_unique<afk::studio::Studio>(options);
    if (!studio->start(&error))
        qFatal("the studio cannot start: %s", qPrintable(error));
    return studio;
}

void TestMainWindow::stopStudio(afk::studio::Studio &studio)
{
    QSignalSpy stopped(&studio, &afk::studio::Studio::stopped);
    studio.shutDown();
    QVERIFY(studio.isStopped() || stopped.wait(20000));
}

void TestMainWindow::cleanupTestCase()
{
    QSignalSpy stopped(m_studio.get(), &afk::studio::Studio::stopped);
    m_studio->shutDown();
    QVERIFY(m_studio->isStopped() || stopped.wait(10000));
}

void TestMainWindow::goLiveAndEndByClicks()
{
    MainWindow window(*m_studio, settingsFile());
    window.resize(1120, 720);
    window.show();
    QCOMPARE(window.windowTitle(), QStringLiteral("AFK Host Studio"));
    auto *goLive = child<QPushButton>(window, "goLiveButton");
    auto *ladder = child<QComboBox>(window, "ladderPreset");
    ladder->setCurrentIndex(ladder->findData(QStringLiteral("360p,240p")));
    QCOMPARE(goLive->text(), QStringLiteral("Go Live"));
    auto *preview = child<afk::ui::PreviewWidget>(window, "preview");
    auto *meter = child<afk::ui::AudioMeter>(window, "audioMeter");
    QVERIFY(!preview->isShowingPicture());
    QVERIFY(colouredShare(preview->grab().toImage()) < 0.01);
    QVERIFY(!meter->hasAudio());
    QCOMPARE(child<QLabel>(window, "liveStatus")->text(), QStringLiteral("Offline"));

    QSignalSpy segment(m_studio.get(), &afk::studio::Studio::liveSegmentReady);
    QTest::mouseClick(goLive, Qt::LeftButton);
    QVERIFY2(window.errorText().isEmpty(), qPrintable(window.errorText()));
    QCOMPARE(goLive->text(), QStringLiteral("End"));
    QVERIFY(segment.wait(60000));

    // What the share box offers is served: the master playlist of the stream.
    const QString masterUrl = child<QLineEdit>(window, "masterUrl")->text();
    QVERIFY2(masterUrl.endsWith(QStringLiteral("/livestream/gui_test/master.m3u8")), qPrintable(masterUrl));
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(QUrl(masterUrl)));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    const QByteArray master = reply->readAll();
    QVERIFY2(master.contains("360p/index.m3u8") && master.contains("240p/index.m3u8"), master.constData());
    reply->deleteLater();
    // The event loop's lateness is in /metrics too.
    QNetworkReply *metricsReply =
        network.get(QNetworkRequest(QUrl(m_studio->baseUrl() + QStringLiteral("/metrics"))));
    QSignalSpy metricsFinished(metricsReply, &QNetworkReply::finished);
    QVERIFY(metricsFinished.wait(10000));
    const QByteArray metrics = metricsReply->readAll();
    QVERIFY2(metrics.contains("afk_event_loop_lateness_seconds{quantile=\"0.99\"} "),
             metrics.constData());
    metricsReply->deleteLater();

    // The stats panel shows it live once it refreshed (every second).
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(window, "streamState")->text() == u"live", 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!child<QLabel>(window, "encoderStats")->text().startsWith(u'–'), 5000);
    // Per rendition: its size, and its segments and bitrate once the first segment is done.
    auto *renditions = child<QTableWidget>(window, "renditionTable");
    QCOMPARE(renditions->rowCount(), 2);
    QCOMPARE(renditions->item(0, 1)->text(), QStringLiteral("640×360"));
    QTRY_VERIFY_WITH_TIMEOUT(renditions->item(0, 3)->text().toInt() >= 1, 10000);
    QVERIFY(renditions->item(0, 2)->text().toInt() > 0);

    // The preview shows the test pattern's colour bars, not the grey placeholder.
    QTRY_VERIFY_WITH_TIMEOUT(preview->isShowingPicture(), 10000);
    const double coloured = colouredShare(preview->grab().toImage());
    QVERIFY2(coloured > 0.2, qPrintable(QString::number(coloured)));
    // The meter shows its tone (a 0.25 sine: peak -12 dBFS, RMS -15 dBFS) in the green zone.
    // (Polled: a ladder thread starved by a busy machine may leave it a moment without sound.)
    const auto meterText = [meter] {
        return QStringLiteral("peak %1 RMS %2").arg(meter->peakDbfs()).arg(meter->rmsDbfs());
    };
    QTRY_VERIFY2_WITH_TIMEOUT(meter->hasAudio() && meter->peakDbfs() > -13
                                  && meter->peakDbfs() < -11 && meter->rmsDbfs() > -16
                                  && meter->rmsDbfs() < -14,
                              qPrintable(meterText()), 10000);
    const QImage meterImage = meter->grab().toImage();
    const QColor lit = meterImage.pixelColor(meterImage.width() / 4, meterImage.height() / 2);
    QVERIFY2(lit.green() > 150 && lit.red() < 100, qPrintable(lit.name()));
    // The status bar: LIVE with its clock, then the numbers.
    auto *liveStatus = child<QLabel>(window, "liveStatus");
    QTRY_VERIFY_WITH_TIMEOUT(liveStatus->text().startsWith(u"LIVE 00:"), 5000);
    QVERIFY2(liveStatus->text().contains(u" fps"), qPrintable(liveStatus->text()));
    // The Low-Latency master is offered once it lists every rendition.
    QTRY_VERIFY_WITH_TIMEOUT(
        child<QLineEdit>(window, "lowLatencyUrl")->text().endsWith(u"/livestream/gui_test/ll.m3u8"),
        20000);
    if (const QString screenshot = qEnvironmentVariable("AFK_SCREENSHOT"); !screenshot.isEmpty())
        QVERIFY(window.grab().save(screenshot));
    // A plain source has no composition to change: the window says so, the stream goes on.
    auto *scene = child<QComboBox>(window, "layoutScene");
    scene->setCurrentIndex(scene->findData(QStringLiteral("test-pattern")));
    QVERIFY2(window.errorText().contains(u"cannot change while live"),
             qPrintable(window.errorText()));
    QVERIFY(window.isLive());
    scene->setCurrentIndex(scene->findData(QStringLiteral("main")));

    QSignalSpy ended(m_studio.get(), &afk::studio::Studio::liveEnded);
    QTest::mouseClick(goLive, Qt::LeftButton);
    QVERIFY(ended.wait(20000));
    QVERIFY(ended.first().first().toString().isEmpty());
    QCOMPARE(goLive->text(), QStringLiteral("Go Live"));
    QVERIFY(goLive->isEnabled());
    QVERIFY(!window.isLive());
    QTRY_VERIFY_WITH_TIMEOUT(!preview->isShowingPicture(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(liveStatus->text(), QStringLiteral("Offline"), 5000);
}

void TestMainWindow::errorIsShownInTheWindow()
{
    MainWindow window(*m_studio, settingsFile());
    window.show();
    auto *source = child<QComboBox>(window, "sourcePicker");
    source->setCurrentIndex(source->findData(QStringLiteral("file")));
    child<QLineEdit>(window, "filePath")->setText(QStringLiteral("/nonexistent/talk.webm"));
    QTest::mouseClick(child<QPushButton>(window, "goLiveButton"), Qt::LeftButton);
    auto *error = child<QLabel>(window, "errorLabel");
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("cannot read /nonexistent/talk.webm")),
             qPrintable(error->text()));
    QVERIFY(!window.isLive());
    QCOMPARE(child<QPushButton>(window, "goLiveButton")->text(), QStringLiteral("Go Live"));
}

void TestMainWindow::streamFormIsKept()
{
    {
        MainWindow window(*m_studio, settingsFile());
        child<QLineEdit>(window, "streamTitle")->setText(QStringLiteral("Friday night build"));
        child<QLineEdit>(window, "streamSummary")->setText(QStringLiteral("Rust and lo-fi"));
        child<QLineEdit>(window, "streamImageUrl")->setText(QStringLiteral("https://img.example/c.png"));
        child<QLineEdit>(window, "streamTags")->setText(QStringLiteral("#coding, music"));
        auto *ladder = child<QComboBox>(window, "ladderPreset");
        ladder->setCurrentIndex(ladder->findData(QStringLiteral("480p,360p")));
    }
    MainWindow window(*m_studio, settingsFile());
    QCOMPARE(child<QLineEdit>(window, "streamTitle")->text(), QStringLiteral("Friday night build"));
    QCOMPARE(child<QLineEdit>(window, "streamSummary")->text(), QStringLiteral("Rust and lo-fi"));
    QCOMPARE(child<QLineEdit>(window, "streamImageUrl")->text(), QStringLiteral("https://img.example/c.png"));
    QCOMPARE(child<QLineEdit>(window, "streamTags")->text(), QStringLiteral("#coding, music"));
    QCOMPARE(child<QComboBox>(window, "ladderPreset")->currentData().toString(), QStringLiteral("480p,360p"));
    QVERIFY(QFile::exists(settingsFile()));
}

void TestMainWindow::badImageUrlIsRefused()
{
    // The live event's image must be a web URL: anything else is said in the window, and
    // nothing goes live.
    MainWindow window(*m_studio, settingsFile());
    window.show();
    auto *image = child<QLineEdit>(window, "streamImageUrl");
    image->setText(QStringLiteral("file:///etc/passwd"));
    QTest::mouseClick(child<QPushButton>(window, "goLiveButton"), Qt::LeftButton);
    QVERIFY2(window.errorText().contains(u"Image URL"), qPrintable(window.errorText()));
    QVERIFY(!m_studio->liveStream() || !m_studio->liveStream()->isActive());
    image->clear();
}

void TestMainWindow::settingsMenusAndChatDock()
{
    MainWindow window(*m_studio, settingsFile());
    window.show();
    QStringList entries;
    for (QAction *menu : window.menuBar()->actions())
        for (QAction *action : menu->menu()->actions())
            entries << menu->text() + u'/' + action->text();
    for (const char *entry : {"&Settings/&Keys…", "&Settings/&Relays…", "&Settings/&Storage…", "&View/Chat"})
        QVERIFY2(entries.contains(QString::fromUtf8(entry)), qPrintable(entries.join(u',')));

    // Without relays the chat is off, and says what turns it on.
    auto *chat = child<afk::ui::ChatDock>(window, "chatDock");
    QVERIFY(!chat->findChild<QPushButton *>(QStringLiteral("chatSend"))->isEnabled());
    QVERIFY2(chat->hintText().contains(QStringLiteral("Nostr is off")), qPrintable(chat->hintText()));

    // Settings → Relays… opens its dialog over this window's settings file.
    const auto settingsMenu = window.menuBar()->actions().first()->menu();
    settingsMenu->actions().at(1)->trigger();
    auto *relays = window.findChild<QDialog *>(QStringLiteral("relaysDialog"));
    QVERIFY(relays && relays->isVisible());
    relays->reject();
}

void TestMainWindow::devicePickersAreKept()
{
    const auto sourceValue = [](MainWindow &window) {
        return child<QComboBox>(window, "sourcePicker")->currentData().toString();
    };
    {
        MainWindow window(*m_studio, settingsFile());
        auto *source = child<QComboBox>(window, "sourcePicker");
        auto *microphone = child<QComboBox>(window, "microphonePicker");
        QCOMPARE(microphone->itemText(0), QStringLiteral("No microphone"));
        if (QMediaDevices::videoInputs().isEmpty()) {
            // No camera on this machine: said so by an entry that cannot be chosen.
            const int index = source->findText(QStringLiteral("No camera found"));
            QVERIFY(index >= 0);
            auto *model = qobject_cast<QStandardItemModel *>(source->model());
            QVERIFY(model && !model->item(index)->isEnabled());
        }
        source->setCurrentIndex(source->findData(QStringLiteral("screen")));
        // The microphone goes with any source.
        QVERIFY(microphone->isEnabled());
    }
    {
        MainWindow window(*m_studio, settingsFile());
        QCOMPARE(sourceValue(window), QStringLiteral("screen"));
    }
    // A camera and microphone chosen earlier that are not connected now stay chosen (not
    // silently replaced by the test pattern), and going live says what is missing.
    {
        QSettings settings(settingsFile(), QSettings::IniFormat);
        settings.setValue(QStringLiteral("stream/source"), QStringLiteral("camera:gone-camera"));
        settings.setValue(QStringLiteral("stream/microphone"), QStringLiteral("gone-microphone"));
    }
    MainWindow window(*m_studio, settingsFile());
    window.show();
    QCOMPARE(sourceValue(window), QStringLiteral("camera:gone-camera"));
    auto *microphone = child<QComboBox>(window, "microphonePicker");
    QVERIFY(microphone->isEnabled());
    QCOMPARE(microphone->currentData().toString(), QStringLiteral("gone-microphone"));
    QCOMPARE(microphone->currentText(), QStringLiteral("Microphone (not connected)"));
    QSignalSpy ended(m_studio.get(), &afk::studio::Studio::liveEnded);
    QTest::mouseClick(child<QPushButton>(window, "goLiveButton"), Qt::LeftButton);
    QVERIFY(ended.wait(20000) || !ended.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(window.errorText().contains(u"gone-"), 5000);
    auto *liveStatus = child<QLabel>(window, "liveStatus");
    QTRY_VERIFY_WITH_TIMEOUT(liveStatus->text().startsWith(u"Error: "), 5000);
    // Restore the test pattern for the tests that follow.
    auto *source = child<QComboBox>(window, "sourcePicker");
    source->setCurrentIndex(source->findData(QStringLiteral("test-pattern")));
    microphone->setCurrentIndex(0);
}

void TestMainWindow::eventLoopStaysResponsiveWhileLiveAt720p()
{
    // The GUI thread only routes signals and paints the preview: encoding, segment writing and
    // network waits are on other threads, so its timers stay on time while 720p is encoded. A
    // GUI thread doing encoder work would be hundreds of ms late.
    constexpr double p99BoundMs = 50;
    MainWindow window(*m_studio, settingsFile());
    window.resize(1120, 720);
    window.show();
    auto *source = child<QComboBox>(window, "sourcePicker");
    source->setCurrentIndex(source->findData(QStringLiteral("test-pattern")));
    auto *ladder = child<QComboBox>(window, "ladderPreset");
    ladder->setCurrentIndex(ladder->findData(QStringLiteral("720p,480p,360p")));
    QSignalSpy started(m_studio.get(), &afk::studio::Studio::liveStarted);
    QTest::mouseClick(child<QPushButton>(window, "goLiveButton"), Qt::LeftButton);
    QVERIFY2(window.errorText().isEmpty(), qPrintable(window.errorText()));
    QVERIFY(started.wait(60000));
    QCOMPARE(m_studio->liveStream()->stats().renditions.first().height, 720);

    // 1000 ticks of 10 ms: about ten seconds live, preview and meter updating meanwhile.
    afk::studio::EventLoopLatency probe(10, 1000);
    probe.start();
    const qint64 framesBefore = m_studio->liveStream()->stats().renditions.first().framesEncoded;
    QTRY_VERIFY_WITH_TIMEOUT(probe.summary().sampleCount >= 1000, 60000);
    const afk::studio::EventLoopLatency::Summary latency = probe.summary();
    const qint64 framesEncoded =
        m_studio->liveStream()->stats().renditions.first().framesEncoded - framesBefore;
    qInfo("GUI event loop while live at 720p (%lld frames encoded at 720p meanwhile): lateness "
          "p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d ticks",
          framesEncoded, latency.p50Ms, latency.p99Ms, latency.maxMs, latency.sampleCount);
    QVERIFY2(framesEncoded > 0, "nothing was encoded during the measurement");
    QVERIFY2(latency.p99Ms < p99BoundMs, qPrintable(QString::number(latency.p99Ms)));
    // The studio's own probe, shown in the stats panel, measured the same loop.
    auto *eventLoopStats = child<QLabel>(window, "eventLoopStats");
    QTRY_VERIFY_WITH_TIMEOUT(eventLoopStats->text().startsWith(u"p50 "), 5000);

    QSignalSpy ended(m_studio.get(), &afk::studio::Studio::liveEnded);
    QTest::mouseClick(child<QPushButton>(window, "goLiveButton"), Qt::LeftButton);
    QVERIFY(ended.wait(20000));
}

void TestMainWindow::blockedEventLoopIsShown()
{
    // What the probe is for: a GUI thread held by work (here a 300 ms sleep) shows up as that
    // much lateness in the stats panel.
    MainWindow window(*m_studio, settingsFile());
    window.show();
    QThread::msleep(300);
    QTRY_VERIFY_WITH_TIMEOUT(m_studio->eventLoopLatency().summary().maxMs >= 250, 5000);
    auto *label = child<QLabel>(window, "eventLoopStats");
    const auto shownMaxMs = [label] {
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral("max ([0-9.]+) ms")).match(label->text());
        return match.hasMatch() ? match.captured(1).toDouble() : 0.0;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(shownMaxMs() >= 250, qPrintable(label->text()), 5000);
}

void TestMainWindow::microphoneGoesWithAnySource()
{
    MainWindow window(*m_studio, settingsFile());
    window.show();
    auto *source = child<QComboBox>(window, "sourcePicker");
    source->setCurrentIndex(source->findData(QStringLiteral("test-pattern")));
    auto *microphone = child<QComboBox>(window, "microphonePicker");
    QVERIFY(microphone->isEnabled());
    // A microphone with the test pattern is really used: a missing one ends the stream naming
    // it, rather than the test pattern's tone going out silently instead.
    {
        QSettings settings(settingsFile(), QSettings::IniFormat);
        settings.setValue(QStringLiteral("stream/microphone"), QStringLiteral("gone-microphone"));
    }
    MainWindow reloaded(*m_studio, settingsFile());
    reloaded.show();
    QCOMPARE(child<QComboBox>(reloaded, "sourcePicker")->currentData().toString(),
             QStringLiteral("test-pattern"));
    QSignalSpy ended(m_studio.get(), &afk::studio::Studio::liveEnded);
    QVERIFY2(reloaded.goLive(), qPrintable(reloaded.errorText()));
    QVERIFY(ended.wait(20000) || !ended.isEmpty());
    QTRY_VERIFY2_WITH_TIMEOUT(reloaded.errorText().contains(u"gone-microphone"),
                              qPrintable(reloaded.errorText()), 5000);
    child<QComboBox>(reloaded, "microphonePicker")->setCurrentIndex(0);
}

void TestMainWindow::flagsPresetTheForm()
{
    // The saved form says test pattern, 720p…; the run's flags say the screen and 360p.
    {
        QSettings settings(settingsFile(), QSettings::IniFormat);
        settings.setValue(QStringLiteral("stream/source"), QStringLiteral("test-pattern"));
        settings.setValue(QStringLiteral("stream/ladder"), QStringLiteral("720p,480p,360p"));
        settings.setValue(QStringLiteral("stream/overlay"), QString());
    }
    afk::studio::StudioOptions options;
    QString error;
    options.sourceKind = afk::studio::StudioOptions::SourceKind::Screen;
    options.screenSpec = QStringLiteral(":0+0,0,640x360");
    options.ladder = afk::media::parseLadder(QStringLiteral("360p"), &error);
    options.isOverlayUsed = true;
    options.overlaySource = QStringLiteral("test-pattern");
    QVERIFY(afk::media::CompositeLayout::parseOverlay(QStringLiteral("top-left,0.3"),
                                                      &options.layout, &error));
    // The push's stream key must not show in the stats (the target is redacted as in /status).
    options.rtmpPushUrls = {QStringLiteral("rtmp://127.0.0.1:9/app/sekrit-stream-key")};
    options.explicitFlags = {QStringLiteral("source"), QStringLiteral("ladder"),
                             QStringLiteral("camera-overlay"), QStringLiteral("overlay-source"),
                             QStringLiteral("rtmp-push")};
    auto studio = startStudio(options, QStringLiteral("gui_flags"));
    {
        MainWindow window(*studio, settingsFile());
        window.show();
        QCOMPARE(child<QComboBox>(window, "sourcePicker")->currentData().toString(),
                 QStringLiteral("screen"));
        QCOMPARE(child<QComboBox>(window, "ladderPreset")->currentData().toString(),
                 QStringLiteral("360p"));
        QCOMPARE(child<QComboBox>(window, "overlayPicker")->currentData().toString(),
                 QStringLiteral("test-pattern"));
        QCOMPARE(child<QComboBox>(window, "layoutScene")->currentData().toString(),
                 QStringLiteral("picture-in-picture"));
        QCOMPARE(child<QComboBox>(window, "layoutCorner")->currentData().toString(),
                 QStringLiteral("top-left"));
        const QString restream = child<QLabel>(window, "restreamStats")->text();
        QVERIFY2(restream.contains(u"127.0.0.1:9") && !restream.contains(u"sekrit"),
                 qPrintable(restream));
        QCOMPARE(child<QLabel>(window, "uploadStats")->text(), QStringLiteral("none configured"));
    }
    // The preset is for the run: the saved form stays for runs without the flags.
    {
        QSettings settings(settingsFile(), QSettings::IniFormat);
        QCOMPARE(settings.value(QStringLiteral("stream/source")).toString(),
                 QStringLiteral("test-pattern"));
        QCOMPARE(settings.value(QStringLiteral("stream/overlay")).toString(), QString());
    }
    // Flags that were not given leave the saved form alone.
    options.explicitFlags = {QStringLiteral("ladder")};
    options.rtmpPushUrls.clear();
    stopStudio(*studio);
    studio = startStudio(options, QStringLiteral("gui_flags"));
    MainWindow window(*studio, settingsFile());
    QCOMPARE(child<QComboBox>(window, "sourcePicker")->currentData().toString(),
             QStringLiteral("test-pattern"));
    QCOMPARE(child<QComboBox>(window, "overlayPicker")->currentData().toString(), QString());
    QCOMPARE(child<QComboBox>(window, "ladderPreset")->currentData().toString(),
             QStringLiteral("360p"));
    stopStudio(*studio);

    // --source camera with no camera: going live says so instead of streaming the saved source.
    if (!QMediaDevices::videoInputs().isEmpty())
        return;
    afk::studio::StudioOptions cameraOptions;
    cameraOptions.sourceKind = afk::studio::StudioOptions::SourceKind::Camera;
    cameraOptions.explicitFlags = {QStringLiteral("source")};
    auto cameraStudio = startStudio(cameraOptions, QStringLiteral("gui_camera"));
    {
        MainWindow cameraWindow(*cameraStudio, settingsFile());
        cameraWindow.show();
        QVERIFY(!cameraWindow.goLive());
        QVERIFY2(cameraWindow.errorText().contains(u"no camera found"),
                 qPrintable(cameraWindow.errorText()));
    }
    stopStudio(*cameraStudio);
}

void TestMainWindow::layoutChangesWhileLiveOnAComposedSource()
{
    // --source test-pattern --overlay-source test-pattern: the overlay's colour bars in the
    // bottom-right corner, where the main picture is black below its bars.
    {
        QSettings settings(settingsFile(), QSettings::IniFormat);
        settings.setValue(QStringLiteral("stream/microphone"), QString());
    }
    afk::studio::StudioOptions options;
    options.isOverlayUsed = true;
    options.overlaySource = QStringLiteral("test-pattern");
    options.explicitFlags = {QStringLiteral("source"), QStringLiteral("overlay-source")};
    auto studio = startStudio(options, QStringLiteral("gui_layout"));
    MainWindow window(*studio, settingsFile());
    window.show();
    QSignalSpy segment(studio.get(), &afk::studio::Studio::liveSegmentReady);
    QVERIFY2(window.goLive(), qPrintable(window.errorText()));
    QVERIFY(segment.wait(60000));

    const auto cornerColouredShare = [&studio] {
        const afk::session::Stream *stream = studio->liveStream();
        const afk::media::PreviewTap *tap = stream ? stream->preview() : nullptr;
        const QImage image = tap ? tap->latest() : QImage();
        if (image.isNull())
            return -1.0;
        // The overlay's bars: the top two thirds of where the default layout puts it.
        const QRect overlay = afk::media::CompositeLayout{}.overlayRect(image.size(), image.size());
        const QRect bars(overlay.left() + 2, overlay.top() + 2, overlay.width() - 4,
                         overlay.height() * 2 / 3 - 4);
        return colouredShare(image.copy(bars));
    };
    QTRY_VERIFY2_WITH_TIMEOUT(cornerColouredShare() > 0.3,
                              qPrintable(QString::number(cornerColouredShare())), 20000);

    auto *scene = child<QComboBox>(window, "layoutScene");
    scene->setCurrentIndex(scene->findData(QStringLiteral("main")));
    QVERIFY2(window.errorText().isEmpty(), qPrintable(window.errorText()));
    QVERIFY(studio->layout().has_value());
    QCOMPARE(studio->layout()->scene, afk::media::CompositeLayout::Scene::MainOnly);
    QTRY_VERIFY2_WITH_TIMEOUT(cornerColouredShare() >= 0 && cornerColouredShare() < 0.05,
                              qPrintable(QString::number(cornerColouredShare())), 20000);
    // The stream goes on: more segments come after the switch.
    segment.clear();
    QTRY_VERIFY_WITH_TIMEOUT(segment.size() >= 2, 60000);
    QVERIFY(window.isLive());
    // The overlay cannot change while live (the source is built); the layout can.
    QVERIFY(!child<QComboBox>(window, "overlayPicker")->isEnabled());

    QSignalSpy ended(studio.get(), &afk::studio::Studio::liveEnded);
    window.endLive();
    QVERIFY(ended.wait(20000));
    QVERIFY2(ended.first().first().toString().isEmpty(),
             qPrintable(ended.first().first().toString()));
    auto *overlay = child<QComboBox>(window, "overlayPicker");
    QVERIFY(overlay->isEnabled());
    overlay->setCurrentIndex(0); // no overlay for the tests that follow
    stopStudio(*studio);
}


void TestMainWindow::hostedStreamsAreListed()
{
    MainWindow window(*m_studio, settingsFile());
    window.show();
    auto *table = child<QTableWidget>(window, "hostedStreamTable");
    QVERIFY(!table->isVisible()); // nothing hosted
    afk::session::StreamRegistry &registry = m_studio->registry();
    QString error;
    // A browser host's stream: created, then its recording begins (its EBML header's first
    // bytes) and it waits for the rest of its first cluster.
    QVERIFY2(registry.createStream(QStringLiteral("hosted_browser"), QStringLiteral("host1"),
                                   QStringLiteral("host1"), QStringLiteral("Browser"), &error),
             qPrintable(error));
    QTRY_COMPARE(table->rowCount(), 1);
    QCOMPARE(table->item(0, afk::ui::HostedStreamsTable::Publisher)->text(),
             QStringLiteral("none yet"));
    QVERIFY2(registry.ingest(QStringLiteral("hosted_browser"), QByteArray::fromHex("1a45dfa3"),
                             &error),
             qPrintable(error));
    // A stream run on the studio itself (as a headless studio's own): live, encoding.
    afk::session::Stream *pattern = registry.startStream(
        QStringLiteral("hosted_pattern"), QStringLiteral("tester"), QStringLiteral("Pattern"),
        std::make_unique<afk::media::TestPatternSource>(320, 240, 30, true, 0), &error);
    QVERIFY2(pattern, qPrintable(error));

    QTRY_COMPARE(table->rowCount(), 2);
    QVERIFY(table->isVisible());
    const auto rowOf = [&](const QString &key) {
        for (int row = 0; row < table->rowCount(); ++row) {
            if (table->item(row, afk::ui::HostedStreamsTable::Key)->text() == key)
                return row;
        }
        return -1;
    };
    const auto cell = [&](const QString &key, int column) {
        const int row = rowOf(key);
        return row < 0 ? QString() : table->item(row, column)->text();
    };
    QCOMPARE(cell(QStringLiteral("hosted_browser"), afk::ui::HostedStreamsTable::Publisher),
             QStringLiteral("browser host"));
    QCOMPARE(cell(QStringLiteral("hosted_browser"), afk::ui::HostedStreamsTable::State),
             QStringLiteral("waiting"));
    QCOMPARE(cell(QStringLiteral("hosted_pattern"), afk::ui::HostedStreamsTable::Publisher),
             QStringLiteral("this studio"));
    QCOMPARE(cell(QStringLiteral("hosted_pattern"), afk::ui::HostedStreamsTable::InKbps),
             QStringLiteral("–")); // nothing comes in over the network
    QTRY_COMPARE(cell(QStringLiteral("hosted_pattern"), afk::ui::HostedStreamsTable::State),
                 QStringLiteral("live"));
    QTRY_VERIFY(cell(QStringLiteral("hosted_pattern"), afk::ui::HostedStreamsTable::OutFps)
                    .toDouble()
                > 0);
    // The streamer's own stream is not a hosted one: the stats panel shows it above.
    QVERIFY(rowOf(m_studio->options().streamKey) < 0);

    QSignalSpy ended(&registry, &afk::session::StreamRegistry::streamEnded);
    registry.find(QStringLiteral("hosted_browser"))->stop();
    pattern->stop();
    QTRY_COMPARE_WITH_TIMEOUT(ended.size(), 2, 20000);
    QTRY_VERIFY(!table->isVisible());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
