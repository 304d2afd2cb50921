// LiveChat: which kind-1311 events a live event's chat keeps (a tag, kind, signature, size),
// de-duplication, ordering, the bound, the subscription path, and the host's signed messages.
#include "KeyPair.h"
#include "LiveChat.h"
#include "RelayPool.h"
#include "Secp256k1Context.h"

#include <QSignalSpy>
#include <QTest>

using namespace afk::nostr;

namespace {

enum class Tamper { None = 0, Signature, Content };

} // namespace

Q_DECLARE_METATYPE(Tamper)

class TestLiveChat : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void filtersEvents_data();
    void filtersEvents();
    void dropsDuplicates();
    void ordersByCreatedAt();
    void keepsTheNewestWithinTheBound();
    void refusesOversizeContent_data();
    void refusesOversizeContent();
    void takesOnlyItsSubscription();
    void signsHostMessages();
    void refusesBadHostMessages_data();
    void refusesBadHostMessages();
    void sendKeepsTheMessage();
    void reportsRefusalsOfItsOwnMessages();
    void filtersBySince();

private:
    // A kind-1311 event by `author` with the given tags and content, signed.
    Event chatEvent(const KeyPair &author, const QList<QStringList> &tags, const QString &content,
                    qint64 createdAt = 1764000000, int kind = LiveChat::Kind) const;
    QStringList rootTag() const
    {
        return {QStringLiteral("a"), m_chat->address(), QString(), QStringLiteral("root")};
    }

    std::unique_ptr<Secp256k1Context> m_context;
    std::optional<KeyPair> m_host;
    std::optional<KeyPair> m_viewer;
    std::unique_ptr<RelayPool> m_pool;
    std::unique_ptr<LiveChat> m_chat;
};

void TestLiveChat::initTestCase()
{
    m_context = std::make_unique<Secp256k1Context>();
    QVERIFY2(m_context->isValid(), qPrintable(m_context->errorString()));
    QString error;
    m_host = KeyPair::generate(*m_context, &error);
    QVERIFY2(m_host, qPrintable(error));
    m_viewer = KeyPair::generate(*m_context, &error);
    QVERIFY2(m_viewer, qPrintable(error));
}

void TestLiveChat::init()
{
    m_pool = std::make_unique<RelayPool>(*m_context);
    QVERIFY(m_pool->addRelay(QStringLiteral("ws://127.0.0.1:9/")));
    m_chat = std::make_unique<LiveChat>(*m_pool, *m_host, QStringLiteral("stream-1"));
}

void TestLiveChat::cleanup()
{
    m_chat.reset();
    m_pool.reset();
}

Event TestLiveChat::chatEvent(const KeyPair &author, const QList<QStringList> &tags,
                              const QString &content, qint64 createdAt, int kind) const
{
    Event event;
    event.kind = kind;
    event.createdAt = createdAt;
    event.tags = tags;
    event.content = content;
    QString error;
    if (!event.sign(author, &error))
        qFatal("cannot sign: %s", qPrintable(error));
    return event;
}

void TestLiveChat::filtersEvents_data()
{
    QTest::addColumn<QString>("address"); // "" = the chat's own
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("withOtherTagFirst");
    QTest::addColumn<Tamper>("tamper");
    QTest::addColumn<QString>("reasonContains"); // empty: kept

    QTest::newRow("matching a tag") << "" << 1311 << false << Tamper::None << "";
    QTest::newRow("matching a tag after others") << "" << 1311 << true << Tamper::None << "";
    QTest::newRow("other stream") << "30311:{host}:stream-2" << 1311 << false << Tamper::None
                                  << "a tag";
    QTest::newRow("other host") << "30311:{viewer}:stream-1" << 1311 << false << Tamper::None
                                << "a tag";
    QTest::newRow("other kind in address")
        << "30023:{host}:stream-1" << 1311 << false << Tamper::None << "a tag";
    QTest::newRow("no a tag") << "none" << 1311 << false << Tamper::None << "a tag";
    QTest::newRow("kind 1") << "" << 1 << false << Tamper::None << "kind";
    QTest::newRow("bad signature") << "" << 1311 << false << Tamper::Signature << "verify";
    QTest::newRow("content changed after signing")
        << "" << 1311 << false << Tamper::Content << "verify";
}

