// EngineIoPacket: Engine.IO v4 text packets of the WebSocket transport.
#include "EngineIoPacket.h"

#include <QTest>

using afk::server::EngineIoPacket;
using Type = EngineIoPacket::Type;

Q_DECLARE_METATYPE(EngineIoPacket::Type)

class TestEngineIoPacket : public QObject
{
    Q_OBJECT
private slots:
    void decodes_data();
    void decodes();
    void refuses_data();
    void refuses();
    void encodes();
};

void TestEngineIoPacket::decodes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Type>("type");
    QTest::addColumn<QString>("data");
    QTest::newRow("open") << R"(0{"sid":"x"})" << Type::Open << R"({"sid":"x"})";
    QTest::newRow("close") << "1" << Type::Close << "";
    QTest::newRow("ping") << "2" << Type::Ping << "";
    QTest::newRow("ping probe") << "2probe" << Type::Ping << "probe";
    QTest::newRow("pong") << "3" << Type::Pong << "";
    QTest::newRow("message") << R"(42["ev"])" << Type::Message << R"(2["ev"])";
    QTest::newRow("empty message") << "4" << Type::Message << "";
    QTest::newRow("upgrade") << "5" << Type::Upgrade << "";
    QTest::newRow("noop") << "6" << Type::Noop << "";
}

void TestEngineIoPacket::decodes()
{
    QFETCH(QString, text);
    QFETCH(Type, type);
    QFETCH(QString, data);
    QString error;
    const std::optional<EngineIoPacket> packet = EngineIoPacket::decodeText(text, &error);
    QVERIFY2(packet, qPrintable(error));
    QCOMPARE(packet->type, type);
    QCOMPARE(packet->text, data);
    QVERIFY(!packet->isBinary);
    QCOMPARE(packet->encodeText(), text);
}

void TestEngineIoPacket::refuses_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << "";
    QTest::newRow("seven") << "7";
    QTest::newRow("letter") << "hello";
    QTest::newRow("space") << " 4";
    QTest::newRow("control") << QString(QChar(u'\x01'));
    QTest::newRow("non-ascii digit") << QString::fromUtf8("٤2[\"ev\"]");
}

void TestEngineIoPacket::refuses()
{
    QFETCH(QString, text);
    QString error;
    QVERIFY(!EngineIoPacket::decodeText(text, &error));
    QVERIFY(!error.isEmpty());
}

void TestEngineIoPacket::encodes()
{
    QCOMPARE(EngineIoPacket::textPacket(Type::Ping).encodeText(), QStringLiteral("2"));
    QCOMPARE(EngineIoPacket::textPacket(Type::Message, R"(0{"sid":"a"})").encodeText(),
             QStringLiteral(R"(40{"sid":"a"})"));
    const EngineIoPacket binary = EngineIoPacket::binaryMessage(QByteArray("\x00\x01", 2));
    QVERIFY(binary.isBinary);
    QCOMPARE(binary.type, Type::Message);
    QCOMPARE(binary.binary.size(), 2);
}

QTEST_GUILESS_MAIN(TestEngineIoPacket)
#include "tst_engineiopacket.moc"
