// NIP-01 events: the id serialization (escaping), id, signing, verification and JSON in/out.
#include "Event.h"
#include "JsonString.h"
#include "KeyPair.h"
#include "Secp256k1Context.h"
#include "TestData.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace afk::nostr;
using namespace afk::nostr::test;

namespace
{

QJsonObject chatExampleObject(QString *error)
{
    const QByteArray json = readTestData(QStringLiteral("nip53-chat-event.json"), error);
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestEvent : public QObject
{
    Q_OBJECT

private slots:
    void nip53ChatExample();
    void oneCharacterChangeFails_data();
    void oneCharacterChangeFails();
    void escaping_data();
    void escaping();
    void serializeForIdExactBytes();
    void signAndVerify_data();
    void signAndVerify();
    void signRefusesBadKind();
    void tamperedSignature();
    void jsonRefused_data();
    void jsonRefused();
    void jsonBytesRoundTrip();

private:
    Secp256k1Context m_context;
};

void TestEvent::nip53ChatExample()
{
    QString error;
    const QJsonObject object = chatExampleObject(&error);
    QVERIFY2(!object.isEmpty(), qPrintable(error));
    const std::optional<Event> event = Event::fromJson(object, &error);
    QVERIFY2(event, qPrintable(error));
    QCOMPARE(event->kind, 1311);
    QCOMPARE(event->computeId().toHex(), object.value(QLatin1String("id")).toString());
    QVERIFY2(event->verify(m_context, &error), qPrintable(error));
    QCOMPARE(event->firstTag(QStringLiteral("a")).value(3), QStringLiteral("root"));
    QCOMPARE(event->toJson(), object);
    QCOMPARE(Event::fromJsonBytes(event->toJsonBytes()), event);
}

void TestEvent::oneCharacterChangeFails_data()
{
    QTest::addColumn<QString>("field");
    QTest::newRow("content") << QStringLiteral("content");
    QTest::newRow("tag") << QStringLiteral("tags");
    QTest::newRow("created_at") << QStringLiteral("created_at");
    QTest::newRow("kind") << QStringLiteral("kind");
}

void TestEvent::oneCharacterChangeFails()
{
    QFETCH(QString, field);
    QString error;
    std::optional<Event> event = Event::fromJson(chatExampleObject(&error), &error);
    QVERIFY2(event, qPrintable(error));
    if (field == QLatin1String("content"))
        event->content[0] = QLatin1Char('z'); // "Zaps…" → "zaps…"
    else if (field == QLatin1String("tags"))
        event->tags[0][3] = QStringLiteral("rooT");
    else if (field == QLatin1String("created_at"))
        event->createdAt += 1;
    else
        event->kind = 1312;
    QVERIFY(!event->verify(m_context, &error));
    QCOMPARE(error, QStringLiteral("the id does not match the event's content"));

    // Even with the id recomputed, the signature does not cover the change.
    event->id = event->computeId();
    QVERIFY(!event->verify(m_context, &error));
    QCOMPARE(error, QStringLiteral("the signature does not verify"));
}

void TestEvent::escaping_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("expected");

    // NIP-01: \b \t \n \f \r get their short escapes, every other control character \u00xx in
    // lowercase hex.
    for (char16_t c = 0; c < 0x20; ++c) {
        QByteArray expected;
        switch (c) {
        case 0x08:
            expected = "\\b";
            break;
        case 0x09:
            expected = "\\t";
            break;
        case 0x0a:
            expected = "\\n";
            break;
        case 0x0c:
            expected = "\\f";
            break;
        case 0x0d:
            expected = "\\r";
            break;
        default:
            expected = QByteArray("\\u00") + QByteArray::number(c, 16).rightJustified(2, '0');
        }
        QTest::addRow("U+%04X", unsigned(c)) << QString(QChar(c)) << "\"" + expected + "\"";
    }
    QTest::newRow("quote") << QStringLiteral("say \"hi\"") << QByteArray(R"("say \"hi\"")");
    QTest::newRow("backslash") << QStringLiteral("a\\b") << QByteArray(R"("a\\b")");
    QTest::newRow("slash stays") << QStringLiteral("https://x/y") << QByteArray(R"("https://x/y")");
    QTest::newRow("DEL stays") << QStringLiteral("\x7f") << QByteArray("\"\x7f\"");
    QTest::newRow("latin-1") << QStringLiteral("café") << QByteArray("\"caf\xc3\xa9\"");
    QTest::newRow("CJK") << QStringLiteral("日本") << QByteArray("\"\xe6\x97\xa5\xe6\x9c\xac\"");
    QTest::newRow("emoji (surrogate pair)")
        << QStringLiteral("⚡🤙") << QByteArray("\"\xe2\x9a\xa1\xf0\x9f\xa4\x99\"");
    QTest::newRow("U+2028 stays") << QString(QChar(0x2028)) << QByteArray("\"\xe2\x80\xa8\"");
    QTest::newRow("lone high surrogate") << QString(QChar(0xd83d)) << QByteArray(R"("\ud83d")");
    QTest::newRow("lone low surrogate")
        << QString(QChar(0xdc99)) + QLatin1Char('x') << QByteArray(R"("\udc99x")");
    QTest::newRow("mixed") << QStringLiteral("\"\\/\b\f\n\r\t\x01\x1f é 🤙")
                           << QByteArray(R"("\"\\/\b\f\n\r\t\u0001\u001f )"
                                         "\xc3\xa9 \xf0\x9f\xa4\x99\"");
    QTest::newRow("empty") << QString() << QByteArray("\"\"");
}

void TestEvent::escaping()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, expected);
    QCOMPARE(quoteJsonString(text), expected);

