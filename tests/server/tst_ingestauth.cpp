// IngestAuth: NIP-98 proofs made with real keys (valid, expired, future, wrong URL / method /
// kind, bad signature, garbage) and the publish policy (open ingest, allow list, userId match).
#include "IngestAuth.h"

#include "Event.h"
#include "KeyPair.h"
#include "Secp256k1Context.h"

#include <QCryptographicHash>
#include <QTest>

using afk::nostr::Event;
using afk::nostr::KeyPair;
using afk::nostr::Secp256k1Context;
using afk::server::IngestAuth;
using afk::server::IngestOptions;

namespace {

constexpr qint64 now = 1764000000; // a fixed "now" (unix seconds)
const QUrl connectedUrl(
    QStringLiteral("ws://127.0.0.1:5050/socket.io/?EIO=4&transport=websocket&streamKey=k"));

enum class Tamper { None = 0, Signature, Content, NoUrlTag, NoMethodTag };

} // namespace

Q_DECLARE_METATYPE(Tamper)

class TestIngestAuth : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void verifiesNip98_data();
    void verifiesNip98();
    void refusesGarbage_data();
    void refusesGarbage();
    void decidesWhoPublishes_data();
    void decidesWhoPublishes();
    void comparesUrls_data();
    void comparesUrls();
    void verifiesHttpMethodAndPayload_data();
    void verifiesHttpMethodAndPayload();

private:
    QString token(const Event &event,
                  QByteArray::Base64Options options = QByteArray::Base64Encoding) const
    {
        return QStringLiteral("Nostr ") +
               QString::fromLatin1(event.toJsonBytes().toBase64(options));
    }

    Secp256k1Context m_context;
    std::optional<KeyPair> m_keyPair;
};

void TestIngestAuth::initTestCase()
{
    QVERIFY2(m_context.isValid(), qPrintable(m_context.errorString()));
    QString error;
    m_keyPair = KeyPair::generate(m_context, &error);
    QVERIFY2(m_keyPair, qPrintable(error));
}

void TestIngestAuth::verifiesNip98_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("ageSeconds"); // now - created_at
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("method");
    QTest::addColumn<Tamper>("tamper");
    QTest::addColumn<bool>("base64Url");
    QTest::addColumn<QString>("errorContains"); // empty: must verify

    const QString url = QStringLiteral("ws://127.0.0.1:5050/socket.io/");
    QTest::newRow("valid ws") << 27235 << qint64(0) << url << "GET" << Tamper::None << false << "";
    QTest::newRow("valid http scheme") << 27235 << qint64(5) << "http://127.0.0.1:5050/socket.io/"
                                       << "GET" << Tamper::None << false << "";
    QTest::newRow("valid with query, no slash")
        << 27235 << qint64(0) << "wss://127.0.0.1:5050/socket.io?EIO=4&transport=websocket"
        << "GET" << Tamper::None << false << "";
    QTest::newRow("valid base64url")
        << 27235 << qint64(0) << url << "GET" << Tamper::None << true << "";
    QTest::newRow("valid 59 s old")
        << 27235 << qint64(59) << url << "GET" << Tamper::None << false << "";
    QTest::newRow("valid 59 s ahead")
        << 27235 << qint64(-59) << url << "get" << Tamper::None << false << "";
    QTest::newRow("expired") << 27235 << qint64(120) << url << "GET" << Tamper::None << false
                             << "created_at";
    QTest::newRow("future") << 27235 << qint64(-120) << url << "GET" << Tamper::None << false
                            << "created_at";
    QTest::newRow("wrong host") << 27235 << qint64(0) << "ws://evil.example:5050/socket.io/"
                                << "GET" << Tamper::None << false << "u tag";
    QTest::newRow("wrong port") << 27235 << qint64(0) << "ws://127.0.0.1:5051/socket.io/"
                                << "GET" << Tamper::None << false << "u tag";
    QTest::newRow("wrong path") << 27235 << qint64(0) << "ws://127.0.0.1:5050/livestream/"
                                << "GET" << Tamper::None << false << "u tag";
    QTest::newRow("no url tag") << 27235 << qint64(0) << url << "GET" << Tamper::NoUrlTag << false
                                << "no u tag";
    QTest::newRow("wrong method") << 27235 << qint64(0) << url << "POST" << Tamper::None << false
                                  << "method";
    QTest::newRow("no method tag")
        << 27235 << qint64(0) << url << "GET" << Tamper::NoMethodTag << false << "method";
    QTest::newRow("wrong kind") << 1 << qint64(0) << url << "GET" << Tamper::None << false
                                << "kind";
    QTest::newRow("bad signature")
        << 27235 << qint64(0) << url << "GET" << Tamper::Signature << false << "verify";
    QTest::newRow("content changed after signing")
        << 27235 << qint64(0) << url << "GET" << Tamper::Content << false << "verify";
}

