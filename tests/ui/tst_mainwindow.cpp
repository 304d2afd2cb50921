// The desktop studio's main window over a real Studio core (offscreen): Go Live → End through
// clicks with the stream really encoded and served, an error shown in the window, the stream
// form kept in the settings file. AFK_SCREENSHOT=<file.png> saves the window while live.
#include "ChatDock.h"
#include "MainWindow.h"
#include "Stream.h"
#include "Studio.h"

#include <QComboBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QTableWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

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
    void settingsMenusAndChatDock();

private:
    QString settingsFile() const { return m_dir.path() + QStringLiteral("/studio.conf"); }
    template<typename T> static T *child(MainWindow &window, const char *name)
    {
        T *widget = window.findChild<T *>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no %s in the main window", name);
        return widget;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<afk::studio::Studio> m_studio;
};

void TestMainWindow::initTestCase()
{
    av_log_set_level(AV_LOG_ERROR);
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CONFIG_HOME", m_dir.path().toUtf8()); // the dialogs' stores: ours, not the user's
    afk::studio::StudioOptions options;
    options.port = 0;
    options.dataDir = m_dir.path() + QStringLiteral("/streams");
    options.streamKey = QStringLiteral("gui_test");
    options.x264Preset = QStringLiteral("ultrafast");
    options.statsIntervalSeconds = 0;
    QString error;
    options.ladder = afk::media::parseLadder(QStringLiteral("360p"), &error);
    m_studio = std::make_unique<afk::studio::Studio>(options);
    QVERIFY2(m_studio->start(&error), qPrintable(error));
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
    window.show();
    QCOMPARE(window.windowTitle(), QStringLiteral("AFK Host Studio"));
    auto *goLive = child<QPushButton>(window, "goLiveButton");
    auto *ladder = child<QComboBox>(window, "ladderPreset");
    ladder->setCurrentIndex(ladder->findData(QStringLiteral("360p,240p")));
    QCOMPARE(goLive->text(), QStringLiteral("Go Live"));

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

    // The stats panel shows it live once it refreshed (every second).
    QTRY_VERIFY_WITH_TIMEOUT(child<QLabel>(window, "streamState")->text() == u"live", 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!child<QLabel>(window, "encoderStats")->text().startsWith(u'–'), 5000);
    // Per rendition: its size, and its segments and bitrate once the first segment is done.
    auto *renditions = child<QTableWidget>(window, "renditionTable");
    QCOMPARE(renditions->rowCount(), 2);
    QCOMPARE(renditions->item(0, 1)->text(), QStringLiteral("640×360"));
    QTRY_VERIFY_WITH_TIMEOUT(renditions->item(0, 3)->text().toInt() >= 1, 10000);
    QVERIFY(renditions->item(0, 2)->text().toInt() > 0);
    if (const QString screenshot = qEnvironmentVariable("AFK_SCREENSHOT"); !screenshot.isEmpty())
        QVERIFY(window.grab().save(screenshot));

    QSignalSpy ended(m_studio.get(), &afk::studio::Studio::liveEnded);
    QTest::mouseClick(goLive, Qt::LeftButton);
    QVERIFY(ended.wait(20000));
    QVERIFY(ended.first().first().toString().isEmpty());
    QCOMPARE(goLive->text(), QStringLiteral("Go Live"));
    QVERIFY(goLive->isEnabled());
    QVERIFY(!window.isLive());
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
        auto *ladder = child<QComboBox>(window, "ladderPreset");
        ladder->setCurrentIndex(ladder->findData(QStringLiteral("480p,360p")));
    }
    MainWindow window(*m_studio, settingsFile());
    QCOMPARE(child<QLineEdit>(window, "streamTitle")->text(), QStringLiteral("Friday night build"));
    QCOMPARE(child<QComboBox>(window, "ladderPreset")->currentData().toString(), QStringLiteral("480p,360p"));
    QVERIFY(QFile::exists(settingsFile()));
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

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
