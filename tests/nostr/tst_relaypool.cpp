// RelayPool and LiveEventPublisher against a real relay (@nostr-relay/core through
// relay/relay.mjs): the live → refresh → ended sequence, a relay killed and restarted mid-stream,
// NIP-42 AUTH, and malformed relay messages.
#include "Event.h"
#include "KeyPair.h"
#include "LiveEvent.h"
#include "LiveEventPublisher.h"
#include "NodeRelay.h"
#include "RelayConnection.h"
#include "RelayPool.h"
#include "Secp256k1Context.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace afk::nostr;

namespace
{

constexpr int Timeout = 30000;

// Small backoff so a restarted relay is found again quickly.
RelayOptions testOptions()
{
    RelayOptions options;
    options.reconnectBaseMs = 100;
    options.reconnectCapMs = 800;
    options.connectTimeoutMs = 5000;
    return options;
}

// Collects what a pool reports, for checks after QTRY waits.
struct PoolRecorder {
    explicit PoolRecorder(RelayPool &pool)
    {
        QObject::connect(&pool, &RelayPool::publishAccepted, &pool,
                         [this](const QString &, const EventId &id, const QString &message) {
                             accepted.append(id);
                             acceptMessages.append(message);
                         });
        QObject::connect(&pool, &RelayPool::publishFailed, &pool,
                         [this](const QString &, const EventId &id, const QString &reason) {
                             failed.append(id);
                             failReasons.append(reason);
                         });
        QObject::connect(
            &pool, &RelayPool::eventReceived, &pool,
            [this](const QString &subscriptionId, const Event &event, const QString &) {
                received.append({subscriptionId, event});
            });
        QObject::connect(&pool, &RelayPool::endOfStoredEvents, &pool,
                         [this](const QString &subscriptionId, const QString &) {
                             endOfStored.append(subscriptionId);
                         });
    }

    QList<Event> receivedFor(const QString &subscriptionId) const
    {
        QList<Event> events;
        for (const auto &[id, event] : received)
            if (id == subscriptionId)
                events.append(event);
        return events;
    }

    QList<EventId> accepted;
    QStringList acceptMessages;
    QList<EventId> failed;
    QStringList failReasons;
    QList<std::pair<QString, Event>> received;
    QStringList endOfStored;
};

Event textNote(const KeyPair &keyPair, const QString &content)
{
    Event event;
    event.kind = 1;
    event.createdAt = QDateTime::currentSecsSinceEpoch();
    event.content = content;
    event.sign(keyPair);
    return event;
}

LiveEvent description(const QString &relayUrl)
{
    LiveEvent live;
    live.identifier = QStringLiteral("afk-e2e-stream");
    live.title = QStringLiteral("End-to-end stream");
    live.summary = QStringLiteral("tst_relaypool");
    live.hashtags = {QStringLiteral("test")};
    live.streamingUrl = QStringLiteral("http://127.0.0.1:8080/hls/afk-e2e-stream/master.m3u8");
    live.relays = {relayUrl};
    return live;
}

QJsonObject liveFilter(const KeyPair &keyPair)
{
    return QJsonObject{
        {QStringLiteral("kinds"), QJsonArray{LiveEvent::Kind}},
        {QStringLiteral("authors"), QJsonArray{keyPair.publicKey().toHex()}},
        {QStringLiteral("#d"), QJsonArray{QStringLiteral("afk-e2e-stream")}},
    };
}

QString tagValue(const Event &event, const QString &name)
{
    return event.firstTag(name).value(1);
}

} // namespace

class TestRelayPool : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void liveRefreshEndedSequence();
    void relayRestartedMidStream();
    void nip42AuthRequired();
    void malformedRelayMessages();
    void refusedEventReportsTheReason();
    void twoRelaysDeliverOnce();
    void pendingQueueIsBounded();
    void unusableUrlsRefused();
    void reconnectDelay_data();
    void reconnectDelay();

private:
    std::unique_ptr<Secp256k1Context> m_context;
    std::optional<KeyPair> m_keyPair;
};

