// SocketIoPacket: Socket.IO v4 packet text in and out — valid packets (namespaces, ack ids, binary
// placeholders nested anywhere) and malformed ones, which must give an error, never a crash.
#include "SocketIoPacket.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using afk::server::SocketIoPacket;
using Type = SocketIoPacket::Type;

Q_DECLARE_METATYPE(SocketIoPacket::Type)

namespace {

QString compact(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

} // namespace

class TestSocketIoPacket : public QObject
{
    Q_OBJECT
private slots:
    void decodesValidPackets_data();
    void decodesValidPackets();
    void refusesMalformedPackets_data();
    void refusesMalformedPackets();
    void resolvesAttachments();
    void encodesServerPackets();
    void survivesRandomInput();
};

void TestSocketIoPacket::decodesValidPackets_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Type>("type");
    QTest::addColumn<QString>("nameSpace");
    QTest::addColumn<qint64>("ackId"); // -1: none
    QTest::addColumn<QString>("data"); // compact JSON; empty: no payload
    QTest::addColumn<int>("attachmentCount");

    QTest::newRow("connect") << "0" << Type::Connect << "/" << qint64(-1) << "" << 0;
    QTest::newRow("connect with auth")
        << R"(0{"authorization":"Nostr eyJ9"})" << Type::Connect << "/" << qint64(-1)
        << R"({"authorization":"Nostr eyJ9"})" << 0;
    QTest::newRow("connect namespace")
        << "0/admin," << Type::Connect << "/admin" << qint64(-1) << "" << 0;
    QTest::newRow("connect namespace no comma")
        << "0/admin" << Type::Connect << "/admin" << qint64(-1) << "" << 0;
    QTest::newRow("connect namespace auth") << R"(0/admin,{"token":"x"})" << Type::Connect
                                            << "/admin" << qint64(-1) << R"({"token":"x"})" << 0;
    QTest::newRow("disconnect") << "1" << Type::Disconnect << "/" << qint64(-1) << "" << 0;
    QTest::newRow("event") << R"(2["hello",1,"two",{"a":[true,null]}])" << Type::Event << "/"
                           << qint64(-1) << R"(["hello",1,"two",{"a":[true,null]}])" << 0;
    QTest::newRow("event ack id") << R"(212["start-stream",{"streamKey":"k","userId":"u"}])"
                                  << Type::Event << "/" << qint64(12)
                                  << R"(["start-stream",{"streamKey":"k","userId":"u"}])" << 0;
    QTest::newRow("event namespace ack id")
        << R"(2/chat,7["msg"])" << Type::Event << "/chat" << qint64(7) << R"(["msg"])" << 0;
    QTest::newRow("event unicode")
        << QString::fromUtf8(R"(2["chat","héllo ✓ 🎥"])") << Type::Event << "/" << qint64(-1)
        << QString::fromUtf8(R"(["chat","héllo ✓ 🎥"])") << 0;
    QTest::newRow("ack") << R"(31["ok"])" << Type::Ack << "/" << qint64(1) << R"(["ok"])" << 0;
    QTest::newRow("ack empty") << "30[]" << Type::Ack << "/" << qint64(0) << "[]" << 0;
    QTest::newRow("connect error object") << R"(4{"message":"nope"})" << Type::ConnectError << "/"
                                          << qint64(-1) << R"({"message":"nope"})" << 0;
    QTest::newRow("connect error string")
        << R"(4"nope")" << Type::ConnectError << "/" << qint64(-1) << R"("nope")" << 0;
    QTest::newRow("binary event")
        << R"(51-["stream-data",{"chunk":{"_placeholder":true,"num":0},"streamKey":"k"}])"
        << Type::BinaryEvent << "/" << qint64(-1)
        << R"(["stream-data",{"chunk":{"_placeholder":true,"num":0},"streamKey":"k"}])" << 1;
    QTest::newRow("binary nested")
        << R"(52-["ev",[{"_placeholder":true,"num":1}],{"a":{"b":[{"_placeholder":true,"num":0}]}}])"
        << Type::BinaryEvent << "/" << qint64(-1)
        << R"(["ev",[{"_placeholder":true,"num":1}],{"a":{"b":[{"_placeholder":true,"num":0}]}}])"
        << 2;
    QTest::newRow("binary namespace ack")
        << R"(51-/ns,42["ev",{"_placeholder":true,"num":0}])" << Type::BinaryEvent << "/ns"
        << qint64(42) << R"(["ev",{"_placeholder":true,"num":0}])" << 1;
    QTest::newRow("binary placeholder twice")
        << R"(51-["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])"
        << Type::BinaryEvent << "/" << qint64(-1)
        << R"(["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])" << 1;
    QTest::newRow("binary zero attachments")
        << R"(50-["ev"])" << Type::BinaryEvent << "/" << qint64(-1) << R"(["ev"])" << 0;
    QTest::newRow("binary ack") << R"(61-3[{"_placeholder":true,"num":0}])" << Type::BinaryAck
                                << "/" << qint64(3) << R"([{"_placeholder":true,"num":0}])" << 1;
    QTest::newRow("placeholder in plain event is data")
        << R"(2["ev",{"_placeholder":true,"num":5}])" << Type::Event << "/" << qint64(-1)
        << R"(["ev",{"_placeholder":true,"num":5}])" << 0;
}