void TestIngestAuth::verifiesNip98()
{
    QFETCH(int, kind);
    QFETCH(qint64, ageSeconds);
    QFETCH(QString, url);
    QFETCH(QString, method);
    QFETCH(Tamper, tamper);
    QFETCH(bool, base64Url);
    QFETCH(QString, errorContains);

    Event event;
    event.kind = kind;
    event.createdAt = now - ageSeconds;
    if (tamper != Tamper::NoUrlTag)
        event.tags << QStringList{QStringLiteral("u"), url};
    if (tamper != Tamper::NoMethodTag)
        event.tags << QStringList{QStringLiteral("method"), method};
    QString error;
    QVERIFY2(event.sign(*m_keyPair, &error), qPrintable(error));
    if (tamper == Tamper::Signature) {
        QByteArray bytes = event.sig.toByteArray();
        bytes[10] = char(bytes[10] ^ 0x01);
        event.sig = *afk::nostr::Signature::fromBytes(bytes);
    } else if (tamper == Tamper::Content) {
        event.content = QStringLiteral("changed");
    }

    const IngestAuth auth(m_context, IngestOptions{});
    const QString authorization =
        token(event, base64Url ? QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
                               : QByteArray::Base64Encoding);
    const std::optional<QString> pubkey =
        auth.verifyAuthorization(authorization, connectedUrl, now, &error);
    if (errorContains.isEmpty()) {
        QVERIFY2(pubkey, qPrintable(error));
        QCOMPARE(*pubkey, m_keyPair->publicKey().toHex());
    } else {
        QVERIFY2(!pubkey, "accepted");
        QVERIFY2(error.contains(errorContains),
                 qPrintable(QStringLiteral("error '%1' lacks '%2'").arg(error, errorContains)));
    }
}

void TestIngestAuth::verifiesHttpMethodAndPayload_data()
{
    QTest::addColumn<QString>("method");  // in the method tag
    QTest::addColumn<QString>("payload"); // "" = no payload tag; "body" = SHA-256 of the body
    QTest::addColumn<QString>("errorContains");
    QTest::newRow("POST") << "POST" << "" << "";
    QTest::newRow("post, payload of the body") << "post" << "body" << "";
    QTest::newRow("GET for a POST") << "GET" << "" << "method tag must be POST";
    QTest::newRow("payload of another body") << "POST" << QString(64, u'a') << "payload";
}

void TestIngestAuth::verifiesHttpMethodAndPayload()
{
    QFETCH(QString, method);
    QFETCH(QString, payload);
    QFETCH(QString, errorContains);
    const QByteArray body = R"({"content":"hello"})";
    const QUrl requestUrl(QStringLiteral("http://127.0.0.1:5050/livestream/k/chat"));
    Event event;
    event.kind = 27235;
    event.createdAt = now;
    event.tags << QStringList{QStringLiteral("u"), requestUrl.toString()}
               << QStringList{QStringLiteral("method"), method};
    if (payload == u"body")
        payload =
            QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex());
    if (!payload.isEmpty())
        event.tags << QStringList{QStringLiteral("payload"), payload};
    QString error;
    QVERIFY2(event.sign(*m_keyPair, &error), qPrintable(error));
    const IngestAuth auth(m_context, IngestOptions{});
    const std::optional<QString> pubkey =
        auth.verifyHttpAuthorization(token(event), requestUrl, u"POST", body, now, &error);
    if (errorContains.isEmpty()) {
        QVERIFY2(pubkey, qPrintable(error));
        QCOMPARE(*pubkey, m_keyPair->publicKey().toHex());
    } else {
        QVERIFY2(!pubkey, "accepted");
        QVERIFY2(error.contains(errorContains), qPrintable(error));
    }
}

void TestIngestAuth::refusesGarbage_data()
{
    QTest::addColumn<QString>("authorization");
    QTest::addColumn<QString>("errorContains");
    QTest::newRow("no scheme") << "eyJ9"
                               << "Nostr";
    QTest::newRow("bearer") << "Bearer abc"
                            << "Nostr";
    QTest::newRow("empty token") << "Nostr "
                                 << "empty";
    QTest::newRow("garbage base64") << "Nostr !!!not*base64%%%"
                                    << "base64";
    QTest::newRow("base64 of text")
        << "Nostr " + QString::fromLatin1(QByteArray("hello").toBase64()) << "not a Nostr event";
    QTest::newRow("base64 of json array")
        << "Nostr " + QString::fromLatin1(QByteArray("[1,2]").toBase64()) << "not a Nostr event";
    QTest::newRow("base64 of incomplete event")
        << "Nostr " + QString::fromLatin1(QByteArray(R"({"kind":27235})").toBase64())
        << "not a Nostr event";
    QTest::newRow("huge token") << "Nostr " + QString(70000, u'A') << "too long";
}