    // The same bytes end the id serialization, and a JSON parser reads back the same text.
    Event event;
    event.content = text;
    QVERIFY(event.serializeForId().endsWith("," + expected + "]"));
    const bool isWellFormedUtf16 = !text.contains(QChar(0xd83d)) && !text.contains(QChar(0xdc99));
    if (isWellFormedUtf16) {
        const QJsonArray parsed = QJsonDocument::fromJson("[" + expected + "]").array();
        QCOMPARE(parsed.at(0).toString(), text);
    }
}

void TestEvent::serializeForIdExactBytes()
{
    Event event;
    event.pubkey = *PublicKey::fromHex(
        QStringLiteral("3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"));
    event.createdAt = 1700000000;
    event.kind = 30311;
    event.tags = {{QStringLiteral("d"), QStringLiteral("key\"1")},
                  {},
                  {QStringLiteral("t"), QStringLiteral("a/b"), QString()}};
    event.content = QStringLiteral("line1\nline2");
    QCOMPARE(event.serializeForId(),
             QByteArray(R"([0,"3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d",)"
                        R"(1700000000,30311,[["d","key\"1"],[],["t","a/b",""]],"line1\nline2"])"));
}

void TestEvent::signAndVerify_data()
{
    QTest::addColumn<QString>("content");
    QTest::addColumn<QList<QStringList>>("tags");
    QTest::newRow("empty") << QString() << QList<QStringList>();
    QTest::newRow("controls and quotes")
        << QStringLiteral("\x01\x02\"\\\b\f\n\r\t\x1f/")
        << QList<QStringList>{{QStringLiteral("t"), QStringLiteral("\x7f")}};
    QTest::newRow("unicode") << QStringLiteral("héllo 日本 🤙🏽 \u2028")
                             << QList<QStringList>{
                                    {QStringLiteral("title"), QStringLiteral("⚡ live")}};
    QTest::newRow("live chat")
        << QStringLiteral("hello stream")
        << QList<QStringList>{{QStringLiteral("a"),
                               QStringLiteral("30311:3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e55"
                                              "8472c4eb9aaaefa459d:demo"),
                               QStringLiteral("wss://relay.example.com"), QStringLiteral("root")}};
}

void TestEvent::signAndVerify()
{
    QFETCH(QString, content);
    QFETCH(QList<QStringList>, tags);
    QString error;
    const std::optional<KeyPair> keyPair = KeyPair::generate(m_context, &error);
    QVERIFY2(keyPair, qPrintable(error));

    Event event;
    event.createdAt = 1687286726;
    event.kind = 1311;
    event.tags = tags;
    event.content = content;
    QVERIFY2(event.sign(*keyPair, &error), qPrintable(error));
    QCOMPARE(event.pubkey, keyPair->publicKey());
    QCOMPARE(event.id, event.computeId());
    QVERIFY2(event.verify(m_context, &error), qPrintable(error));

    // Through both JSON forms and back.
    const std::optional<Event> fromObject = Event::fromJson(event.toJson(), &error);
    QVERIFY2(fromObject, qPrintable(error));
    QCOMPARE(*fromObject, event);
    const std::optional<Event> fromBytes = Event::fromJsonBytes(event.toJsonBytes(), &error);
    QVERIFY2(fromBytes, qPrintable(error));
    QCOMPARE(*fromBytes, event);
    QVERIFY(fromBytes->verify(m_context));
}

void TestEvent::signRefusesBadKind()
{
    const std::optional<KeyPair> keyPair = KeyPair::generate(m_context);
    QVERIFY(keyPair);
    Event event;
    event.kind = 65536;
    QString error;
    QVERIFY(!event.sign(*keyPair, &error));
    QVERIFY(error.contains(QLatin1String("kind")));
    event.kind = 1;
    event.createdAt = -5;
    QVERIFY(!event.sign(*keyPair, &error));
    QVERIFY(error.contains(QLatin1String("created_at")));
}