void TestRelayPool::initTestCase()
{
    m_context = std::make_unique<Secp256k1Context>();
    QVERIFY2(m_context->isValid(), qPrintable(m_context->errorString()));
    QString error;
    m_keyPair = KeyPair::generate(*m_context, &error);
    QVERIFY2(m_keyPair, qPrintable(error));
}

void TestRelayPool::liveRefreshEndedSequence()
{
    NodeRelay relay;
    const QString startError = relay.start({});
    QVERIFY2(startError.isEmpty(), qPrintable(startError));

    // A second connection watches what the relay broadcasts.
    RelayPool reader(*m_context, testOptions());
    QVERIFY(reader.addRelay(relay.url()));
    PoolRecorder readerRecord(reader);
    reader.start();
    const QString watch = reader.subscribe({liveFilter(*m_keyPair)});
    QTRY_VERIFY_WITH_TIMEOUT(readerRecord.endOfStored.contains(watch), Timeout);

    RelayPool pool(*m_context, testOptions());
    pool.setKeyPair(&*m_keyPair);
    QVERIFY(pool.addRelay(relay.url()));
    PoolRecorder record(pool);
    pool.start();
    LiveEventPublisher publisher(pool, *m_keyPair, description(relay.url()),
                                 {/*viewerCountIntervalMs=*/0, /*refreshIntervalMs=*/0});
    QList<Event> published;
    connect(&publisher, &LiveEventPublisher::published, this,
            [&published](const Event &event) { published.append(event); });

    QVERIFY(publisher.goLive());
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 1, Timeout);
    publisher.setViewerCount(7);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 2, Timeout);
    QVERIFY(publisher.end());
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 3, Timeout);
    QCOMPARE(record.failed.size(), 0);
    QCOMPARE(published.size(), 3);
    for (qsizetype i = 0; i < published.size(); ++i)
        QCOMPARE(record.accepted[i], published[i].id);

    QTRY_COMPARE_WITH_TIMEOUT(readerRecord.receivedFor(watch).size(), 3, Timeout);
    const QList<Event> seen = readerRecord.receivedFor(watch);
    const QStringList statuses{"live", "live", "ended"};
    for (qsizetype i = 0; i < seen.size(); ++i) {
        QCOMPARE(seen[i], published[i]);
        QVERIFY(seen[i].verify(*m_context));
        QCOMPARE(tagValue(seen[i], "status"), statuses[i]);
    }
    QCOMPARE(tagValue(seen[1], "current_participants"), QStringLiteral("7"));

    // The relay keeps the newest addressable event only: a new REQ finds the ended one.
    const QString after = reader.subscribe({liveFilter(*m_keyPair)});
    QTRY_VERIFY_WITH_TIMEOUT(readerRecord.endOfStored.contains(after), Timeout);
    const QList<Event> stored = readerRecord.receivedFor(after);
    QCOMPARE(stored.size(), 1);
    QCOMPARE(stored[0], published[2]);
    QCOMPARE(tagValue(stored[0], "status"), QStringLiteral("ended"));
    QVERIFY(!tagValue(stored[0], "ends").isEmpty());
    QCOMPARE(tagValue(stored[0], "starts"), tagValue(published[0], "starts"));

    const QList<RelayStatus> status = pool.status();
    QCOMPARE(status.size(), 1);
    QCOMPARE(status[0].state, RelayState::Connected);
    QCOMPARE(status[0].pendingCount, 0);
    QCOMPARE(status[0].acceptedCount, 3);
    QCOMPARE(status[0].failedCount, 0);
    const QJsonObject json = pool.statusJson().first().toObject();
    QCOMPARE(json.value("url").toString(), relay.url());
    QCOMPARE(json.value("state").toString(), QStringLiteral("connected"));
    QCOMPARE(json.value("accepted").toInt(), 3);
}