void TestSocketIoPacket::decodesValidPackets()
{
    QFETCH(QString, text);
    QFETCH(Type, type);
    QFETCH(QString, nameSpace);
    QFETCH(qint64, ackId);
    QFETCH(QString, data);
    QFETCH(int, attachmentCount);

    QString error;
    const std::optional<SocketIoPacket> packet = SocketIoPacket::decode(text, &error);
    QVERIFY2(packet, qPrintable(error));
    QCOMPARE(packet->type, type);
    QCOMPARE(packet->nameSpace, nameSpace);
    QCOMPARE(packet->ackId.value_or(-1), ackId);
    QCOMPARE(packet->data.isUndefined() ? QString() : compact(packet->data), data);
    QCOMPARE(packet->attachmentCount, attachmentCount);
    QVERIFY(packet->attachments.isEmpty());
    // What we decode we write back the same way (keys above are in Qt's sorted order).
    QString expected = text;
    if (expected == u"0/admin")
        expected += u',';
    QCOMPARE(packet->encode(), expected);
}

void TestSocketIoPacket::refusesMalformedPackets_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("errorContains");

    QTest::newRow("empty") << ""
                           << "empty";
    QTest::newRow("type 7") << R"(7["ev"])"
                            << "type";
    QTest::newRow("type letter") << "x"
                                 << "type";
    QTest::newRow("type minus") << R"(-2["ev"])"
                                << "type";
    QTest::newRow("event without payload") << "2"
                                           << "without a payload";
    QTest::newRow("event object") << R"(2{"a":1})"
                                  << "array";
    QTest::newRow("event empty array") << "2[]"
                                       << "array";
    QTest::newRow("event name number") << "2[1]"
                                       << "array";
    QTest::newRow("event reserved name") << R"(2["connect"])"
                                         << "reserved";
    QTest::newRow("bad json unterminated") << R"(2["ev")"
                                           << "JSON";
    QTest::newRow("bad json trailing") << R"(2["ev"]garbage)"
                                       << "JSON";
    QTest::newRow("bad json two values") << R"(2["ev"],["x"])"
                                         << "JSON";
    QTest::newRow("bad json quote") << R"(2['ev'])"
                                    << "JSON";
    QTest::newRow("disconnect with payload") << "1{}"
                                             << "DISCONNECT";
    QTest::newRow("connect array") << "0[]"
                                   << "CONNECT";
    QTest::newRow("connect string") << R"(0"x")"
                                    << "CONNECT";
    QTest::newRow("connect error array") << "4[1]"
                                         << "CONNECT_ERROR";
    QTest::newRow("ack without payload") << "31"
                                         << "without a payload";
    QTest::newRow("ack object") << R"(31{"a":1})"
                                << "ACK";
    QTest::newRow("binary no count") << R"(5["ev",{"_placeholder":true,"num":0}])"
                                     << "attachment count";
    QTest::newRow("binary no dash") << R"(51["ev",{"_placeholder":true,"num":0}])"
                                    << "attachment count";
    QTest::newRow("binary negative count") << R"(5-1-["ev"])"
                                           << "attachment count";
    QTest::newRow("binary letter count") << R"(5x-["ev"])"
                                         << "non-negative integer";
    QTest::newRow("binary huge count") << R"(599999999999999999999-["ev"])"
                                       << "too many attachments";
    QTest::newRow("binary 17 attachments") << R"(517-["ev"])"
                                           << "too many attachments";
    QTest::newRow("binary count without placeholder") << R"(51-["ev"])"
                                                      << "mismatch";
    QTest::newRow("binary placeholders short")
        << R"(52-["ev",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])"
        << "mismatch";
    QTest::newRow("placeholder num out of range") << R"(51-["ev",{"_placeholder":true,"num":1}])"
                                                  << "out of range";
    QTest::newRow("placeholder num negative") << R"(51-["ev",{"_placeholder":true,"num":-1}])"
                                              << "out of range";
    QTest::newRow("placeholder num fraction") << R"(51-["ev",{"_placeholder":true,"num":0.5}])"
                                              << "out of range";
    QTest::newRow("placeholder num string") << R"(51-["ev",{"_placeholder":true,"num":"0"}])"
                                            << "out of range";
    QTest::newRow("placeholder num missing") << R"(51-["ev",{"_placeholder":true}])"
                                             << "out of range";
    QTest::newRow("placeholder num huge") << R"(51-["ev",{"_placeholder":true,"num":1e300}])"
                                          << "out of range";
    QTest::newRow("placeholder nested out of range")
        << R"(51-["ev",{"a":[[{"_placeholder":true,"num":3}]]}])"
        << "out of range";
    QTest::newRow("ack id too large") << R"(2123456789012345678901["ev"])"
                                      << "ack id";
    QTest::newRow("ack id over 2^53") << R"(29007199254740992["ev"])"
                                      << "ack id";
    QTest::newRow("namespace too long") << "0/" + QString(300, u'a') + ","
                                        << "namespace";
}

