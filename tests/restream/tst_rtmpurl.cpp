// RTMP target URLs: what is accepted, and that the stream key never shows.
#include "RtmpUrl.h"

#include <QTest>

using namespace afk::restream;

class TestRtmpUrl : public QObject
{
    Q_OBJECT
private slots:
    void validation_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("isValid");
        QTest::newRow("nginx") << "rtmp://127.0.0.1:1935/live/key" << true;
        QTest::newRow("rtmps") << "rtmps://live.example:443/app/key" << true;
        QTest::newRow("youtube") << "rtmp://a.rtmp.youtube.com/live2/abcd-efgh" << true;
        QTest::newRow("no key") << "rtmp://host/live" << false;
        QTest::newRow("no host") << "rtmp:///live/key" << false;
        QTest::newRow("http") << "http://host/live/key" << false;
        QTest::newRow("garbage") << "not a url" << false;
    }
    void validation()
    {
        QFETCH(QString, url);
        QFETCH(bool, isValid);
        QString error;
        QCOMPARE(isValidRtmpUrl(url, &error), isValid);
        QCOMPARE(error.isEmpty(), isValid);
    }

    void redactionHidesTheKey()
    {
        const QString url =
            QStringLiteral("rtmp://user:pw@live.example:1935/app/sekr1t-key?x=sekr2t");
        const QString shown = redactRtmpUrl(url);
        QCOMPARE(shown, QStringLiteral("rtmp://live.example:1935/app/…"));
        QVERIFY(!shown.contains(u"sekr"));
        QVERIFY(!shown.contains(u"pw"));
        QCOMPARE(rtmpUrlSecret(url), QStringLiteral("sekr1t-key"));
        QCOMPARE(rtmpUrlSecret(QStringLiteral("rtmp://h/app/inst/key")),
                 QStringLiteral("inst/key"));
        // A key given without an application is not mistaken for one.
        QCOMPARE(redactRtmpUrl(QStringLiteral("rtmp://h/sekr1t")), QStringLiteral("rtmp://h/…"));
    }
};

QTEST_GUILESS_MAIN(TestRtmpUrl)
#include "tst_rtmpurl.moc"
