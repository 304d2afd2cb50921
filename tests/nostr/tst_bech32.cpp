// BIP-173 bech32: the BIP's own test vectors (bitcoin/bips, bip-0173.mediawiki, "Test vectors"),
// our error messages, and the 5000-character NIP-19 limit.
#include "Bech32.h"

#include <QTest>

using namespace afk::nostr;

class TestBech32 : public QObject
{
    Q_OBJECT

private slots:
    void bip173Valid_data();
    void bip173Valid();
    void bip173Invalid_data();
    void bip173Invalid();
    void errors_data();
    void errors();
    void byteRoundTrip_data();
    void byteRoundTrip();
    void padding();
    void lengthLimits();
    void encodeRefusesBadHrp();
};

void TestBech32::bip173Valid_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("uppercase") << QStringLiteral("A12UEL5L");
    QTest::newRow("lowercase") << QStringLiteral("a12uel5l");
    QTest::newRow("83-char hrp") << QStringLiteral("an83characterlonghumanreadablepartthatcontainst"
                                                   "henumber1andtheexcludedcharactersbio1tt5tgs");
    QTest::newRow("all characters")
        << QStringLiteral("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw");
    QTest::newRow("82 data chars")
        << QStringLiteral("11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
                          "qqqqqqqqqqqqc8247j");
    QTest::newRow("split") << QStringLiteral(
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w");
    QTest::newRow("question mark hrp") << QStringLiteral("?1ezyfcl");
}

void TestBech32::bip173Valid()
{
    QFETCH(QString, text);
    QString error;
    const std::optional<Bech32::Decoded> decoded =
        Bech32::decodeWords(text, Bech32::Bip173MaxLength, &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(Bech32::encodeWords(decoded->hrp, decoded->data, Bech32::Bip173MaxLength),
             text.toLower());
}

void TestBech32::bip173Invalid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason"); // our message for it
    QTest::newRow("0x20 in hrp") << QStringLiteral(" 1nwldj5")
                                 << QStringLiteral("invalid character");
    QTest::newRow("0x7f in hrp") << QStringLiteral("\x7f"
                                                   "1axkwrx")
                                 << QStringLiteral("invalid character");
    QTest::newRow("0x80 in hrp") << QString(QChar(0x80)) + QStringLiteral("1eym55h")
                                 << QStringLiteral("invalid character");
    QTest::newRow("over 90") << QStringLiteral("an84characterslonghumanreadablepartthatcontainsthen"
                                               "umber1andtheexcludedcharactersbio1569pvx")
                             << QStringLiteral("limit 90");
    QTest::newRow("no separator") << QStringLiteral("pzry9x0s0muk")
                                  << QStringLiteral("no '1' separator");
    QTest::newRow("empty hrp") << QStringLiteral("1pzry9x0s0muk")
                               << QStringLiteral("empty human-readable part");
    QTest::newRow("invalid data character")
        << QStringLiteral("x1b4n0q5v") << QStringLiteral("invalid bech32 character 'b'");
    QTest::newRow("short checksum") << QStringLiteral("li1dgmt3") << QStringLiteral("too short");
    QTest::newRow("0xff in checksum")
        << QStringLiteral("de1lg7wt") + QChar(0xff) << QStringLiteral("invalid character");
    QTest::newRow("uppercase hrp checksum")
        << QStringLiteral("A1G7SGD8") << QStringLiteral("bad checksum");
    QTest::newRow("empty hrp 2") << QStringLiteral("10a06t8")
                                 << QStringLiteral("empty human-readable part");
    QTest::newRow("empty hrp 3") << QStringLiteral("1qzzfhee")
                                 << QStringLiteral("empty human-readable part");
}

void TestBech32::bip173Invalid()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!Bech32::decodeWords(text, Bech32::Bip173MaxLength, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestBech32::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");
    const QString npub =
        QStringLiteral("npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6");
    QTest::newRow("bad checksum (last char)")
        << QString(npub).replace(npub.size() - 1, 1, u'7') << QStringLiteral("bad checksum");
    QTest::newRow("bad checksum (data char)")
        << QString(npub).replace(10, 1, u'q') << QStringLiteral("bad checksum");
    QTest::newRow("swapped characters") << npub.left(10) + npub.at(11) + npub.at(10) + npub.mid(12)
                                        << QStringLiteral("bad checksum");
    QTest::newRow("mixed case") << QString(npub).replace(0, 1, u'N')
                                << QStringLiteral("mixed upper and lower case");
    QTest::newRow("mixed case in data")
        << QString(npub).replace(19, 1, u'A') << QStringLiteral("mixed upper and lower case");
    QTest::newRow("empty") << QString() << QStringLiteral("no '1' separator");
    QTest::newRow("space inside") << QString(npub).replace(20, 1, u' ')
                                  << QStringLiteral("invalid character");
    QTest::newRow("excluded letter b")
        << QString(npub).replace(20, 1, u'b') << QStringLiteral("invalid bech32 character");
    QTest::newRow("excluded letter i")
        << QString(npub).replace(20, 1, u'i') << QStringLiteral("invalid bech32 character");
    QTest::newRow("excluded letter o")
        << QString(npub).replace(20, 1, u'o') << QStringLiteral("invalid bech32 character");
    QTest::newRow("non-ASCII") << QString(npub).replace(20, 1, QChar(0xe9))
                               << QStringLiteral("invalid character");
    // bech32m (BIP-350) checksum of the empty "a" string: a valid bech32m, not a bech32.
    QTest::newRow("bech32m") << QStringLiteral("a1lqfn3a") << QStringLiteral("bad checksum");
    QTest::newRow("over 5000") << QStringLiteral("a1") + QString(5000, u'q')
                               << QStringLiteral("limit 5000");
}

