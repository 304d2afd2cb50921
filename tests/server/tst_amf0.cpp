// Amf0: the values of RTMP commands decode from bytes laid out as the AMF0 specification says,
// encode back to the same bytes, and malformed input fails with a reason instead of crashing.
#include "Amf0.h"

#include <QRandomGenerator>
#include <QTest>

using afk::server::Amf0;

class TestAmf0 : public QObject
{
    Q_OBJECT
private slots:
    void decodesConnectCommand();
    void encodesKnownBytes();
    void roundTripsEveryType();
    void refusesMalformedInput_data();
    void refusesMalformedInput();
    void survivesRandomBytes();
};

void TestAmf0::decodesConnectCommand()
{
    // "connect", 1.0, {app: "live", tcUrl: "rtmp://h/live"} written by hand from the spec.
    QByteArray bytes = QByteArray::fromHex("020007") + "connect";
    bytes += QByteArray::fromHex("003ff0000000000000"); // number 1.0
    bytes += QByteArray::fromHex("03");
    bytes += QByteArray::fromHex("0003") + "app" + QByteArray::fromHex("020004") + "live";
    bytes +=
        QByteArray::fromHex("0005") + "tcUrl" + QByteArray::fromHex("02000d") + "rtmp://h/live";
    bytes += QByteArray::fromHex("000009");
    bytes += QByteArray::fromHex("05"); // null
    QVariantList values;
    QString error;
    QVERIFY2(Amf0::decodeAll(bytes, &values, &error), qPrintable(error));
    QCOMPARE(values.size(), 4);
    QCOMPARE(values[0].toString(), QStringLiteral("connect"));
    QCOMPARE(values[1].toDouble(), 1.0);
    const QVariantMap object = values[2].toMap();
    QCOMPARE(object.value("app").toString(), QStringLiteral("live"));
    QCOMPARE(object.value("tcUrl").toString(), QStringLiteral("rtmp://h/live"));
    QVERIFY(values[3].isNull());
}

void TestAmf0::encodesKnownBytes()
{
    const QByteArray bytes =
        Amf0::encode({QStringLiteral("_result"), 2.0, QVariant(), true,
                      QVariantMap{{QStringLiteral("level"), QStringLiteral("status")}}});
    QByteArray expected = QByteArray::fromHex("020007") + "_result";
    expected += QByteArray::fromHex("004000000000000000"); // 2.0
    expected += QByteArray::fromHex("05");
    expected += QByteArray::fromHex("0101");
    expected += QByteArray::fromHex("030005") + "level" + QByteArray::fromHex("020006") + "status" +
                QByteArray::fromHex("000009");
    QCOMPARE(bytes.toHex(), expected.toHex());
}

void TestAmf0::roundTripsEveryType()
{
    const QVariantList values{-12.5,
                              false,
                              QStringLiteral("ünïcode"),
                              QString(70000, u'x'), // a long string
                              QVariantMap{{QStringLiteral("nested"),
                                           QVariantMap{{QStringLiteral("list"),
                                                        QVariantList{1.0, QStringLiteral("a")}}}}},
                              QVariant(),
                              QVariantList{}};
    QVariantList decoded;
    QString error;
    QVERIFY2(Amf0::decodeAll(Amf0::encode(values), &decoded, &error), qPrintable(error));
    QCOMPARE(decoded.size(), values.size());
    QCOMPARE(decoded[0].toDouble(), -12.5);
    QCOMPARE(decoded[1].toBool(), false);
    QCOMPARE(decoded[2].toString(), QStringLiteral("ünïcode"));
    QCOMPARE(decoded[3].toString().size(), 70000);
    QCOMPARE(decoded[4].toMap().value("nested").toMap().value("list").toList().value(1).toString(),
             QStringLiteral("a"));
    QVERIFY(decoded[5].isNull());
    QCOMPARE(decoded[6].toList().size(), 0);

    // An ECMA array (onMetaData's usual form) and a date decode too.
    QByteArray ecma = QByteArray::fromHex("0800000001") + QByteArray::fromHex("0005") + "width" +
                      QByteArray::fromHex("004084000000000000") + QByteArray::fromHex("000009");
    ecma += QByteArray::fromHex("0b") + QByteArray(8, '\0') + QByteArray(2, '\0');
    decoded.clear();
    QVERIFY2(Amf0::decodeAll(ecma, &decoded, &error), qPrintable(error));
    QCOMPARE(decoded.size(), 2);
    QCOMPARE(decoded[0].toMap().value("width").toDouble(), 640.0);
}

void TestAmf0::refusesMalformedInput_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("truncated number") << QByteArray::fromHex("003ff0") << "truncated";
    QTest::newRow("string past the end") << QByteArray::fromHex("0200ff41") << "truncated";
    QTest::newRow("reference type")
        << QByteArray::fromHex("070001") << "unsupported AMF0 type 0x07";
    QTest::newRow("AMF3 switch") << QByteArray::fromHex("11") << "unsupported AMF0 type 0x11";
    QTest::newRow("object without end")
        << (QByteArray::fromHex("030001") + "a" + QByteArray::fromHex("05")) << "truncated";
    QTest::newRow("strict array count lies")
        << QByteArray::fromHex("0affffffff05") << "strict array";
    // Strict arrays of one value nested 40 deep: refused before the stack is at risk.
    QByteArray nested;
    for (int i = 0; i < 40; ++i)
        nested += QByteArray::fromHex("0a00000001");
    nested += QByteArray::fromHex("05");
    QTest::newRow("too deep") << nested << "nested deeper than 16";
}

void TestAmf0::refusesMalformedInput()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    QVariantList values;
    QString error;
    QVERIFY(!Amf0::decodeAll(bytes, &values, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestAmf0::survivesRandomBytes()
{
    // Seeded so that a failure repeats; the assertion is that every input ends in an answer.
    QRandomGenerator random(1935);
    int refused = 0;
    for (int round = 0; round < 5000; ++round) {
        QByteArray bytes(random.bounded(1, 64), Qt::Uninitialized);
        for (char &byte : bytes)
            byte = char(random.bounded(0, 16)); // mostly type markers and small lengths
        QVariantList values;
        QString error;
        if (!Amf0::decodeAll(bytes, &values, &error)) {
            QVERIFY(!error.isEmpty());
            ++refused;
        }
    }
    QVERIFY(refused > 0);
}

QTEST_GUILESS_MAIN(TestAmf0)
#include "tst_amf0.moc"