void TestSocketIoPacket::refusesMalformedPackets()
{
    QFETCH(QString, text);
    QFETCH(QString, errorContains);
    QString error;
    const std::optional<SocketIoPacket> packet = SocketIoPacket::decode(text, &error);
    QVERIFY2(!packet, qPrintable(QStringLiteral("accepted: ") + text.left(80)));
    QVERIFY2(error.contains(errorContains, Qt::CaseInsensitive),
             qPrintable(QStringLiteral("error '%1' lacks '%2'").arg(error, errorContains)));
}

void TestSocketIoPacket::resolvesAttachments()
{
    std::optional<SocketIoPacket> packet = SocketIoPacket::decode(QStringLiteral(
        R"(52-["stream-data",{"chunk":{"_placeholder":true,"num":1},"streamKey":"k"},{"_placeholder":true,"num":0}])"));
    QVERIFY(packet);
    QCOMPARE(packet->eventName(), QStringLiteral("stream-data"));
    const QJsonObject request = packet->eventArguments().at(0).toObject();
    QCOMPARE(request.value("streamKey").toString(), QStringLiteral("k"));
    // Not complete yet: nothing resolves.
    QVERIFY(!packet->attachmentFor(request.value("chunk")));
    packet->attachments << QByteArray("first") << QByteArray("\x1a\x45\xdf\xa3 second", 11);
    QVERIFY(packet->isComplete());
    QCOMPARE(packet->attachmentFor(request.value("chunk")).value(),
             QByteArray("\x1a\x45\xdf\xa3 second", 11));
    QCOMPARE(packet->attachmentFor(packet->eventArguments().at(1)).value(), QByteArray("first"));
    QVERIFY(!packet->attachmentFor(request.value("streamKey")));
    QVERIFY(!packet->attachmentFor(QJsonObject{{"_placeholder", true}, {"num", 2}}));

    // A placeholder in a plain EVENT is only data.
    const std::optional<SocketIoPacket> plain = SocketIoPacket::decode(
        QStringLiteral(R"(2["stream-data",{"chunk":{"_placeholder":true,"num":0}}])"));
    QVERIFY(plain);
    QVERIFY(!plain->attachmentFor(plain->eventArguments().at(0).toObject().value("chunk")));
}

