// NIP-49 encrypted secret keys. Vector: the NIP-49 test data (nostr-protocol/nips, 49.md) as
// copied to tests/data/nostr-keys.txt (password "nostr", log_n 16, ksb 0x00).
#include "Bech32.h"
#include "Ncryptsec.h"
#include "TestData.h"

#include <QTest>

using namespace afk::nostr;
using namespace afk::nostr::test;

namespace
{

// Small scrypt cost for the round trips (the vector itself is log_n 16).
constexpr int FastLogN = 8;

const SecretKey SomeKey = *SecretKey::fromHex(
    QStringLiteral("3501454135014541350145413501453fefb02227e449e57cf4d3a3ce05378683"));

} // namespace

class TestNcryptsec : public QObject
{
    Q_OBJECT

private slots:
    void nip49Vector_data();
    void nip49Vector();
    void roundTrip_data();
    void roundTrip();
    void passwordIsNfkcNormalized_data();
    void passwordIsNfkcNormalized();
    void deterministicWithSaltAndNonce();
    void tamperingIsDetected_data();
    void tamperingIsDetected();
    void refused_data();
    void refused();
};

void TestNcryptsec::nip49Vector_data()
{
    QTest::addColumn<QString>("ncryptsec");
    QTest::addColumn<QString>("secretHex");
    QString error;
    const auto vectors = afk::nostr::test::keyVectors(&error);
    if (!error.isEmpty())
        QFAIL(qPrintable(error));
    int rows = 0;
    for (const auto &[encoded, hex] : vectors) {
        if (encoded.startsWith(QLatin1String("ncryptsec1"))) {
            QTest::addRow("vector %d", rows) << encoded << hex;
            ++rows;
        }
    }
    if (rows == 0)
        QFAIL("no ncryptsec vector in nostr-keys.txt");
}

void TestNcryptsec::nip49Vector()
{
    QFETCH(QString, ncryptsec);
    QFETCH(QString, secretHex);
    QString error;
    const std::optional<Ncryptsec::Info> info = Ncryptsec::inspect(ncryptsec, &error);
    QVERIFY2(info, qPrintable(error));
    QCOMPARE(info->logN, 16);
    QCOMPARE(info->keySecurity, Ncryptsec::KeySecurity::KnownInsecure);

    Ncryptsec::Info decryptedInfo;
    const std::optional<SecretKey> key =
        Ncryptsec::decrypt(ncryptsec, QStringLiteral("nostr"), &error, &decryptedInfo);
    QVERIFY2(key, qPrintable(error));
    QVERIFY(*key == *SecretKey::fromHex(secretHex));
    QCOMPARE(decryptedInfo.logN, 16);

    QVERIFY(!Ncryptsec::decrypt(ncryptsec, QStringLiteral("Nostr"), &error));
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
    QVERIFY(!Ncryptsec::decrypt(ncryptsec, QString(), &error));
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
}

void TestNcryptsec::roundTrip_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<Ncryptsec::KeySecurity>("keySecurity");
    QTest::newRow("ascii, insecure")
        << QStringLiteral("correct horse") << Ncryptsec::KeySecurity::KnownInsecure;
    QTest::newRow("unicode, secure")
        << QStringLiteral("pässwörd ⚡🤙") << Ncryptsec::KeySecurity::NotKnownInsecure;
    QTest::newRow("empty, unknown") << QString() << Ncryptsec::KeySecurity::Unknown;
}

void TestNcryptsec::roundTrip()
{
    QFETCH(QString, password);
    QFETCH(Ncryptsec::KeySecurity, keySecurity);
    QString error;
    const QString text = Ncryptsec::encrypt(SomeKey, password, FastLogN, keySecurity, &error);
    QVERIFY2(text.startsWith(QLatin1String("ncryptsec1")), qPrintable(error));
    const std::optional<Bech32::Decoded> decoded = Bech32::decode(text);
    QVERIFY(decoded);
    QCOMPARE(decoded->data.size(), Ncryptsec::PayloadSize);
    QCOMPARE(int(quint8(decoded->data[0])), 2);
    QCOMPARE(int(quint8(decoded->data[1])), FastLogN);
    QCOMPARE(int(quint8(decoded->data[42])), int(keySecurity));

    Ncryptsec::Info info;
    const std::optional<SecretKey> key = Ncryptsec::decrypt(text, password, &error, &info);
    QVERIFY2(key, qPrintable(error));
    QVERIFY(*key == SomeKey);
    QCOMPARE(info.keySecurity, keySecurity);
    QCOMPARE(info.logN, FastLogN);

    // Random salt and nonce: the same key and password never give the same string.
    QVERIFY(Ncryptsec::encrypt(SomeKey, password, FastLogN, keySecurity) != text);
    QVERIFY(!Ncryptsec::decrypt(text, password + QLatin1Char('x'), &error));
}