void TestRelayPool::relayRestartedMidStream()
{
    NodeRelay relay;
    QString error = relay.start({});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const int port = relay.port();

    RelayPool pool(*m_context, testOptions());
    pool.setKeyPair(&*m_keyPair);
    QVERIFY(pool.addRelay(relay.url()));
    PoolRecorder record(pool);
    pool.start();
    LiveEventPublisher publisher(pool, *m_keyPair, description(relay.url()), {0, 0});
    QVERIFY(publisher.goLive());
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 1, Timeout);

    relay.kill();
    QTRY_VERIFY_WITH_TIMEOUT(pool.status().first().state != RelayState::Connected, Timeout);
    // Refused attempts are retried (with backoff) while the relay is down.
    QTRY_VERIFY_WITH_TIMEOUT(pool.status().first().reconnectAttempts >= 3, Timeout);

    // Published while the relay is down: pending until it is back. The viewer-count refresh is
    // superseded by the ended event (same address) before it could be sent.
    publisher.setViewerCount(12);
    const EventId refreshId = publisher.lastEvent().id;
    QCOMPARE(pool.status().first().pendingCount, 1);
    const Event note = textNote(*m_keyPair, QStringLiteral("sent while the relay was down"));
    pool.publish(note);
    QVERIFY(publisher.end());
    QCOMPARE(pool.status().first().pendingCount, 2);
    QCOMPARE(pool.status().first().supersededCount, 1);
    QVERIFY(!pool.status().first().lastError.isEmpty());

    error = relay.restart();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(relay.port(), port);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 3, Timeout);
    QCOMPARE(record.accepted[1], note.id);
    QCOMPARE(record.accepted[2], publisher.lastEvent().id);
    QVERIFY(!record.accepted.contains(refreshId));
    QCOMPARE(record.failed.size(), 0);
    QCOMPARE(pool.status().first().pendingCount, 0);
    QCOMPARE(pool.status().first().state, RelayState::Connected);

    // The restarted relay (empty at start) now holds what was re-sent.
    RelayPool reader(*m_context, testOptions());
    QVERIFY(reader.addRelay(relay.url()));
    PoolRecorder readerRecord(reader);
    reader.start();
    const QString live = reader.subscribe({liveFilter(*m_keyPair)});
    const QString notes =
        reader.subscribe({QJsonObject{{QStringLiteral("ids"), QJsonArray{note.id.toHex()}}}});
    QTRY_VERIFY_WITH_TIMEOUT(readerRecord.endOfStored.contains(live) &&
                                 readerRecord.endOfStored.contains(notes),
                             Timeout);
    const QList<Event> stored = readerRecord.receivedFor(live);
    QCOMPARE(stored.size(), 1);
    QCOMPARE(stored[0], publisher.lastEvent());
    QCOMPARE(tagValue(stored[0], "status"), QStringLiteral("ended"));
    QCOMPARE(tagValue(stored[0], "current_participants"), QStringLiteral("12"));
    QCOMPARE(readerRecord.receivedFor(notes), QList<Event>{note});
}

void TestRelayPool::nip42AuthRequired()
{
    NodeRelay relay;
    const QString startError = relay.start({QStringLiteral("--require-auth")});
    QVERIFY2(startError.isEmpty(), qPrintable(startError));

    // Record every log line: the secret key must never appear.
    static QStringList logLines;
    static QtMessageHandler previous = nullptr;
    logLines.clear();
    previous = qInstallMessageHandler(
        [](QtMsgType type, const QMessageLogContext &context, const QString &message) {
            logLines.append(message);
            if (previous)
                previous(type, context, message);
        });

    // With the key: refused with auth-required, AUTH answered, re-sent, accepted. The REQ closed
    // with auth-required is re-sent after AUTH too.
    RelayPool pool(*m_context, testOptions());
    pool.setKeyPair(&*m_keyPair);
    QVERIFY(pool.addRelay(relay.url()));
    PoolRecorder record(pool);
    pool.start();
    const Event note = textNote(*m_keyPair, QStringLiteral("needs NIP-42"));
    pool.publish(note);
    const QString subscription =
        pool.subscribe({QJsonObject{{QStringLiteral("ids"), QJsonArray{note.id.toHex()}}}});
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 1, Timeout);
    QCOMPARE(record.accepted.first(), note.id);
    QCOMPARE(record.failed.size(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(pool.status().first().isAuthenticated, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(record.receivedFor(subscription).size(), 1, Timeout);
    QCOMPARE(record.receivedFor(subscription).first(), note);

    // Without a key: the relay's auth-required reason comes back as a failure.
    RelayPool anonymous(*m_context, testOptions());
    QVERIFY(anonymous.addRelay(relay.url()));
    PoolRecorder anonymousRecord(anonymous);
    anonymous.start();
    const Event other = textNote(*m_keyPair, QStringLiteral("anonymous attempt"));
    anonymous.publish(other);
    QTRY_COMPARE_WITH_TIMEOUT(anonymousRecord.failed.size(), 1, Timeout);
    QCOMPARE(anonymousRecord.failed.first(), other.id);
    QVERIFY2(anonymousRecord.failReasons.first().startsWith(QLatin1String("auth-required:")),
             qPrintable(anonymousRecord.failReasons.first()));
    QCOMPARE(anonymous.status().first().failedCount, 1);
    QCOMPARE(anonymous.status().first().pendingCount, 0);
    QVERIFY(!anonymous.status().first().isAuthenticated);

    qInstallMessageHandler(previous);
    const QString secretHex = QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(m_keyPair->secretKey().data()), 32).toHex());
    for (const QString &line : std::as_const(logLines))
        QVERIFY2(!line.contains(secretHex, Qt::CaseInsensitive), "a log line holds the secret");
    QVERIFY(!logLines.isEmpty());
}