void TestLiveChat::filtersEvents()
{
    QFETCH(QString, address);
    QFETCH(int, kind);
    QFETCH(bool, withOtherTagFirst);
    QFETCH(Tamper, tamper);
    QFETCH(QString, reasonContains);

    QList<QStringList> tags;
    if (withOtherTagFirst)
        tags << QStringList{QStringLiteral("p"), m_host->publicKey().toHex()}
             << QStringList{QStringLiteral("a"),
                            QStringLiteral("30311:%1:x").arg(QString(64, u'0'))};
    if (address.isEmpty())
        tags << rootTag();
    else if (address != u"none")
        tags << QStringList{
            QStringLiteral("a"),
            QString(address)
                .replace(QStringLiteral("{host}"), m_host->publicKey().toHex())
                .replace(QStringLiteral("{viewer}"), m_viewer->publicKey().toHex())};
    Event event = chatEvent(*m_viewer, tags, QStringLiteral("hi"), 1764000000, kind);
    if (tamper == Tamper::Signature) {
        QByteArray bytes = event.sig.toByteArray();
        bytes[5] = char(bytes[5] ^ 0x01);
        event.sig = *Signature::fromBytes(bytes);
    } else if (tamper == Tamper::Content) {
        event.content = QStringLiteral("hi!");
    }

    QSignalSpy added(m_chat.get(), &LiveChat::messageAdded);
    QString reason;
    const bool isKept = m_chat->addEvent(event, &reason);
    if (reasonContains.isEmpty()) {
        QVERIFY2(isKept, qPrintable(reason));
        QCOMPARE(m_chat->messages().size(), 1);
        QCOMPARE(m_chat->messages().first(), event);
        QCOMPARE(added.size(), 1);
    } else {
        QVERIFY(!isKept);
        QVERIFY2(reason.contains(reasonContains),
                 qPrintable(QStringLiteral("reason '%1' lacks '%2'").arg(reason, reasonContains)));
        QVERIFY(m_chat->messages().isEmpty());
        QCOMPARE(added.size(), 0);
    }
}

void TestLiveChat::dropsDuplicates()
{
    const Event event = chatEvent(*m_viewer, {rootTag()}, QStringLiteral("once"));
    QVERIFY(m_chat->addEvent(event));
    QString reason;
    QVERIFY(!m_chat->addEvent(event, &reason));
    QVERIFY(reason.isEmpty()); // a duplicate is not worth a warning
    QCOMPARE(m_chat->messages().size(), 1);
}

void TestLiveChat::ordersByCreatedAt()
{
    const QList<qint64> times{1764000030, 1764000010, 1764000020, 1764000010, 1764000000};
    for (qsizetype i = 0; i < times.size(); ++i)
        QVERIFY(m_chat->addEvent(
            chatEvent(*m_viewer, {rootTag()}, QStringLiteral("m%1").arg(i), times.at(i))));
    const QList<Event> messages = m_chat->messages();
    QCOMPARE(messages.size(), times.size());
    for (qsizetype i = 1; i < messages.size(); ++i) {
        const Event &a = messages.at(i - 1);
        const Event &b = messages.at(i);
        QVERIFY(a.createdAt < b.createdAt || (a.createdAt == b.createdAt && a.id < b.id));
    }
    QCOMPARE(messages.first().content, QStringLiteral("m4"));
    QCOMPARE(messages.last().content, QStringLiteral("m0"));
}

