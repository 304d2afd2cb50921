// One relay (NIP-01 over a QWebSocket): publish with OK tracking, subscriptions, NIP-42 AUTH,
// reconnect with backoff and resend of what is still pending.
#pragma once

#include "Event.h"
#include "EventId.h"
#include "RelayStatus.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>

class QWebSocket;

namespace afk::nostr
{

class KeyPair;
class Secp256k1Context;

// Lives in the thread that created it (socket, timers and signals all there). Every message from
// the relay is checked before use: bad JSON, unknown types, wrong arity, oversize frames and
// events failing Event::verify are dropped with a "[nostr]" log line, never trusted. Events and
// secrets are never logged; event ids and relay messages may be.
class RelayConnection : public QObject
{
    Q_OBJECT

public:
    // The context must outlive the connection. Nothing happens before start().
    RelayConnection(const QUrl &url, const Secp256k1Context &context, const RelayOptions &options,
                    QObject *parent = nullptr);
    ~RelayConnection() override;

    // ws:// or wss:// with a host; the reason in *error otherwise.
    static bool isUsableUrl(const QUrl &url, QString *error = nullptr);

    // The reconnect delay before attempt n (0-based): min(cap, base * 2^n) =: d, then
    // d / 2 + jitter with jitter uniformly in [0, d / 2] (from `random`, any 32-bit value).
    static qint64 reconnectDelayMs(int attempt, const RelayOptions &options, quint32 random);

    const QUrl &url() const { return m_url; }
    RelayStatus status() const;

    // The key that answers NIP-42 AUTH challenges (nullptr: none, auth-required then fails the
    // event). Not owned: it must outlive the connection or be replaced first.
    void setKeyPair(const KeyPair *keyPair) { m_keyPair = keyPair; }

    // Connects (and keeps reconnecting until stop()).
    void start();
    // Closes the socket and cancels reconnects; pending events stay queued for the next start().
    void stop();

    // Queues the event and sends it now if connected (otherwise once connected). It stays pending
    // until the relay answers OK; it is re-sent after every reconnect until then. Publishing the
    // same id again while pending does nothing. A replaceable or addressable event (kinds 0, 3,
    // 10000-19999, 30000-39999) replaces a not yet sent older one with the same kind, pubkey
    // (and d tag), which is then forgotten without a signal: the relay would keep only the newest
    // anyway, and an outage cannot pile up live-event refreshes.
    void publish(const Event &event);

    // REQ with these filters, re-sent after every reconnect (and after AUTH when the relay closed
    // it with auth-required). Replaces an open subscription with the same id.
    void subscribe(const QString &subscriptionId, const QJsonArray &filters);
    // CLOSE; forgets the subscription.
    void unsubscribe(const QString &subscriptionId);

signals:
    void stateChanged(afk::nostr::RelayState state);
    // OK true (message may be e.g. "duplicate: …").
    void eventAccepted(const afk::nostr::EventId &id, const QString &message);
    // OK false (after one authenticate-and-resend for auth-required), with the relay's reason.
    void eventRejected(const afk::nostr::EventId &id, const QString &reason);
    // An event for one of our subscriptions that passed Event::verify.
    void eventReceived(const QString &subscriptionId, const afk::nostr::Event &event);
    void endOfStoredEvents(const QString &subscriptionId);
    void subscriptionClosed(const QString &subscriptionId, const QString &reason);
    void noticeReceived(const QString &message);
    void authenticated();

private:
    struct Pending {
        Event event;
        bool isSent = false;           // on the current connection
        bool isWaitingForAuth = false; // refused with auth-required; re-sent after AUTH OK
        bool hasRetriedAuth = false;
    };

    void openSocket();
    void onConnected();
    void onDisconnected();
    void forgetConnection();
    void onTextMessage(const QString &message);
    void onBinaryMessage(const QByteArray &message);
    void scheduleReconnect();
    void setState(RelayState state);
    void setError(const QString &error);
    void sendText(const QByteArray &json);
    void flushPending();
    void sendSubscriptions();
    qsizetype indexOfPending(const EventId &id) const;

    void handleOk(const QJsonArray &message);
    void handleEvent(const QJsonArray &message);
    void handleEose(const QJsonArray &message);
    void handleNotice(const QJsonArray &message);
    void handleClosed(const QJsonArray &message);
    void handleAuth(const QJsonArray &message);
    void answerChallenge();
    void failPending(qsizetype index, const QString &reason);
    void dropSupersededBy(const Event &event);

    QUrl m_url;
    QString m_urlText;
    const Secp256k1Context *m_context;
    RelayOptions m_options;
    const KeyPair *m_keyPair = nullptr;
    QWebSocket *m_socket = nullptr;
    QTimer m_reconnectTimer;
    QTimer m_connectTimer;
    QElapsedTimer m_connectedClock; // since the current connection opened
    bool m_isRunning = false;
    RelayState m_state = RelayState::Disconnected;
    QString m_lastError;
    int m_reconnectAttempts = 0;
    int m_acceptedCount = 0;
    int m_failedCount = 0;
    int m_supersededCount = 0;
    int m_droppedCount = 0;

    QList<Pending> m_pending; // in publish order
    QHash<QString, QJsonArray> m_subscriptions;
    QStringList m_subscriptionsWaitingForAuth;

    QString m_challenge;   // latest AUTH challenge of the current connection
    EventId m_authEventId; // our kind-22242 answer waiting for OK
    bool m_isAuthPending = false;
    bool m_isAuthenticated = false;
};

} // namespace afk::nostr
