// The chat dock over a real LiveChat on the loopback relay (tests/nostr/relay): a viewer's
// message arrives and is shown as plain text, the host's message typed in the dock is signed,
// published and stored by the relay, errors show in the dock, and without a chat it is disabled
// with a hint.
#include "ChatDock.h"
#include "KeyPair.h"
#include "LiveChat.h"
#include "NodeRelay.h"
#include "RelayPool.h"
#include "Secp256k1Context.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace afk::nostr;
using afk::ui::ChatDock;

namespace {

constexpr int Timeout = 30000;

template<typename T> T *child(QWidget &parent, const char *name)
{
    T *widget = parent.findChild<T *>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no %s", name);
    return widget;
}

bool anyContains(const QStringList &rows, const QString &text)
{
    return std::any_of(rows.begin(), rows.end(), [&](const QString &row) { return row.contains(text); });
}

} // namespace

class TestChatDock : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void disabledWithoutAChat();
    void readsAndSendsThroughARealRelay();
    void keepsTheNewestWithinTheBound();

private:
    Secp256k1Context m_context;
    std::optional<KeyPair> m_host;
    std::optional<KeyPair> m_viewer;
};

void TestChatDock::initTestCase()
{
    QVERIFY2(m_context.isValid(), qPrintable(m_context.errorString()));
    m_host = KeyPair::generate(m_context);
    m_viewer = KeyPair::generate(m_context);
    QVERIFY(m_host && m_viewer);
}

void TestChatDock::disabledWithoutAChat()
{
    ChatDock dock;
    dock.show();
    QVERIFY(!child<QLineEdit>(dock, "chatInput")->isEnabled());
    QVERIFY(!child<QPushButton>(dock, "chatSend")->isEnabled());
    QVERIFY2(dock.hintText().contains(QStringLiteral("Settings → Relays")), qPrintable(dock.hintText()));
    dock.setChat(nullptr, QStringLiteral("Nostr is off"));
    QCOMPARE(dock.hintText(), QStringLiteral("Nostr is off"));
}

void TestChatDock::readsAndSendsThroughARealRelay()
{
    NodeRelay relay;
    const QString relayError = relay.start({});
    QVERIFY2(relayError.isEmpty(), qPrintable(relayError));

    RelayPool hostPool(m_context);
    QVERIFY(hostPool.addRelay(relay.url()));
    hostPool.start();
    LiveChat chat(hostPool, *m_host, QStringLiteral("dock_test"));
    chat.start();
    ChatDock dock;
    dock.setChat(&chat);
    dock.show();
    QVERIFY(dock.hintText().isEmpty());
    QVERIFY(child<QPushButton>(dock, "chatSend")->isEnabled());

    // A viewer's message, with markup that must stay text.
    RelayPool viewerPool(m_context);
    QVERIFY(viewerPool.addRelay(relay.url()));
    viewerPool.start();
    Event message;
    message.kind = LiveChat::Kind;
    message.createdAt = QDateTime::currentSecsSinceEpoch();
    message.tags = {QStringList{QStringLiteral("a"), chat.address(), relay.url(), QStringLiteral("root")}};
    message.content = QStringLiteral("<b>hello</b> from a viewer");
    QVERIFY(message.sign(*m_viewer));
    QSignalSpy viewerAccepted(&viewerPool, &RelayPool::publishAccepted);
    viewerPool.publish(message);
    QTRY_VERIFY_WITH_TIMEOUT(anyContains(dock.shownMessages(), message.content), Timeout);
    QVERIFY(viewerAccepted.count() >= 1 || viewerAccepted.wait(Timeout));
    const QString shown = dock.shownMessages().constLast();
    QVERIFY2(shown.contains(QStringLiteral(": <b>hello</b> from a viewer")), qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("npub1")), qPrintable(shown)); // author as a short npub

    // The host answers from the dock.
    QSignalSpy hostAccepted(&hostPool, &RelayPool::publishAccepted);
    auto *input = child<QLineEdit>(dock, "chatInput");
    QTest::keyClicks(input, QStringLiteral("thanks for watching"));
    QTest::mouseClick(child<QPushButton>(dock, "chatSend"), Qt::LeftButton);
    QVERIFY2(dock.errorText().isEmpty(), qPrintable(dock.errorText()));
    QVERIFY(input->text().isEmpty());
    QVERIFY(anyContains(dock.shownMessages(), QStringLiteral("you: thanks for watching")));
    QTRY_VERIFY_WITH_TIMEOUT(hostAccepted.count() >= 1, Timeout);

    // Stored: a new subscriber gets it from the relay's storage, signed by the host.
    RelayPool reader(m_context);
    QVERIFY(reader.addRelay(relay.url()));
    reader.start();
    QList<Event> stored;
    connect(&reader, &RelayPool::eventReceived, &reader,
            [&](const QString &, const Event &event, const QString &) { stored.append(event); });
    reader.subscribe({QJsonObject{{QStringLiteral("kinds"), QJsonArray{LiveChat::Kind}},
                                  {QStringLiteral("authors"), QJsonArray{m_host->publicKey().toHex()}},
                                  {QStringLiteral("#a"), QJsonArray{chat.address()}}}});
    QTRY_VERIFY_WITH_TIMEOUT(!stored.isEmpty(), Timeout);
    QCOMPARE(stored.first().content, QStringLiteral("thanks for watching"));
    QVERIFY(stored.first().verify(m_context));

    // An empty message is refused in the dock.
    QTest::mouseClick(child<QPushButton>(dock, "chatSend"), Qt::LeftButton);
    QVERIFY2(dock.errorText().contains(QStringLiteral("empty")), qPrintable(dock.errorText()));

    hostPool.stop();
    viewerPool.stop();
    reader.stop();
}

void TestChatDock::keepsTheNewestWithinTheBound()
{
    RelayPool pool(m_context); // never started: messages are added as the subscription would
    QVERIFY(pool.addRelay(QStringLiteral("ws://127.0.0.1:9/")));
    auto chat = std::make_unique<LiveChat>(pool, *m_host, QStringLiteral("bound_test"));
    ChatDock dock(nullptr, 3);
    dock.setChat(chat.get());
    const auto add = [&](qint64 createdAt, const QString &text) {
        Event event;
        event.kind = LiveChat::Kind;
        event.createdAt = createdAt;
        event.tags = {QStringList{QStringLiteral("a"), chat->address(), QString(), QStringLiteral("root")}};
        event.content = text;
        QVERIFY(event.sign(*m_viewer));
        QVERIFY(chat->addEvent(event));
    };
    // Relays send stored messages newest first: the dock orders them by time.
    add(1764000040, QStringLiteral("four"));
    add(1764000010, QStringLiteral("one"));
    add(1764000030, QStringLiteral("three"));
    add(1764000020, QStringLiteral("two"));
    add(1764000050, QStringLiteral("five\u0007\nline two"));
    const QStringList rows = dock.shownMessages();
    QCOMPARE(rows.size(), 3);
    QVERIFY2(rows.at(0).endsWith(QStringLiteral(": three")), qPrintable(rows.at(0)));
    QVERIFY2(rows.at(1).endsWith(QStringLiteral(": four")), qPrintable(rows.at(1)));
    QVERIFY2(rows.at(2).endsWith(QStringLiteral(": five\nline two")), qPrintable(rows.at(2)));

    chat.reset();
    QVERIFY2(dock.hintText().contains(QStringLiteral("closed")), qPrintable(dock.hintText()));
    QVERIFY(!child<QPushButton>(dock, "chatSend")->isEnabled());
}

QTEST_MAIN(TestChatDock)
#include "tst_chatdock.moc"