void TestIngestAuth::refusesGarbage()
{
    QFETCH(QString, authorization);
    QFETCH(QString, errorContains);
    const IngestAuth auth(m_context, IngestOptions{});
    QString error;
    QVERIFY(!auth.verifyAuthorization(authorization, connectedUrl, now, &error));
    QVERIFY2(error.contains(errorContains),
             qPrintable(QStringLiteral("error '%1' lacks '%2'").arg(error, errorContains)));
}

void TestIngestAuth::decidesWhoPublishes_data()
{
    const QString p = QString(64, u'a');
    const QString q = QString(64, u'b');
    QTest::addColumn<bool>("isOpenIngest");
    QTest::addColumn<QStringList>("allowed");
    QTest::addColumn<QString>("pubkey");
    QTest::addColumn<QString>("authError");
    QTest::addColumn<QString>("userId");
    QTest::addColumn<QString>("publisherId"); // empty: refused
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("no proof") << false << QStringList{} << ""
                              << "" << p << ""
                              << "authentication required";
    QTest::newRow("bad proof") << false << QStringList{} << ""
                               << "u tag mismatch" << p << ""
                               << "authentication required: u tag mismatch";
    QTest::newRow("proof") << false << QStringList{} << p << "" << p << p << "";
    QTest::newRow("proof, userId upper case")
        << false << QStringList{} << p << "" << p.toUpper() << p << "";
    QTest::newRow("proof, other userId") << false << QStringList{} << p << "" << q << ""
                                         << "does not match";
    QTest::newRow("open ingest") << true << QStringList{} << ""
                                 << ""
                                 << "viewer-1"
                                 << "viewer-1"
                                 << "";
    QTest::newRow("open ingest, no userId") << true << QStringList{} << ""
                                            << ""
                                            << ""
                                            << ""
                                            << "userId";
    QTest::newRow("open ingest, proof wins") << true << QStringList{} << p << "" << p << p << "";
    QTest::newRow("allowed") << false << QStringList{p} << p << "" << p << p << "";
    QTest::newRow("not allowed") << false << QStringList{q} << p << "" << p << ""
                                 << "not allowed";
    QTest::newRow("allow list upper case")
        << false << QStringList{p.toUpper()} << p << "" << p << p << "";
}

void TestIngestAuth::decidesWhoPublishes()
{
    QFETCH(bool, isOpenIngest);
    QFETCH(QStringList, allowed);
    QFETCH(QString, pubkey);
    QFETCH(QString, authError);
    QFETCH(QString, userId);
    QFETCH(QString, publisherId);
    QFETCH(QString, errorContains);

    IngestOptions options;
    options.isOpenIngest = isOpenIngest;
    options.allowedPubkeys = allowed;
    const IngestAuth auth(m_context, options);
    QString identity;
    QString error;
    const bool isAllowed = auth.mayPublish(pubkey, authError, userId, &identity, &error);
    QCOMPARE(isAllowed, !publisherId.isEmpty());
    if (isAllowed) {
        QCOMPARE(identity, publisherId);
    } else {
        QVERIFY2(error.contains(errorContains),
                 qPrintable(QStringLiteral("error '%1' lacks '%2'").arg(error, errorContains)));
    }
}

void TestIngestAuth::comparesUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("identity");
    QTest::newRow("ws") << "ws://127.0.0.1:5050/socket.io/?EIO=4"
                        << "127.0.0.1:5050/socket.io";
    QTest::newRow("https default port") << "https://Studio.Example:443/socket.io/"
                                        << "studio.example/socket.io";
    QTest::newRow("http default port") << "http://studio.example/socket.io"
                                       << "studio.example/socket.io";
    QTest::newRow("ipv6") << "ws://[::1]:8080/socket.io/"
                          << "[::1]:8080/socket.io";
}

void TestIngestAuth::comparesUrls()
{
    QFETCH(QString, url);
    QFETCH(QString, identity);
    QCOMPARE(IngestAuth::urlIdentity(QUrl(url)), identity);
}

QTEST_GUILESS_MAIN(TestIngestAuth)
#include "tst_ingestauth.moc"