void TestLiveChat::keepsTheNewestWithinTheBound()
{
    LiveChat chat(*m_pool, *m_host, QStringLiteral("stream-1"), 3);
    for (int i = 0; i < 5; ++i)
        QVERIFY(chat.addEvent(
            chatEvent(*m_viewer, {rootTag()}, QStringLiteral("m%1").arg(i), 1764000000 + 10 * i)));
    QList<Event> messages = chat.messages();
    QCOMPARE(messages.size(), 3);
    QCOMPARE(messages.at(0).content, QStringLiteral("m2"));
    QCOMPARE(messages.at(2).content, QStringLiteral("m4"));
    // Older than everything kept while full: not kept (it would be dropped at once).
    QVERIFY(!chat.addEvent(chatEvent(*m_viewer, {rootTag()}, QStringLiteral("old"), 1763999000)));
    // A message that falls between kept ones pushes out the oldest.
    QVERIFY(chat.addEvent(chatEvent(*m_viewer, {rootTag()}, QStringLiteral("mid"), 1764000035)));
    messages = chat.messages();
    QCOMPARE(messages.size(), 3);
    QCOMPARE(messages.at(0).content, QStringLiteral("m3"));
    QCOMPARE(messages.at(1).content, QStringLiteral("mid"));
    // An evicted message may come back from another relay only if it is newer than the oldest.
    QVERIFY(!chat.addEvent(chatEvent(*m_viewer, {rootTag()}, QStringLiteral("m0"), 1764000000)));
}

void TestLiveChat::refusesOversizeContent_data()
{
    QTest::addColumn<QString>("content");
    QTest::addColumn<bool>("isKept");
    QTest::newRow("8192 ASCII bytes") << QString(8192, u'x') << true;
    QTest::newRow("8193 ASCII bytes") << QString(8193, u'x') << false;
    // "é" is 2 bytes in UTF-8: the limit counts bytes, not characters.
    QTest::newRow("4096 two-byte characters") << QString(4096, QChar(0xe9)) << true;
    QTest::newRow("4097 two-byte characters") << QString(4097, QChar(0xe9)) << false;
}

void TestLiveChat::refusesOversizeContent()
{
    QFETCH(QString, content);
    QFETCH(bool, isKept);
    QString reason;
    QCOMPARE(m_chat->addEvent(chatEvent(*m_viewer, {rootTag()}, content), &reason), isKept);
    if (!isKept)
        QVERIFY2(reason.contains(QStringLiteral("8192")), qPrintable(reason));
}

void TestLiveChat::takesOnlyItsSubscription()
{
    m_chat->start();
    QVERIFY(!m_chat->subscriptionId().isEmpty());
    const Event mine = chatEvent(*m_viewer, {rootTag()}, QStringLiteral("mine"));
    const Event other = chatEvent(*m_viewer, {rootTag()}, QStringLiteral("other sub"));
    const Event wrongTag = chatEvent(
        *m_viewer, {{QStringLiteral("a"), QStringLiteral("30311:x:y")}}, QStringLiteral("bad"));
    emit m_pool->eventReceived(QStringLiteral("someone-else"), other, QStringLiteral("ws://r"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
                                           "^\\[nostr\\] chat stream-1 refused event .*a tag")));
    emit m_pool->eventReceived(m_chat->subscriptionId(), wrongTag, QStringLiteral("ws://r"));
    emit m_pool->eventReceived(m_chat->subscriptionId(), mine, QStringLiteral("ws://r"));
    QCOMPARE(m_chat->messages(), QList<Event>{mine});
    m_chat->stop();
    QVERIFY(m_chat->subscriptionId().isEmpty());
}

