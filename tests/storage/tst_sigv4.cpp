// The SigV4 signer against the published AWS Signature Version 4 test suite (tests/data), and
// how the R2/S3 target classifies answers.
#include "S3Target.h"
#include "SigV4Signer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace afk::storage;

class TestSigV4 : public QObject
{
    Q_OBJECT
private slots:
    void awsTestSuite_data();
    void awsTestSuite();
    void amzDateIsUtc();
    void classifiesAnswers();
    void objectUrls();
    void missingConfigurationIsNamed();

private:
    QJsonObject m_suite;
};

void TestSigV4::awsTestSuite_data()
{
    QFile file(QStringLiteral(AFK_TEST_DATA_DIR "/aws-sigv4-vectors.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    m_suite = QJsonDocument::fromJson(file.readAll()).object();
    QTest::addColumn<QJsonObject>("testCase");
    const QJsonArray cases = m_suite.value(QStringLiteral("cases")).toArray();
    QVERIFY(cases.size() >= 10);
    for (const QJsonValue &value : cases) {
        const QJsonObject testCase = value.toObject();
        QTest::newRow(qPrintable(testCase.value(QStringLiteral("name")).toString())) << testCase;
    }
}

void TestSigV4::awsTestSuite()
{
    QFETCH(QJsonObject, testCase);
    const auto pairs = [](const QJsonValue &value) {
        SigV4Pairs result;
        for (const QJsonValue &pair : value.toArray())
            result.append({pair.toArray().at(0).toString().toUtf8(),
                           pair.toArray().at(1).toString().toUtf8()});
        return result;
    };
    SigV4Request request;
    request.method = testCase.value(QStringLiteral("method")).toString().toUtf8();
    request.path = testCase.value(QStringLiteral("path")).toString();
    request.query = pairs(testCase.value(QStringLiteral("query")));
    request.headers = pairs(testCase.value(QStringLiteral("headers")));
    request.payloadSha256Hex =
        SigV4Signer::sha256Hex(testCase.value(QStringLiteral("body")).toString().toUtf8());
    request.amzDate = m_suite.value(QStringLiteral("amzDate")).toString().toUtf8();
    const SigV4Signer signer(m_suite.value(QStringLiteral("accessKeyId")).toString().toUtf8(),
                             m_suite.value(QStringLiteral("secretAccessKey")).toString().toUtf8(),
                             m_suite.value(QStringLiteral("region")).toString().toUtf8(),
                             m_suite.value(QStringLiteral("service")).toString().toUtf8());
    QCOMPARE(QString::fromUtf8(signer.canonicalRequest(request)),
             testCase.value(QStringLiteral("creq")).toString());
    QCOMPARE(QString::fromUtf8(signer.stringToSign(request)),
             testCase.value(QStringLiteral("sts")).toString());
    QCOMPARE(QString::fromUtf8(signer.authorization(request)),
             testCase.value(QStringLiteral("authz")).toString());
}

void TestSigV4::amzDateIsUtc()
{
    QCOMPARE(SigV4Signer::amzDateOf(1440938160000), QByteArray("20150830T123600Z"));
}

void TestSigV4::classifiesAnswers()
{
    using Outcome = UploadResult::Outcome;
    const QString what = QStringLiteral("PUT livestream/k/segment_1.ts");
    QCOMPARE(S3Target::classify(200, QNetworkReply::NoError, {}, what).outcome, Outcome::Done);
    QCOMPARE(S3Target::classify(500, QNetworkReply::InternalServerError, {}, what).outcome,
             Outcome::Retry);
    const UploadResult slowDown = S3Target::classify(
        503, QNetworkReply::ServiceUnavailableError,
        "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>", what);
    QCOMPARE(slowDown.outcome, Outcome::Retry);
    QVERIFY(slowDown.error.contains(QStringLiteral("SlowDown")));
    QCOMPARE(S3Target::classify(0, QNetworkReply::ConnectionRefusedError, {}, what).outcome,
             Outcome::Retry);
    QCOMPARE(S3Target::classify(0, QNetworkReply::OperationCanceledError, {}, what).outcome,
             Outcome::Retry);
    // The store's error document echoes the access key id: only the code may reach the log.
    const UploadResult denied = S3Target::classify(
        403, QNetworkReply::ContentAccessDenied,
        "<Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>AKIDSECRETISH</AWSAccessKeyId>"
        "</Error>",
        what);
    QCOMPARE(denied.outcome, Outcome::Fatal);
    QVERIFY(denied.error.contains(QStringLiteral("SignatureDoesNotMatch")));
    QVERIFY(denied.error.contains(QStringLiteral("AFK_R2_SECRET_ACCESS_KEY")));
    QVERIFY(!denied.error.contains(QStringLiteral("AKIDSECRETISH")));
    QCOMPARE(S3Target::classify(404, QNetworkReply::ContentNotFoundError,
                                "<Error><Code>NoSuchBucket</Code></Error>", what)
                 .outcome,
             Outcome::Fatal);
}

void TestSigV4::objectUrls()
{
    S3TargetConfig config;
    config.endpoint = QUrl(QStringLiteral("https://acc.r2.cloudflarestorage.com"));
    config.bucket = QStringLiteral("media");
    config.publicBaseUrl = QStringLiteral("https://pub.example");
    S3Target pathStyle(config);
    QCOMPARE(pathStyle.objectUrl(QStringLiteral("livestream/k/master.m3u8")).toString(),
             QStringLiteral("https://acc.r2.cloudflarestorage.com/media/livestream/k/master.m3u8"));
    QCOMPARE(pathStyle.publicUrl(QStringLiteral("livestream/k/master.m3u8")),
             QStringLiteral("https://pub.example/livestream/k/master.m3u8"));
    config.isVirtualHosted = true;
    S3Target virtualHost(config);
    QCOMPARE(virtualHost.objectUrl(QStringLiteral("livestream/k/a.ts")).toString(),
             QStringLiteral("https://media.acc.r2.cloudflarestorage.com/livestream/k/a.ts"));
}

void TestSigV4::missingConfigurationIsNamed()
{
    S3TargetConfig config;
    config.endpoint = QUrl(QStringLiteral("http://127.0.0.1:9000"));
    config.bucket = QStringLiteral("afk");
    config.accessKeyId = "id";
    QVERIFY(config.problem().contains(QStringLiteral("AFK_R2_SECRET_ACCESS_KEY")));
    config.secretAccessKey = "secret";
    QVERIFY(config.problem().isEmpty());
}

QTEST_GUILESS_MAIN(TestSigV4)
#include "tst_sigv4.moc"