void TestEvent::tamperedSignature()
{
    QString error;
    std::optional<Event> event = Event::fromJson(chatExampleObject(&error), &error);
    QVERIFY2(event, qPrintable(error));
    QByteArray sig = event->sig.toByteArray();
    sig[63] = char(sig[63] ^ 0x01);
    event->sig = *Signature::fromBytes(sig);
    QVERIFY(!event->verify(m_context, &error));
    QCOMPARE(error, QStringLiteral("the signature does not verify"));

    // Another author with the same id and signature: the id no longer matches.
    event = Event::fromJson(chatExampleObject(&error), &error);
    event->pubkey = *PublicKey::fromHex(
        QStringLiteral("3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"));
    QVERIFY(!event->verify(m_context, &error));
    QCOMPARE(error, QStringLiteral("the id does not match the event's content"));
}

void TestEvent::jsonRefused_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QJsonValue>("value"); // Undefined: remove the field
    const QJsonValue missing(QJsonValue::Undefined);
    for (const char *field : {"id", "pubkey", "created_at", "kind", "tags", "content", "sig"})
        QTest::addRow("missing %s", field) << QString::fromLatin1(field) << missing;

    const QString hex64(64, QLatin1Char('a'));
    QTest::newRow("id number") << QStringLiteral("id") << QJsonValue(12);
    QTest::newRow("id 63 hex") << QStringLiteral("id") << QJsonValue(hex64.left(63));
    QTest::newRow("id uppercase") << QStringLiteral("id") << QJsonValue(hex64.toUpper());
    QTest::newRow("pubkey 65 hex")
        << QStringLiteral("pubkey") << QJsonValue(hex64 + QLatin1Char('a'));
    QTest::newRow("pubkey npub")
        << QStringLiteral("pubkey")
        << QJsonValue(
               QStringLiteral("npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6"));
    QTest::newRow("sig 64 hex") << QStringLiteral("sig") << QJsonValue(hex64);
    QTest::newRow("sig null") << QStringLiteral("sig") << QJsonValue(QJsonValue::Null);
    QTest::newRow("created_at string")
        << QStringLiteral("created_at") << QJsonValue(QStringLiteral("1687286726"));
    QTest::newRow("created_at fraction")
        << QStringLiteral("created_at") << QJsonValue(1687286726.5);
    QTest::newRow("created_at negative") << QStringLiteral("created_at") << QJsonValue(-1);
    QTest::newRow("created_at 2^60") << QStringLiteral("created_at") << QJsonValue(qint64(1) << 60);
    QTest::newRow("kind 65536") << QStringLiteral("kind") << QJsonValue(65536);
    QTest::newRow("kind negative") << QStringLiteral("kind") << QJsonValue(-1);
    QTest::newRow("kind fraction") << QStringLiteral("kind") << QJsonValue(1.5);
    QTest::newRow("kind bool") << QStringLiteral("kind") << QJsonValue(true);
    QTest::newRow("tags object") << QStringLiteral("tags") << QJsonValue(QJsonObject());
    QTest::newRow("tag not array")
        << QStringLiteral("tags") << QJsonValue(QJsonArray{QStringLiteral("a")});
    QTest::newRow("tag value number")
        << QStringLiteral("tags") << QJsonValue(QJsonArray{QJsonArray{QStringLiteral("a"), 1}});
    QTest::newRow("tag value null")
        << QStringLiteral("tags") << QJsonValue(QJsonArray{QJsonArray{QJsonValue::Null}});
    QTest::newRow("content number") << QStringLiteral("content") << QJsonValue(1);
    QTest::newRow("content array") << QStringLiteral("content") << QJsonValue(QJsonArray());
}

void TestEvent::jsonRefused()
{
    QFETCH(QString, field);
    QFETCH(QJsonValue, value);
    QString error;
    QJsonObject object = chatExampleObject(&error);
    QVERIFY2(Event::fromJson(object, &error), qPrintable(error));
    if (value.isUndefined())
        object.remove(field);
    else
        object.insert(field, value);
    error.clear();
    QVERIFY(!Event::fromJson(object, &error));
    QVERIFY2(error.contains(field), qPrintable(error));
}

void TestEvent::jsonBytesRoundTrip()
{
    QString error;
    QVERIFY(!Event::fromJsonBytes("[1,2]", &error));
    QVERIFY(error.contains(QLatin1String("object")));
    QVERIFY(!Event::fromJsonBytes("{\"id\":", &error));
    QVERIFY(error.contains(QLatin1String("invalid JSON")));

    const QByteArray json = readTestData(QStringLiteral("nip53-chat-event.json"), &error);
    const std::optional<Event> event = Event::fromJsonBytes(json, &error);
    QVERIFY2(event, qPrintable(error));
    // Our compact output is the file's own (it is in NIP-01 field order, compact).
    QCOMPARE(event->toJsonBytes(), json.trimmed());
}

QTEST_GUILESS_MAIN(TestEvent)
#include "tst_event.moc"
