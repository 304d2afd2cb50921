// Hex and the fixed-size value types: PublicKey, EventId, Signature, SecretKey.
#include "EventId.h"
#include "Hex.h"
#include "PublicKey.h"
#include "SecretKey.h"
#include "Signature.h"

#include <QDebug>
#include <QSet>
#include <QTest>

#include <type_traits>

using namespace afk::nostr;

class TestFixedBytes : public QObject
{
    Q_OBJECT

private slots:
    void hexRoundTrip_data();
    void hexRoundTrip();
    void hexRefused_data();
    void hexRefused();
    void fixedLengths_data();
    void fixedLengths();
    void typesAreDistinct();
    void comparisonAndHash();
    void secretKeyParsing_data();
    void secretKeyParsing();
    void secretKeyIsNeverPrinted();
    void secretKeyMoveWipesSource();
};

void TestFixedBytes::hexRoundTrip_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("hex");
    QTest::newRow("empty") << QByteArray() << QString();
    QTest::newRow("one byte") << QByteArray("\x0f", 1) << QStringLiteral("0f");
    QTest::newRow("all nibbles") << QByteArray::fromHex("0123456789abcdef")
                                 << QStringLiteral("0123456789abcdef");
    QTest::newRow("high bytes") << QByteArray("\xff\x80\x00", 3) << QStringLiteral("ff8000");
}

void TestFixedBytes::hexRoundTrip()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, hex);
    QCOMPARE(hexEncode(bytes), hex);
    const std::optional<QByteArray> decoded = hexDecode(hex);
    QVERIFY(decoded);
    QCOMPARE(*decoded, bytes);
}

void TestFixedBytes::hexRefused_data()
{
    QTest::addColumn<QString>("hex");
    QTest::newRow("odd length") << QStringLiteral("abc");
    QTest::newRow("uppercase") << QStringLiteral("AB");
    QTest::newRow("not hex") << QStringLiteral("zz");
    QTest::newRow("space") << QStringLiteral("a ");
    QTest::newRow("0x prefix") << QStringLiteral("0x12");
    QTest::newRow("non-ASCII digit") << QStringLiteral("\u0661\u0662"); // Arabic-Indic 1, 2
}

void TestFixedBytes::hexRefused()
{
    QFETCH(QString, hex);
    QString error;
    QVERIFY(!hexDecode(hex, &error));
    QVERIFY(!error.isEmpty());
}

void TestFixedBytes::fixedLengths_data()
{
    QTest::addColumn<int>("byteCount");
    for (int count : {0, 31, 32, 33, 63, 64, 65})
        QTest::addRow("%d bytes", count) << count;
}

void TestFixedBytes::fixedLengths()
{
    QFETCH(int, byteCount);
    const QByteArray bytes(byteCount, '\x5a');
    const QString hex = hexEncode(bytes);

    QString error;
    QCOMPARE(bool(PublicKey::fromBytes(bytes, &error)), byteCount == 32);
    QCOMPARE(bool(PublicKey::fromHex(hex)), byteCount == 32);
    QCOMPARE(bool(EventId::fromBytes(bytes)), byteCount == 32);
    QCOMPARE(bool(EventId::fromHex(hex)), byteCount == 32);
    QCOMPARE(bool(Signature::fromBytes(bytes)), byteCount == 64);
    QCOMPARE(bool(Signature::fromHex(hex, &error)), byteCount == 64);
    QCOMPARE(bool(SecretKey::fromBytes(bytes)), byteCount == 32);
    QCOMPARE(bool(SecretKey::fromHex(hex)), byteCount == 32);
    if (byteCount != 64)
        QVERIFY2(error.contains(QLatin1String("128")), qPrintable(error));

    if (byteCount == 32) {
        const PublicKey key = *PublicKey::fromHex(hex);
        QCOMPARE(key.toHex(), hex);
        QCOMPARE(key.toByteArray(), bytes);
        QVERIFY(!key.isNull());
        QVERIFY(PublicKey().isNull());
    }
}

void TestFixedBytes::typesAreDistinct()
{
    static_assert(!std::is_convertible_v<PublicKey, EventId>);
    static_assert(!std::is_convertible_v<EventId, PublicKey>);
    static_assert(!std::is_convertible_v<SecretKey, QString>);
    static_assert(!std::is_convertible_v<SecretKey, QByteArray>);
    static_assert(!std::is_constructible_v<QString, SecretKey>);
    static_assert(PublicKey::Size == 32 && EventId::Size == 32 && Signature::Size == 64);
    QVERIFY(true);
}

void TestFixedBytes::comparisonAndHash()
{
    const EventId a = *EventId::fromHex(QString(64, QLatin1Char('0')).replace(63, 1, u'1'));
    const EventId b = *EventId::fromHex(QString(64, QLatin1Char('0')).replace(0, 1, u'1'));
    QVERIFY(a != b);
    QVERIFY(a < b);
    QCOMPARE(a, *EventId::fromBytes(a.toByteArray()));
    QSet<EventId> set{a, b, a};
    QCOMPARE(set.size(), 2);
}

void TestFixedBytes::secretKeyParsing_data()
{
    QTest::addColumn<QString>("hex");
    QTest::addColumn<bool>("isValid");
    const QString lower =
        QStringLiteral("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa");
    QTest::newRow("lowercase") << lower << true;
    QTest::newRow("uppercase (pasted)") << lower.toUpper() << true;
    QTest::newRow("63 characters") << lower.left(63) << false;
    QTest::newRow("65 characters") << lower + QLatin1Char('0') << false;
    QTest::newRow("not hex") << QString(lower).replace(10, 1, u'g') << false;
}

void TestFixedBytes::secretKeyParsing()
{
    QFETCH(QString, hex);
    QFETCH(bool, isValid);
    QString error;
    const std::optional<SecretKey> key = SecretKey::fromHex(hex, &error);
    QCOMPARE(bool(key), isValid);
    QCOMPARE(error.isEmpty(), isValid);
    if (key) {
        const SecretKey expected = *SecretKey::fromBytes(QByteArray::fromHex(hex.toLatin1()));
        QVERIFY(*key == expected);
    }
}

void TestFixedBytes::secretKeyIsNeverPrinted()
{
    const SecretKey key = *SecretKey::fromHex(QString(64, QLatin1Char('a')));
    QString printed;
    QDebug(&printed) << key;
    QCOMPARE(printed.trimmed(), QStringLiteral("SecretKey(redacted)"));
    QVERIFY(!printed.contains(QLatin1String("aaaa")));
}

void TestFixedBytes::secretKeyMoveWipesSource()
{
    SecretKey source = SecretKey::random();
    QVERIFY(!source.isNull());
    const SecretKey copy = source;
    SecretKey moved = std::move(source);
    QVERIFY(moved == copy);
    QVERIFY(source.isNull()); // NOLINT(bugprone-use-after-move): wiping is the point
    QVERIFY(!(SecretKey::random() == SecretKey::random()));
}

QTEST_GUILESS_MAIN(TestFixedBytes)
#include "tst_fixedbytes.moc"