void TestNcryptsec::passwordIsNfkcNormalized_data()
{
    QTest::addColumn<QString>("encryptWith");
    QTest::addColumn<QString>("decryptWith");
    // U+212B ANGSTROM SIGN and "A" + U+030A COMBINING RING are both U+00C5 in NFKC.
    QTest::newRow("angstrom") << QStringLiteral("\u212B") << QStringLiteral("\u00C5");
    QTest::newRow("combining") << QStringLiteral("A\u030A") << QStringLiteral("\u00C5");
    // Compatibility forms: fullwidth letters and the "fi" ligature.
    QTest::newRow("fullwidth") << QStringLiteral("\uFF4E\uFF4F\uFF53\uFF54\uFF52")
                               << QStringLiteral("nostr");
    QTest::newRow("ligature") << QStringLiteral("\uFB01ne") << QStringLiteral("fine");
    // The classic example of Unicode UAX #15: U+212B U+2126 U+1E9B U+0323 → U+00C5 U+03A9 U+1E69.
    QTest::newRow("uax-15 example")
        << QStringLiteral("\u212B\u2126\u1E9B\u0323") << QStringLiteral("\u00C5\u03A9\u1E69");
}

void TestNcryptsec::passwordIsNfkcNormalized()
{
    QFETCH(QString, encryptWith);
    QFETCH(QString, decryptWith);
    QString error;
    const QString text =
        Ncryptsec::encrypt(SomeKey, encryptWith, FastLogN, Ncryptsec::KeySecurity::Unknown, &error);
    QVERIFY2(!text.isEmpty(), qPrintable(error));
    const std::optional<SecretKey> key = Ncryptsec::decrypt(text, decryptWith, &error);
    QVERIFY2(key, qPrintable(error));
    QVERIFY(*key == SomeKey);
}

void TestNcryptsec::deterministicWithSaltAndNonce()
{
    Ncryptsec::Salt salt;
    Ncryptsec::Nonce nonce;
    salt.fill(0x11);
    nonce.fill(0x22);
    const QString a = Ncryptsec::encryptWithSaltAndNonce(
        SomeKey, QStringLiteral("nostr"), FastLogN, Ncryptsec::KeySecurity::Unknown, salt, nonce);
    const QString b = Ncryptsec::encryptWithSaltAndNonce(
        SomeKey, QStringLiteral("nostr"), FastLogN, Ncryptsec::KeySecurity::Unknown, salt, nonce);
    QVERIFY(!a.isEmpty());
    QCOMPARE(a, b);
    const QByteArray payload = Bech32::decode(a)->data;
    QCOMPARE(payload.mid(2, 16), QByteArray(16, '\x11'));
    QCOMPARE(payload.mid(18, 24), QByteArray(24, '\x22'));
}

void TestNcryptsec::tamperingIsDetected_data()
{
    QTest::addColumn<int>("byteIndex");
    QTest::newRow("salt") << 2;
    QTest::newRow("nonce") << 20;
    QTest::newRow("key security byte 0x02 -> 0x01") << 42;
    QTest::newRow("ciphertext") << 50;
    QTest::newRow("tag") << 90;
}

void TestNcryptsec::tamperingIsDetected()
{
    QFETCH(int, byteIndex);
    const QString text = Ncryptsec::encrypt(SomeKey, QStringLiteral("pw"), FastLogN,
                                            Ncryptsec::KeySecurity::Unknown);
    QByteArray payload = Bech32::decode(text)->data;
    payload[byteIndex] = char(payload[byteIndex] ^ 0x03); // 0x02 ^ 0x03 = 0x01 for the ksb
    const QString tampered = Bech32::encode(u"ncryptsec", payload);
    QString error;
    QVERIFY(!Ncryptsec::decrypt(tampered, QStringLiteral("pw"), &error));
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
}

void TestNcryptsec::refused_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    const QString text = Ncryptsec::encrypt(SomeKey, QStringLiteral("pw"), FastLogN,
                                            Ncryptsec::KeySecurity::Unknown);
    const QByteArray payload = Bech32::decode(text)->data;
    auto with = [&](int index, char value) {
        QByteArray changed = payload;
        changed[index] = value;
        return Bech32::encode(u"ncryptsec", changed);
    };
    QTest::newRow("nsec") << QStringLiteral(
                                 "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5")
                          << QStringLiteral("wrong prefix \"nsec\" (expected \"ncryptsec\")");
    QTest::newRow("bad checksum") << text.left(text.size() - 1) +
                                         QChar(text.endsWith(QLatin1Char('q')) ? u'p' : u'q')
                                  << QStringLiteral("bad checksum");
    QTest::newRow("short payload") << Bech32::encode(u"ncryptsec", payload.left(90))
                                   << QStringLiteral("holds 91 bytes, this one 90");
    QTest::newRow("version 1") << with(0, '\x01')
                               << QStringLiteral("unsupported ncryptsec version 1");
    QTest::newRow("log_n 0") << with(1, '\x00') << QStringLiteral("log_n 0 is outside");
    QTest::newRow("log_n 64") << with(1, '\x40') << QStringLiteral("log_n 64 is outside");
    QTest::newRow("ksb 0x07") << with(42, '\x07')
                              << QStringLiteral("unknown key-security byte 0x07");
}

void TestNcryptsec::refused()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!Ncryptsec::decrypt(text, QStringLiteral("pw"), &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(!Ncryptsec::inspect(text));
}

QTEST_GUILESS_MAIN(TestNcryptsec)
#include "tst_ncryptsec.moc"