void TestRelayPool::malformedRelayMessages()
{
    NodeRelay relay;
    const QString startError = relay.start({QStringLiteral("--garbage")});
    QVERIFY2(startError.isEmpty(), qPrintable(startError));

    // Each kind of garbage is logged with its reason (and otherwise ignored).
    const auto expectWarning = [](const char *pattern) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QString::fromLatin1(pattern)));
    };
    expectWarning(R"(^\[nostr\] .* ignoring a relay message: invalid JSON)");
    expectWarning(R"(^\[nostr\] .* ignoring a relay message: unknown type "WHAT")");
    expectWarning(R"(^\[nostr\] .* ignoring a relay message: larger than 262144 bytes)");
    expectWarning(R"(^\[nostr\] .* ignoring an OK that is not)");
    expectWarning(R"(^\[nostr\] .* ignoring an EVENT: no open subscription)");
    expectWarning(R"(^\[nostr\] .* ignoring an EVENT: event [0-9a-f]{64} fails verification)");
    expectWarning(R"(^\[nostr\] .* ignoring a CLOSED that is not)");
    expectWarning(R"(^\[nostr\] .* ignoring a binary frame)");

    RelayPool pool(*m_context, testOptions());
    pool.setKeyPair(&*m_keyPair);
    QVERIFY(pool.addRelay(relay.url()));
    PoolRecorder record(pool);
    pool.start();
    const QString subscription = pool.subscribe(
        {QJsonObject{{QStringLiteral("kinds"), QJsonArray{1}},
                     {QStringLiteral("authors"), QJsonArray{m_keyPair->publicKey().toHex()}}}});
    QTRY_VERIFY_WITH_TIMEOUT(record.endOfStored.contains(subscription), Timeout);

    // The garbage after EOSE came first on the same socket; the pool still works after it.
    const Event note = textNote(*m_keyPair, QStringLiteral("after the garbage"));
    pool.publish(note);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 1, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(record.receivedFor(subscription).size(), 1, Timeout);
    QCOMPARE(record.receivedFor(subscription).first(), note);
    for (const auto &[id, event] : std::as_const(record.received)) {
        QVERIFY(event.verify(*m_context));
        QVERIFY(!event.content.contains(QLatin1String("tampered")));
        QVERIFY(!event.content.contains(QLatin1String("garbage-mode")));
    }
    QCOMPARE(pool.status().first().state, RelayState::Connected);
    QCOMPARE(record.failed.size(), 0);
}

