// BIP-340 Schnorr signatures through KeyPair and verifySchnorr, on the 15 official test vectors
// (bitcoin/bips, bip-0340/test-vectors.csv, copied to tests/data).
#include "Hex.h"
#include "KeyPair.h"
#include "PublicKey.h"
#include "Schnorr.h"
#include "Secp256k1Context.h"
#include "Signature.h"
#include "TestData.h"

#include <QTest>

using namespace afk::nostr;
using namespace afk::nostr::test;

namespace
{

std::array<unsigned char, 32> array32(const QString &hex)
{
    std::array<unsigned char, 32> bytes{};
    if (!hexDecodeInto(hex, bytes.data(), 32, nullptr))
        qFatal("bad 32-byte hex in the test table: %s", qPrintable(hex));
    return bytes;
}

} // namespace

class TestSchnorr : public QObject
{
    Q_OBJECT

private slots:
    void bip340Vectors_data();
    void bip340Vectors();
    void freshAuxRandomStillVerifies();
    void invalidSecretKeys_data();
    void invalidSecretKeys();
    void generatedKeysSign();

private:
    Secp256k1Context m_context;
};

void TestSchnorr::bip340Vectors_data()
{
    QTest::addColumn<QString>("secretKey"); // empty for verification-only rows
    QTest::addColumn<QString>("publicKey");
    QTest::addColumn<QString>("auxRandom");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("signature");
    QTest::addColumn<bool>("isValid");

    QString error;
    const QByteArray csv = readTestData(QStringLiteral("bip340-test-vectors.csv"), &error);
    if (csv.isEmpty())
        QFAIL(qPrintable(error));
    const QStringList lines = dataLines(csv);
    int rows = 0;
    for (const QString &line : lines.mid(1)) { // skip the header
        const QStringList fields = line.split(QLatin1Char(','));
        if (fields.size() < 7)
            QFAIL(qPrintable(QStringLiteral("short CSV line: ") + line));
        // The CSV is uppercase; Nostr hex is lowercase, which is what our parsers take.
        QTest::addRow("vector %s", qPrintable(fields[0]))
            << fields[1].toLower() << fields[2].toLower() << fields[3].toLower()
            << fields[4].toLower() << fields[5].toLower() << (fields[6] == QLatin1String("TRUE"));
        ++rows;
    }
    if (rows != 15)
        QFAIL(qPrintable(QStringLiteral("expected 15 BIP-340 vectors, found %1").arg(rows)));
}

void TestSchnorr::bip340Vectors()
{
    QFETCH(QString, secretKey);
    QFETCH(QString, publicKey);
    QFETCH(QString, auxRandom);
    QFETCH(QString, message);
    QFETCH(QString, signature);
    QFETCH(bool, isValid);
    QVERIFY(m_context.isValid());

    const std::optional<PublicKey> key = PublicKey::fromHex(publicKey);
    const std::optional<Signature> sig = Signature::fromHex(signature);
    const std::optional<QByteArray> messageBytes = hexDecode(message);
    QVERIFY(key && sig && messageBytes);

    if (!secretKey.isEmpty()) {
        QString error;
        const std::optional<SecretKey> secret = SecretKey::fromHex(secretKey);
        QVERIFY(secret);
        const std::optional<KeyPair> keyPair = KeyPair::fromSecretKey(m_context, *secret, &error);
        QVERIFY2(keyPair, qPrintable(error));
        QCOMPARE(keyPair->publicKey().toHex(), publicKey);
        const Signature produced = keyPair->signWithAuxRandom(array32(message), array32(auxRandom));
        QCOMPARE(produced.toHex(), signature);
    }

    QString reason;
    QCOMPARE(verifySchnorr(m_context, *key, *messageBytes, *sig, &reason), isValid);
    QCOMPARE(reason.isEmpty(), isValid);
}

void TestSchnorr::freshAuxRandomStillVerifies()
{
    const SecretKey secret = *SecretKey::fromHex(
        QStringLiteral("b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef"));
    const std::optional<KeyPair> keyPair = KeyPair::fromSecretKey(m_context, secret);
    QVERIFY(keyPair);
    const auto message =
        array32(QStringLiteral("243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89"));
    const Signature first = keyPair->sign(message);
    const Signature second = keyPair->sign(message);
    QVERIFY(first != second); // fresh aux bytes each time
    const QByteArrayView messageView(reinterpret_cast<const char *>(message.data()), 32);
    QVERIFY(verifySchnorr(m_context, keyPair->publicKey(), messageView, first));
    QVERIFY(verifySchnorr(m_context, keyPair->publicKey(), messageView, second));
    auto otherMessage = message;
    otherMessage[0] ^= 1;
    QVERIFY(!verifySchnorr(m_context, keyPair->publicKey(),
                           QByteArrayView(reinterpret_cast<const char *>(otherMessage.data()), 32),
                           first));
}

void TestSchnorr::invalidSecretKeys_data()
{
    QTest::addColumn<QString>("secretKey");
    QTest::newRow("zero") << QString(64, QLatin1Char('0'));
    // n, the order of secp256k1 (SEC 2), and n + 1: not below the order.
    QTest::newRow("curve order") << QStringLiteral(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    QTest::newRow("curve order + 1")
        << QStringLiteral("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142");
    QTest::newRow("all ones") << QString(64, QLatin1Char('f'));
}

void TestSchnorr::invalidSecretKeys()
{
    QFETCH(QString, secretKey);
    QString error;
    QVERIFY(!KeyPair::fromSecretKey(m_context, *SecretKey::fromHex(secretKey), &error));
    QVERIFY(error.contains(QLatin1String("invalid secret key")));
}

void TestSchnorr::generatedKeysSign()
{
    QString error;
    const std::optional<KeyPair> a = KeyPair::generate(m_context, &error);
    const std::optional<KeyPair> b = KeyPair::generate(m_context, &error);
    QVERIFY2(a && b, qPrintable(error));
    QVERIFY(a->publicKey() != b->publicKey());
    QVERIFY(isValidPublicKey(m_context, a->publicKey()));
    const std::array<unsigned char, 32> message{};
    const Signature sig = a->sign(message);
    const QByteArrayView view(reinterpret_cast<const char *>(message.data()), 32);
    QVERIFY(verifySchnorr(m_context, a->publicKey(), view, sig));
    QVERIFY(!verifySchnorr(m_context, b->publicKey(), view, sig, &error));
    QCOMPARE(error, QStringLiteral("the signature does not verify"));
}

QTEST_GUILESS_MAIN(TestSchnorr)
#include "tst_schnorr.moc"