void TestLiveChat::signsHostMessages()
{
    QCOMPARE(m_chat->address(),
             QStringLiteral("30311:%1:stream-1").arg(m_host->publicKey().toHex()));
    QString error;
    const std::optional<Event> message =
        m_chat->makeMessage(QStringLiteral("hello \"chat\"\n"), 1764000123, &error);
    QVERIFY2(message, qPrintable(error));
    QCOMPARE(message->kind, 1311);
    QCOMPARE(message->createdAt, qint64(1764000123));
    QCOMPARE(message->pubkey, m_host->publicKey());
    QCOMPARE(message->content, QStringLiteral("hello \"chat\"\n"));
    QCOMPARE(message->tags,
             (QList<QStringList>{{QStringLiteral("a"), m_chat->address(),
                                  QStringLiteral("ws://127.0.0.1:9/"), QStringLiteral("root")}}));
    QVERIFY2(message->verify(*m_context, &error), qPrintable(error));
    // Round trip through JSON as relays see it.
    const std::optional<Event> parsed = Event::fromJsonBytes(message->toJsonBytes(), &error);
    QVERIFY2(parsed, qPrintable(error));
    QVERIFY(parsed->verify(*m_context));
    QVERIFY(m_chat->addEvent(*parsed));
}

void TestLiveChat::refusesBadHostMessages_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("errorContains");
    QTest::newRow("empty") << QString() << "empty";
    QTest::newRow("blank") << QStringLiteral(" \n\t") << "empty";
    QTest::newRow("oversize") << QString(8193, u'y') << "8192";
}

void TestLiveChat::refusesBadHostMessages()
{
    QFETCH(QString, text);
    QFETCH(QString, errorContains);
    QString error;
    QVERIFY(!m_chat->makeMessage(text, 1764000000, &error));
    QVERIFY2(error.contains(errorContains), qPrintable(error));
    QVERIFY(!m_chat->send(text, &error));
    QVERIFY(m_chat->messages().isEmpty());
}

void TestLiveChat::sendKeepsTheMessage()
{
    QSignalSpy added(m_chat.get(), &LiveChat::messageAdded);
    QString error;
    const std::optional<Event> sent = m_chat->send(QStringLiteral("from the host"), &error);
    QVERIFY2(sent, qPrintable(error));
    QVERIFY(sent->verify(*m_context));
    QCOMPARE(m_chat->messages(), QList<Event>{*sent});
    QCOMPARE(added.size(), 1);
    // Handed to the pool: pending on its relay until an OK.
    QCOMPARE(m_pool->status().first().pendingCount, 1);
    // The relay echoing it back changes nothing.
    QVERIFY(!m_chat->addEvent(*sent));
}

void TestLiveChat::reportsRefusalsOfItsOwnMessages()
{
    QSignalSpy failed(m_chat.get(), &LiveChat::sendFailed);
    QString error;
    const std::optional<Event> sent = m_chat->send(QStringLiteral("hello"), &error);
    QVERIFY2(sent, qPrintable(error));
    const Event viewerMessage = chatEvent(*m_viewer, {rootTag()}, QStringLiteral("hi"));
    QVERIFY(m_chat->addEvent(viewerMessage));
    // The pool reports OK false for every event it published: only our own message concerns us.
    emit m_pool->publishFailed(QStringLiteral("ws://127.0.0.1:9/"), viewerMessage.id,
                               QStringLiteral("blocked: not ours"));
    emit m_pool->publishFailed(QStringLiteral("ws://127.0.0.1:9/"), EventId{},
                               QStringLiteral("blocked: a live event"));
    QCOMPARE(failed.count(), 0);
    emit m_pool->publishFailed(QStringLiteral("ws://127.0.0.1:9/"), sent->id,
                               QStringLiteral("blocked: spam"));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(1).toString(), QStringLiteral("blocked: spam"));
}

void TestLiveChat::filtersBySince()
{
    for (int i = 0; i < 4; ++i)
        QVERIFY(m_chat->addEvent(
            chatEvent(*m_viewer, {rootTag()}, QStringLiteral("m%1").arg(i), 1764000000 + 10 * i)));
    QCOMPARE(m_chat->messages(1764000020).size(), 2);
    QCOMPARE(m_chat->messages(1764000021).size(), 1);
    QCOMPARE(m_chat->messages(0).size(), 4);
    QCOMPARE(m_chat->messages(1864000000).size(), 0);
}

QTEST_GUILESS_MAIN(TestLiveChat)
#include "tst_livechat.moc"