void TestRelayPool::refusedEventReportsTheReason()
{
    NodeRelay relay;
    const QString startError = relay.start({});
    QVERIFY2(startError.isEmpty(), qPrintable(startError));

    RelayPool pool(*m_context, testOptions());
    QVERIFY(pool.addRelay(relay.url()));
    PoolRecorder record(pool);
    pool.start();

    Event forged = textNote(*m_keyPair, QStringLiteral("forged"));
    forged.content = QStringLiteral("changed after signing");
    forged.id = forged.computeId(); // a matching id, so the signature is what is wrong
    pool.publish(forged);
    QTRY_COMPARE_WITH_TIMEOUT(record.failed.size(), 1, Timeout);
    QCOMPARE(record.failed.first(), forged.id);
    QCOMPARE(record.failReasons.first(), QStringLiteral("invalid: signature is wrong"));
    QCOMPARE(pool.status().first().failedCount, 1);
    QVERIFY(pool.status().first().lastError.contains(QLatin1String("signature is wrong")));

    // Accepted once, then again as a duplicate (OK true "duplicate: …"): both count as done.
    const Event note = textNote(*m_keyPair, QStringLiteral("twice"));
    pool.publish(note);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 1, Timeout);
    pool.publish(note);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 2, Timeout);
    QVERIFY2(record.acceptMessages[1].startsWith(QLatin1String("duplicate:")),
             qPrintable(record.acceptMessages[1]));
    QCOMPARE(pool.status().first().pendingCount, 0);
}

void TestRelayPool::twoRelaysDeliverOnce()
{
    NodeRelay first;
    NodeRelay second;
    QString error = first.start({});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    error = second.start({});
    QVERIFY2(error.isEmpty(), qPrintable(error));

    RelayPool pool(*m_context, testOptions());
    QVERIFY(pool.addRelay(first.url()));
    QVERIFY(pool.addRelay(second.url()));
    QCOMPARE(pool.relayUrls(), (QStringList{first.url(), second.url()}));
    PoolRecorder record(pool);
    pool.start();
    const QString subscription = pool.subscribe(
        {QJsonObject{{QStringLiteral("kinds"), QJsonArray{1}},
                     {QStringLiteral("authors"), QJsonArray{m_keyPair->publicKey().toHex()}}}});
    QTRY_COMPARE_WITH_TIMEOUT(record.endOfStored.count(subscription), 2, Timeout);

    const Event note = textNote(*m_keyPair, QStringLiteral("to both relays"));
    pool.publish(note);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 2, Timeout); // one OK per relay
    QTRY_COMPARE_WITH_TIMEOUT(record.receivedFor(subscription).size(), 1, Timeout);

    // A new subscription finds both stored copies: still delivered once.
    const QString again =
        pool.subscribe({QJsonObject{{QStringLiteral("ids"), QJsonArray{note.id.toHex()}}}});
    QTRY_COMPARE_WITH_TIMEOUT(record.endOfStored.count(again), 2, Timeout);
    QCOMPARE(record.receivedFor(again), QList<Event>{note});

    // After unsubscribe (CLOSE), nothing more arrives for it.
    pool.unsubscribe(subscription);
    const Event later = textNote(*m_keyPair, QStringLiteral("after CLOSE"));
    pool.publish(later);
    QTRY_COMPARE_WITH_TIMEOUT(record.accepted.size(), 4, Timeout);
    QCOMPARE(record.receivedFor(subscription).size(), 1);
    QCOMPARE(pool.status().size(), 2);
}

void TestRelayPool::pendingQueueIsBounded()
{
    // No relay listening: everything stays pending.
    RelayOptions options = testOptions();
    options.maxPendingEvents = 3;
    RelayPool pool(*m_context, options);
    QVERIFY(pool.addRelay(QStringLiteral("ws://127.0.0.1:9")));
    PoolRecorder record(pool);
    QList<Event> notes;
    for (int i = 0; i < 5; ++i) {
        notes.append(textNote(*m_keyPair, QStringLiteral("note %1").arg(i)));
        pool.publish(notes.last());
    }
    pool.publish(notes.last()); // already pending: ignored
    const RelayStatus status = pool.status().first();
    QCOMPARE(status.pendingCount, 3);
    QCOMPARE(status.droppedCount, 2);
    QCOMPARE(record.failed, (QList<EventId>{notes[0].id, notes[1].id}));
    QVERIFY(record.failReasons.first().startsWith(QLatin1String("dropped:")));

    // Replaceable (kind 0) and addressable (30311) events: only the newest unsent one stays.
    Event profile;
    profile.kind = 0;
    profile.createdAt = 1700000000;
    profile.content = QStringLiteral("{}");
    QVERIFY(profile.sign(*m_keyPair));
    Event newerProfile = profile;
    newerProfile.createdAt += 1;
    QVERIFY(newerProfile.sign(*m_keyPair));
    pool.publish(newerProfile);
    pool.publish(profile); // older: does not replace the newer one
    QCOMPARE(pool.status().first().supersededCount, 0);
    Event newestProfile = newerProfile;
    newestProfile.createdAt += 1;
    QVERIFY(newestProfile.sign(*m_keyPair));
    pool.publish(newestProfile);
    QCOMPARE(pool.status().first().supersededCount, 2);
}

