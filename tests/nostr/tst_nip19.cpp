// NIP-19: npub / nsec / note and the TLV entities nprofile / nevent / naddr. Vectors: the
// NIP-19 examples (nostr-protocol/nips, 19.md) as copied to
// tests/data/nostr-keys.txt, plus the nprofile example of 19.md.
#include "Bech32.h"
#include "Nip19.h"
#include "TestData.h"

#include <QTest>

using namespace afk::nostr;
using namespace afk::nostr::test;

Q_DECLARE_METATYPE(afk::nostr::EventPointer)
Q_DECLARE_METATYPE(afk::nostr::AddressPointer)

namespace
{

const PublicKey FiatjafKey = *PublicKey::fromHex(
    QStringLiteral("3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"));
const EventId SomeId = *EventId::fromHex(
    QStringLiteral("97aa81798ee6c5637f7b21a411f89e10244e195aa91cb341bf49f718e36c8188"));

QByteArray tlv(unsigned char type, const QByteArray &value)
{
    return QByteArray(1, char(type)) + QByteArray(1, char(value.size())) + value;
}

QByteArray kindBytes(quint32 kind)
{
    return QByteArray::fromHex(QByteArray::number(kind, 16).rightJustified(8, '0'));
}

} // namespace

class TestNip19 : public QObject
{
    Q_OBJECT

private slots:
    void keyVectors_data();
    void keyVectors();
    void note();
    void nprofileExample();
    void neventRoundTrip_data();
    void neventRoundTrip();
    void naddrRoundTrip_data();
    void naddrRoundTrip();
    void tlvAnyOrderUnknownIgnored();
    void decodeErrors_data();
    void decodeErrors();
    void encodeErrors();
    void prefixOf_data();
    void prefixOf();
};

void TestNip19::keyVectors_data()
{
    QTest::addColumn<QString>("bech32");
    QTest::addColumn<QString>("hex");
    QString error;
    const auto vectors = afk::nostr::test::keyVectors(&error);
    if (!error.isEmpty())
        QFAIL(qPrintable(error));
    int rows = 0;
    for (const auto &[encoded, hex] : vectors) {
        if (encoded.startsWith(QLatin1String("ncryptsec")))
            continue; // NIP-49 vectors are tst_ncryptsec's
        QTest::addRow("%s", qPrintable(encoded.left(12))) << encoded << hex;
        ++rows;
    }
    if (rows < 3)
        QFAIL("expected at least 2 npub and 1 nsec vectors in nostr-keys.txt");
}

void TestNip19::keyVectors()
{
    QFETCH(QString, bech32);
    QFETCH(QString, hex);
    QString error;
    if (bech32.startsWith(QLatin1String("npub"))) {
        const std::optional<PublicKey> key = Nip19::decodeNpub(bech32, &error);
        QVERIFY2(key, qPrintable(error));
        QCOMPARE(key->toHex(), hex);
        QCOMPARE(Nip19::encodeNpub(*key), bech32);
        QVERIFY(!Nip19::decodeNsec(bech32, &error));
        QVERIFY2(error.contains(QLatin1String("wrong prefix \"npub\" (expected \"nsec\")")),
                 qPrintable(error));
    } else {
        QVERIFY(bech32.startsWith(QLatin1String("nsec")));
        const std::optional<SecretKey> key = Nip19::decodeNsec(bech32, &error);
        QVERIFY2(key, qPrintable(error));
        QVERIFY(*key == *SecretKey::fromHex(hex));
        QCOMPARE(Nip19::encodeNsec(*key), bech32);
        QVERIFY(!Nip19::decodeNpub(bech32, &error));
        QVERIFY2(error.contains(QLatin1String("wrong prefix \"nsec\" (expected \"npub\")")),
                 qPrintable(error));
    }
    // Uppercase is the same string.
    if (bech32.startsWith(QLatin1String("npub")))
        QCOMPARE(Nip19::decodeNpub(bech32.toUpper())->toHex(), hex);
}

void TestNip19::note()
{
    const QString text = Nip19::encodeNote(SomeId);
    QVERIFY(text.startsWith(QLatin1String("note1")));
    QCOMPARE(Nip19::decodeNote(text), SomeId);
    QVERIFY(!Nip19::decodeNpub(text));
}

void TestNip19::nprofileExample()
{
    const QString example = QStringLiteral("nprofile1qqsrhuxx8l9ex335q7he0f09aej04zpazpl0ne2cgukyaw"
                                           "d24mayt8gpp4mhxue69uhhytnc9e3k7mgpz4"
                                           "mhxue69uhkg6nzv9ejuumpv34kytnrdaksjlyr9p");
    QString error;
    const std::optional<ProfilePointer> profile = Nip19::decodeNprofile(example, &error);
    QVERIFY2(profile, qPrintable(error));
    QCOMPARE(profile->publicKey, FiatjafKey);
    QCOMPARE(profile->relays, QStringList({QStringLiteral("wss://r.x.com"),
                                           QStringLiteral("wss://djbas.sadkb.com")}));
    QCOMPARE(Nip19::encodeNprofile(*profile), example);
}

