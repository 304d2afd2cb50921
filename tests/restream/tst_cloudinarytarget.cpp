// CloudinaryTarget's pure parts: the object key → public id → public URL mapping (raw resources,
// the extension kept) and how uploader outcomes count for the upload queue.
#include "CloudinaryTarget.h"
#include "UploadQueue.h"

#include <QSignalSpy>
#include <QTest>

using afk::restream::CloudinaryCredentials;
using afk::restream::CloudinaryTarget;
using afk::restream::CloudinaryUploadOutcome;
using afk::storage::UploadQueue;
using afk::storage::UploadResult;

namespace {

CloudinaryCredentials credentials(const QString &apiBase)
{
    CloudinaryCredentials account;
    account.cloudName = QStringLiteral("demo-cloud");
    account.apiKey = QStringLiteral("key-123");
    account.apiSecret = QStringLiteral("secret-456");
    account.apiBase = apiBase;
    return account;
}

CloudinaryUploadOutcome outcome(CloudinaryUploadOutcome::Kind kind, int status,
                                const QString &message)
{
    CloudinaryUploadOutcome result;
    result.kind = kind;
    result.httpStatus = status;
    result.message = message;
    return result;
}

} // namespace

class TestCloudinaryTarget : public QObject
{
    Q_OBJECT
private slots:
    void publicIdsKeepTheExtension()
    {
        const QString key =
            UploadQueue::objectKey(QStringLiteral("abc"), QStringLiteral("720p/segment_3.ts"));
        QCOMPARE(CloudinaryTarget::publicIdOf(key),
                 QStringLiteral("livestream/abc/720p/segment_3.ts"));
        QCOMPARE(CloudinaryTarget::publicIdOf(QStringLiteral("livestream/abc/master.m3u8")),
                 QStringLiteral("livestream/abc/master.m3u8"));
    }

    void onlyPlaylistsInvalidateTheCdn()
    {
        const afk::restream::CloudinaryParameters invalidate{
            {QStringLiteral("invalidate"), QStringLiteral("true")}};
        QCOMPARE(CloudinaryTarget::extraParametersOf(QStringLiteral("livestream/abc/master.m3u8")),
                 invalidate);
        QCOMPARE(CloudinaryTarget::extraParametersOf(
                     QStringLiteral("livestream/abc/360p/recording.m3u8")),
                 invalidate);
        QVERIFY(
            CloudinaryTarget::extraParametersOf(QStringLiteral("livestream/abc/360p/segment_1.ts"))
                .isEmpty());
    }

    void deliveryBaseOfTheRealApiIsResCloudinary()
    {
        QCOMPARE(CloudinaryTarget::deliveryBaseFor(QStringLiteral("https://api.cloudinary.com")),
                 QStringLiteral("https://res.cloudinary.com"));
        // A stand-in API (tests) serves the files too.
        QCOMPARE(CloudinaryTarget::deliveryBaseFor(QStringLiteral("http://127.0.0.1:9000")),
                 QStringLiteral("http://127.0.0.1:9000"));
        QCOMPARE(CloudinaryTarget::rawDeliveryBase(QStringLiteral("https://res.cloudinary.com/"),
                                                   QStringLiteral("demo-cloud")),
                 QStringLiteral("https://res.cloudinary.com/demo-cloud/raw/upload"));
    }

    void publicUrlsResolveBesideTheirPlaylist()
    {
        const CloudinaryTarget target(credentials(QStringLiteral("https://api.cloudinary.com")),
                                      QStringLiteral("https://res.cloudinary.com"));
        QCOMPARE(target.name(), QStringLiteral("cloudinary"));
        const QString master = target.publicUrl(QStringLiteral("livestream/abc/master.m3u8"));
        QCOMPARE(master,
                 QStringLiteral("https://res.cloudinary.com/demo-cloud/raw/upload/livestream/abc/"
                                "master.m3u8"));
        // The master names "720p/index.m3u8": relative resolution lands on that object's URL.
        QCOMPARE(QUrl(master).resolved(QUrl(QStringLiteral("720p/index.m3u8"))).toString(),
                 target.publicUrl(QStringLiteral("livestream/abc/720p/index.m3u8")));
        QVERIFY(!master.contains(QStringLiteral("key-123")));
        QVERIFY(!master.contains(QStringLiteral("secret-456")));
    }

    void outcomesCountForTheQueue()
    {
        const QString what = QStringLiteral("upload livestream/abc/a.ts");
        const UploadResult done =
            CloudinaryTarget::resultOf(outcome(CloudinaryUploadOutcome::Kind::Done, 200, {}), what);
        QCOMPARE(done.outcome, UploadResult::Outcome::Done);
        QVERIFY(done.error.isEmpty());

        const UploadResult retry = CloudinaryTarget::resultOf(
            outcome(CloudinaryUploadOutcome::Kind::Retry, 500, QStringLiteral("HTTP 500 Boom")),
            what);
        QCOMPARE(retry.outcome, UploadResult::Outcome::Retry);
        QCOMPARE(retry.httpStatus, 500);
        QCOMPARE(retry.error, QStringLiteral("upload livestream/abc/a.ts: HTTP 500 Boom"));

        const UploadResult denied = CloudinaryTarget::resultOf(
            outcome(CloudinaryUploadOutcome::Kind::Fatal, 401, QStringLiteral("HTTP 401 Bad")),
            what);
        QCOMPARE(denied.outcome, UploadResult::Outcome::Fatal);
        QVERIFY(denied.error.startsWith(what + QStringLiteral(": HTTP 401 Bad")));
        QVERIFY(denied.error.contains(QStringLiteral("AFK_CLOUDINARY_API_SECRET")));

        const UploadResult noCloud = CloudinaryTarget::resultOf(
            outcome(CloudinaryUploadOutcome::Kind::Fatal, 404, QStringLiteral("HTTP 404")), what);
        QVERIFY(noCloud.error.contains(QStringLiteral("--cloudinary-cloud")));
    }

    void removeAnswersLaterNeverInside()
    {
        CloudinaryTarget target(credentials(QStringLiteral("http://127.0.0.1:1")),
                                QStringLiteral("http://127.0.0.1:1"));
        bool isAnswered = false;
        UploadResult answer;
        target.remove(QStringLiteral("livestream/abc/a.ts"), [&](const UploadResult &result) {
            isAnswered = true;
            answer = result;
        });
        QVERIFY(!isAnswered);
        QTRY_VERIFY(isAnswered);
        QCOMPARE(answer.outcome, UploadResult::Outcome::Fatal);
    }
};

QTEST_GUILESS_MAIN(TestCloudinaryTarget)
#include "tst_cloudinarytarget.moc"