void TestRelayPool::unusableUrlsRefused()
{
    RelayPool pool(*m_context, testOptions());
    QString error;
    QVERIFY(!pool.addRelay(QStringLiteral("http://127.0.0.1:1"), &error));
    QVERIFY(error.contains(QLatin1String("ws://")));
    QVERIFY(!pool.addRelay(QStringLiteral("ws://"), &error));
    QVERIFY(!pool.addRelay(QStringLiteral("not a url"), &error));
    QVERIFY(pool.addRelay(QStringLiteral("ws://127.0.0.1:1"), &error));
    QVERIFY(pool.addRelay(QStringLiteral("ws://127.0.0.1:1"), &error)); // already there
    QCOMPARE(pool.relayUrls().size(), 1);
    QCOMPARE(pool.status().first().state, RelayState::Disconnected);
    pool.removeRelay(QStringLiteral("ws://127.0.0.1:1"));
    QVERIFY(pool.relayUrls().isEmpty());
}

void TestRelayPool::reconnectDelay_data()
{
    QTest::addColumn<int>("attempt");
    QTest::addColumn<int>("baseMs");
    QTest::addColumn<int>("capMs");
    QTest::addColumn<qint64>("fullDelayMs"); // before jitter

    QTest::newRow("first") << 0 << 100 << 800 << qint64(100);
    QTest::newRow("second") << 1 << 100 << 800 << qint64(200);
    QTest::newRow("third") << 2 << 100 << 800 << qint64(400);
    QTest::newRow("at the cap") << 3 << 100 << 800 << qint64(800);
    QTest::newRow("past the cap") << 4 << 100 << 800 << qint64(800);
    QTest::newRow("far past the cap") << 1000 << 1000 << 60000 << qint64(60000);
    QTest::newRow("negative attempt") << -3 << 100 << 800 << qint64(100);
    QTest::newRow("cap below base") << 5 << 1000 << 10 << qint64(1000);
    QTest::newRow("defaults") << 0 << RelayOptions().reconnectBaseMs
                              << RelayOptions().reconnectCapMs << qint64(1000);
}

void TestRelayPool::reconnectDelay()
{
    QFETCH(int, attempt);
    QFETCH(int, baseMs);
    QFETCH(int, capMs);
    QFETCH(qint64, fullDelayMs);
    RelayOptions options;
    options.reconnectBaseMs = baseMs;
    options.reconnectCapMs = capMs;

    // Equal jitter: from half the delay to all of it.
    QCOMPARE(RelayConnection::reconnectDelayMs(attempt, options, 0), fullDelayMs / 2);
    QCOMPARE(RelayConnection::reconnectDelayMs(attempt, options, quint32(fullDelayMs / 2)),
             fullDelayMs / 2 + fullDelayMs / 2);
    for (quint32 random : {1u, 7u, 12345u, 0x7fffffffu, 0xffffffffu}) {
        const qint64 delay = RelayConnection::reconnectDelayMs(attempt, options, random);
        QVERIFY2(delay >= fullDelayMs / 2 && delay <= fullDelayMs,
                 qPrintable(QString::number(delay)));
    }
}

QTEST_GUILESS_MAIN(TestRelayPool)
#include "tst_relaypool.moc"