void TestNip19::neventRoundTrip_data()
{
    QTest::addColumn<EventPointer>("event");
    QTest::newRow("id only") << EventPointer{SomeId, {}, std::nullopt, std::nullopt};
    QTest::newRow("relays") << EventPointer{
        SomeId,
        {QStringLiteral("wss://relay.damus.io"), QStringLiteral("wss://nos.lol")},
        std::nullopt,
        std::nullopt};
    QTest::newRow("author and kind")
        << EventPointer{SomeId, {QStringLiteral("wss://a")}, FiatjafKey, 1311u};
    QTest::newRow("kind 0") << EventPointer{SomeId, {}, std::nullopt, 0u};
    QTest::newRow("kind max u32") << EventPointer{SomeId, {}, FiatjafKey, 0xffffffffu};
}

void TestNip19::neventRoundTrip()
{
    QFETCH(EventPointer, event);
    QString error;
    const QString text = Nip19::encodeNevent(event, &error);
    QVERIFY2(text.startsWith(QLatin1String("nevent1")), qPrintable(error));
    const std::optional<EventPointer> decoded = Nip19::decodeNevent(text, &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(*decoded, event);
}

void TestNip19::naddrRoundTrip_data()
{
    QTest::addColumn<AddressPointer>("address");
    QTest::newRow("live event") << AddressPointer{
        QStringLiteral("9f2d1c0e5b7a4c3d8e6f1a2b3c4d5e6f"),
        FiatjafKey,
        30311,
        {QStringLiteral("wss://relay.example.com/path?x=1")}};
    QTest::newRow("empty d tag") << AddressPointer{QString(), FiatjafKey, 30023, {}};
    QTest::newRow("unicode d tag") << AddressPointer{
        QStringLiteral("mañana 🤙 live"),
        FiatjafKey,
        30311,
        {QStringLiteral("wss://a"), QStringLiteral("wss://b"), QStringLiteral("wss://c")}};
    QTest::newRow("255-byte d tag") << AddressPointer{QString(255, u'd'), FiatjafKey, 30311, {}};
}

void TestNip19::naddrRoundTrip()
{
    QFETCH(AddressPointer, address);
    QString error;
    const QString text = Nip19::encodeNaddr(address, &error);
    QVERIFY2(text.startsWith(QLatin1String("naddr1")), qPrintable(error));
    const std::optional<AddressPointer> decoded = Nip19::decodeNaddr(text, &error);
    QVERIFY2(decoded, qPrintable(error));
    QCOMPARE(*decoded, address);
}

void TestNip19::tlvAnyOrderUnknownIgnored()
{
    const QByteArray payload = tlv(3, kindBytes(30311)) + tlv(9, "unknown") + tlv(1, "wss://one") +
                               tlv(2, FiatjafKey.toByteArray()) + tlv(0, "stream") +
                               tlv(1, "wss://two") + tlv(200, QByteArray());
    const QString text = Bech32::encode(u"naddr", payload);
    QString error;
    const std::optional<AddressPointer> address = Nip19::decodeNaddr(text, &error);
    QVERIFY2(address, qPrintable(error));
    QCOMPARE(address->identifier, QStringLiteral("stream"));
    QCOMPARE(address->author, FiatjafKey);
    QCOMPARE(address->kind, 30311u);
    QCOMPARE(address->relays,
             QStringList({QStringLiteral("wss://one"), QStringLiteral("wss://two")}));

    const QByteArray profilePayload = tlv(1, "wss://r") + tlv(0, FiatjafKey.toByteArray());
    const std::optional<ProfilePointer> profile =
        Nip19::decodeNprofile(Bech32::encode(u"nprofile", profilePayload), &error);
    QVERIFY2(profile, qPrintable(error));
    QCOMPARE(profile->publicKey, FiatjafKey);
}

void TestNip19::decodeErrors_data()
{
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("reason");
    const QByteArray key = FiatjafKey.toByteArray();
    QTest::newRow("npub 31 bytes")
        << QStringLiteral("npub") << key.left(31) << QStringLiteral("expected 32 bytes, got 31");
    QTest::newRow("npub 33 bytes") << QStringLiteral("npub") << key + QByteArray("x")
                                   << QStringLiteral("expected 32 bytes, got 33");
    QTest::newRow("nsec 33 bytes")
        << QStringLiteral("nsec") << key + QByteArray("x") << QStringLiteral("32 bytes, got 33");
    QTest::newRow("note empty") << QStringLiteral("note") << QByteArray()
                                << QStringLiteral("expected 32 bytes, got 0");
    QTest::newRow("nprofile no key") << QStringLiteral("nprofile") << tlv(1, "wss://r")
                                     << QStringLiteral("missing the public key");
    QTest::newRow("nprofile short key")
        << QStringLiteral("nprofile") << tlv(0, key.left(31)) << QStringLiteral("is 31 bytes");
    QTest::newRow("truncated header")
        << QStringLiteral("nprofile") << tlv(0, key) + QByteArray(1, '\x01')
        << QStringLiteral("truncated TLV");
    QTest::newRow("truncated value") << QStringLiteral("nprofile")
                                     << tlv(0, key) + QByteArray("\x01\x0a"
                                                                 "abc",
                                                                 5)
                                     << QStringLiteral("says 10 bytes, only 3 left");
    QTest::newRow("nevent no id") << QStringLiteral("nevent") << tlv(2, key)
                                  << QStringLiteral("missing the event id");
    QTest::newRow("nevent kind 3 bytes")
        << QStringLiteral("nevent") << tlv(0, key) + tlv(3, QByteArray(3, '\0'))
        << QStringLiteral("kind (TLV 3) is 3 bytes");
    QTest::newRow("nevent author 20 bytes")
        << QStringLiteral("nevent") << tlv(0, key) + tlv(2, key.left(20))
        << QStringLiteral("author (TLV 2) is 20 bytes");
    const QByteArray d = tlv(0, "d");
    const QByteArray author = tlv(2, key);
    const QByteArray kind = tlv(3, kindBytes(30311));
    QTest::newRow("naddr no d tag")
        << QStringLiteral("naddr") << author + kind << QStringLiteral("missing the identifier");
    QTest::newRow("naddr no author")
        << QStringLiteral("naddr") << d + kind << QStringLiteral("missing the author");
    QTest::newRow("naddr no kind")
        << QStringLiteral("naddr") << d + author << QStringLiteral("missing the kind");
    QTest::newRow("naddr kind 8 bytes")
        << QStringLiteral("naddr") << d + author + tlv(3, QByteArray(8, '\0'))
        << QStringLiteral("expected 4");
}

void TestNip19::decodeErrors()
{
    QFETCH(QString, prefix);
    QFETCH(QByteArray, payload);
    QFETCH(QString, reason);
    const QString text = Bech32::encode(prefix, payload);
    QVERIFY(!text.isEmpty());
    QString error;
    bool isDecoded = true;
    if (prefix == QLatin1String("npub"))
        isDecoded = bool(Nip19::decodeNpub(text, &error));
    else if (prefix == QLatin1String("nsec"))
        isDecoded = bool(Nip19::decodeNsec(text, &error));
    else if (prefix == QLatin1String("note"))
        isDecoded = bool(Nip19::decodeNote(text, &error));
    else if (prefix == QLatin1String("nprofile"))
        isDecoded = bool(Nip19::decodeNprofile(text, &error));
    else if (prefix == QLatin1String("nevent"))
        isDecoded = bool(Nip19::decodeNevent(text, &error));
    else
        isDecoded = bool(Nip19::decodeNaddr(text, &error));
    QVERIFY(!isDecoded);
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestNip19::encodeErrors()
{
    QString error;
    const QString longRelay = QStringLiteral("wss://") + QString(250, u'r');
    QVERIFY(Nip19::encodeNprofile({FiatjafKey, {longRelay}}, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("at most 255")), qPrintable(error));
    QVERIFY(Nip19::encodeNaddr({QString(256, u'd'), FiatjafKey, 1, {}}, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("identifier")), qPrintable(error));

    // 20 relays of 200 bytes: 4000+ payload bytes, over 5000 characters.
    QStringList relays;
    for (int i = 0; i < 20; ++i)
        relays.append(QStringLiteral("wss://") + QString(194, QLatin1Char('a' + i)));
    QVERIFY(Nip19::encodeNevent({SomeId, relays, std::nullopt, std::nullopt}, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("limit 5000")), qPrintable(error));
}

void TestNip19::prefixOf_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("prefix");
    QTest::newRow("npub") << QStringLiteral("npub1xyz") << QStringLiteral("npub");
    QTest::newRow("uppercase") << QStringLiteral("NSEC1XYZ") << QStringLiteral("nsec");
    QTest::newRow("ncryptsec") << QStringLiteral("ncryptsec1qgg") << QStringLiteral("ncryptsec");
    QTest::newRow("hex") << QString(64, u'a') << QString();
    QTest::newRow("leading 1") << QStringLiteral("1abc") << QString();
}

void TestNip19::prefixOf()
{
    QFETCH(QString, text);
    QFETCH(QString, prefix);
    QCOMPARE(Nip19::prefixOf(text), prefix);
}

QTEST_GUILESS_MAIN(TestNip19)
#include "tst_nip19.moc"