void TestBech32::errors()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    QString error;
    QVERIFY(!Bech32::decode(text, Bech32::Nip19MaxLength, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestBech32::byteRoundTrip_data()
{
    QTest::addColumn<QString>("hrp");
    QTest::addColumn<QByteArray>("data");
    QTest::newRow("empty") << QStringLiteral("x") << QByteArray();
    QTest::newRow("one byte") << QStringLiteral("npub") << QByteArray("\xff", 1);
    QTest::newRow("32 bytes") << QStringLiteral("note") << QByteArray(32, '\x42');
    QTest::newRow("91 bytes") << QStringLiteral("ncryptsec") << QByteArray(91, '\x00');
    QTest::newRow("3000 bytes") << QStringLiteral("naddr") << QByteArray(3000, '\xa5');
}

void TestBech32::byteRoundTrip()
{
    QFETCH(QString, hrp);
    QFETCH(QByteArray, data);
    QString error;
    const QString text = Bech32::encode(hrp, data, Bech32::Nip19MaxLength, &error);
    QVERIFY2(!text.isEmpty(), qPrintable(error));
    QCOMPARE(text, text.toLower());
    const std::optional<Bech32::Decoded> decoded =
        Bech32::decode(text, Bech32::Nip19MaxLength, &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(decoded->hrp, hrp);
    QCOMPARE(decoded->data, data);
    // All uppercase is the same string (BIP-173), decoded to a lowercase hrp.
    const std::optional<Bech32::Decoded> upper = Bech32::decode(text.toUpper());
    QVERIFY(upper);
    QCOMPARE(upper->hrp, hrp);
    QCOMPARE(upper->data, data);
}

void TestBech32::padding()
{
    QString error;
    // One byte is 8 bits → two 5-bit words, the last 2 bits zero padding. Set one: refused.
    const QString nonZeroPadding = Bech32::encodeWords(u"x", QByteArray("\x1f\x01", 2));
    QVERIFY(!nonZeroPadding.isEmpty());
    QVERIFY(!Bech32::decode(nonZeroPadding, Bech32::Nip19MaxLength, &error));
    QVERIFY2(error.contains(QLatin1String("padding")), qPrintable(error));
    QVERIFY(Bech32::decodeWords(nonZeroPadding)); // fine as 5-bit words
    // Three words = 15 bits: one byte and 7 bits of padding, more than the 4 allowed.
    const QString longPadding = Bech32::encodeWords(u"x", QByteArray("\x00\x00\x00", 3));
    QVERIFY(!Bech32::decode(longPadding, Bech32::Nip19MaxLength, &error));
    QVERIFY2(error.contains(QLatin1String("padding")), qPrintable(error));
}

void TestBech32::lengthLimits()
{
    QString error;
    // "note" + "1" + ceil(8n / 5) data characters + 6 checksum characters: 3118 bytes make
    // exactly 5000 characters, 3119 bytes 5002.
    QVERIFY(Bech32::encode(u"note", QByteArray(3119, '\x01'), Bech32::Nip19MaxLength, &error)
                .isEmpty());
    QVERIFY2(error.contains(QLatin1String("limit 5000")), qPrintable(error));
    const QString fits =
        Bech32::encode(u"note", QByteArray(3118, '\x01'), Bech32::Nip19MaxLength, &error);
    QCOMPARE(fits.size(), 5000);
    QVERIFY(Bech32::decode(fits));
    QVERIFY(
        !Bech32::decode(fits, Bech32::Bip173MaxLength)); // the BIP-173 cap still applies when asked
}

void TestBech32::encodeRefusesBadHrp()
{
    QString error;
    QVERIFY(Bech32::encode(u"", QByteArray("a"), Bech32::Nip19MaxLength, &error).isEmpty());
    QVERIFY(error.contains(QLatin1String("empty")));
    QVERIFY(Bech32::encode(u"NPUB", QByteArray("a"), Bech32::Nip19MaxLength, &error).isEmpty());
    QVERIFY(error.contains(QLatin1String("lowercase")));
    QVERIFY(Bech32::encode(u"n pub", QByteArray("a"), Bech32::Nip19MaxLength, &error).isEmpty());
}

QTEST_GUILESS_MAIN(TestBech32)
#include "tst_bech32.moc"