void TestSocketIoPacket::encodesServerPackets()
{
    QCOMPARE(SocketIoPacket::event("stream-error", {QJsonObject{{"error", "Stream not found"}}})
                 .encode(),
             QStringLiteral(R"(2["stream-error",{"error":"Stream not found"}])"));
    QCOMPARE(SocketIoPacket::event("x", {}, 5).encode(), QStringLiteral(R"(25["x"])"));
    QCOMPARE(SocketIoPacket::ack(9, {QJsonObject{{"ok", true}}}).encode(),
             QStringLiteral(R"(39[{"ok":true}])"));
    SocketIoPacket connect;
    connect.type = Type::Connect;
    connect.data = QJsonObject{{"sid", "abc"}};
    QCOMPARE(connect.encode(), QStringLiteral(R"(0{"sid":"abc"})"));
    SocketIoPacket binary =
        SocketIoPacket::event("ev", {QJsonObject{{"_placeholder", true}, {"num", 0}}});
    binary.type = Type::BinaryEvent;
    binary.attachmentCount = 1;
    binary.nameSpace = "/ns";
    QCOMPARE(binary.encode(), QStringLiteral(R"(51-/ns,["ev",{"_placeholder":true,"num":0}])"));
}

void TestSocketIoPacket::survivesRandomInput()
{
    // Random mutations of valid packets: any answer is fine, a crash or hang is not.
    const QStringList seeds = {R"(51-/ns,42["ev",{"_placeholder":true,"num":0}])",
                               R"(0{"authorization":"Nostr x"})",
                               R"(212["start-stream",{"streamKey":"k"}])", R"(4"nope")", "61-3[]"};
    const QString alphabet = QStringLiteral("0123456789-/,[]{}\":_ptruenlaxm.e\\");
    QRandomGenerator random(20261125);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        QString text = seeds.at(random.bounded(int(seeds.size())));
        const int edits = 1 + random.bounded(4);
        for (int edit = 0; edit < edits; ++edit) {
            const int at = text.isEmpty() ? 0 : random.bounded(int(text.size()));
            switch (random.bounded(3)) {
            case 0:
                text.insert(at, alphabet.at(random.bounded(int(alphabet.size()))));
                break;
            case 1:
                if (!text.isEmpty())
                    text.remove(at, 1);
                break;
            default:
                if (!text.isEmpty())
                    text[at] = alphabet.at(random.bounded(int(alphabet.size())));
                break;
            }
        }
        QString error;
        const std::optional<SocketIoPacket> packet = SocketIoPacket::decode(text, &error);
        if (packet) {
            ++accepted;
            QVERIFY(error.isEmpty());
            QVERIFY(packet->type != Type::Invalid);
        } else {
            QVERIFY2(!error.isEmpty(), qPrintable(text));
        }
    }
    QVERIFY(accepted > 0);
}

QTEST_GUILESS_MAIN(TestSocketIoPacket)
#include "tst_socketiopacket.moc"
