#include "RelayConnection.h"

#include "KeyPair.h"
#include "Secp256k1Context.h"

#include <QDateTime>
#include <QDebug>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QRandomGenerator>
#include <QWebSocket>

#include <algorithm>

namespace afk::nostr
{

namespace
{

constexpr int AuthKind = 22242;
const QLatin1String AuthRequiredPrefix("auth-required:");

bool isReplaceableKind(int kind)
{
    return kind == 0 || kind == 3 || (kind >= 10000 && kind < 20000) ||
           (kind >= 30000 && kind < 40000);
}

// What a relay replaces on: kind, pubkey and, for addressable kinds, the d tag.
QString replacementKey(const Event &event)
{
    QString key = QString::number(event.kind) + u':' + event.pubkey.toHex();
    if (event.kind >= 30000 && event.kind < 40000)
        key += u':' + event.firstTag(QStringLiteral("d")).value(1);
    return key;
}

QByteArray compact(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

} // namespace

RelayConnection::RelayConnection(const QUrl &url, const Secp256k1Context &context,
                                 const RelayOptions &options, QObject *parent)
    : QObject(parent), m_url(url), m_urlText(url.toString(QUrl::FullyEncoded)), m_context(&context),
      m_options(options),
      m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
{
    // Frames past our own limit are read and dropped (onTextMessage); far larger ones would only
    // cost memory, so the socket refuses them (closing the connection, then reconnecting).
    m_socket->setMaxAllowedIncomingMessageSize(
        quint64(std::max<qsizetype>(m_options.maxMessageBytes, 1024) * 16));
    m_reconnectTimer.setSingleShot(true);
    m_connectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RelayConnection::openSocket);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        qWarning().noquote() << "[nostr]" << m_urlText << "connection attempt timed out after"
                             << m_options.connectTimeoutMs << "ms";
        setError(QStringLiteral("connection timed out"));
        m_socket->abort();
        // abort() emits disconnected() only when the socket had started connecting.
        if (!m_reconnectTimer.isActive() && m_state == RelayState::Connecting)
            onDisconnected();
    });
    connect(m_socket, &QWebSocket::connected, this, &RelayConnection::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &RelayConnection::onDisconnected);
    connect(m_socket, &QWebSocket::textMessageReceived, this, &RelayConnection::onTextMessage);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &RelayConnection::onBinaryMessage);
    // Qt 6.4 names the signal error() (errorOccurred() comes with 6.5).
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) { setError(m_socket->errorString()); });
}

RelayConnection::~RelayConnection()
{
    m_socket->disconnect(this);
    m_isRunning = false;
    m_socket->abort();
}

bool RelayConnection::isUsableUrl(const QUrl &url, QString *error)
{
    const QString scheme = url.scheme();
    QString reason;
    if (!url.isValid())
        reason = QStringLiteral("not a valid URL");
    else if (scheme != QLatin1String("ws") && scheme != QLatin1String("wss"))
        reason = QStringLiteral("a relay URL must start with ws:// or wss://");
    else if (url.host().isEmpty())
        reason = QStringLiteral("a relay URL needs a host");
    if (!reason.isEmpty() && error)
        *error = reason;
    return reason.isEmpty();
}

qint64 RelayConnection::reconnectDelayMs(int attempt, const RelayOptions &options, quint32 random)
{
    const int exponent = std::clamp(attempt, 0, 30);
    const qint64 base = std::max(1, options.reconnectBaseMs);
    const qint64 cap = std::max<qint64>(base, options.reconnectCapMs);
    const qint64 delay = std::min(cap, base << exponent);
    return delay / 2 + qint64(random % quint64(delay / 2 + 1));
}

RelayStatus RelayConnection::status() const
{
    RelayStatus status;
    status.url = m_urlText;
    status.state = m_state;
    status.lastError = m_lastError;
    status.pendingCount = int(m_pending.size());
    status.acceptedCount = m_acceptedCount;
    status.failedCount = m_failedCount;
    status.supersededCount = m_supersededCount;
    status.droppedCount = m_droppedCount;
    status.reconnectAttempts = m_reconnectAttempts;
    status.isAuthenticated = m_isAuthenticated;
    return status;
}

void RelayConnection::start()
{
    if (m_isRunning)
        return;
    QString error;
    if (!isUsableUrl(m_url, &error)) {
        qWarning().noquote() << "[nostr]" << m_urlText << "not connecting:" << error;
        setError(error);
        setState(RelayState::Failed);
        return;
    }
    m_isRunning = true;
    m_reconnectAttempts = 0;
    openSocket();
}

void RelayConnection::forgetConnection()
{
    // A new connection starts over: everything pending is sent again, auth retries included.
    for (Pending &pending : m_pending) {
        pending.isSent = false;
        pending.isWaitingForAuth = false;
        pending.hasRetriedAuth = false;
    }
    m_isAuthenticated = false;
    m_isAuthPending = false;
    m_challenge.clear();
}

void RelayConnection::stop()
{
    if (!m_isRunning)
        return;
    m_isRunning = false;
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    m_socket->close();
    m_socket->abort();
    forgetConnection();
    setState(RelayState::Disconnected);
}

void RelayConnection::publish(const Event &event)
{
    if (indexOfPending(event.id) >= 0)
        return;
    if (isReplaceableKind(event.kind))
        dropSupersededBy(event);
    m_pending.append(Pending{event});
    while (m_pending.size() > std::max(1, m_options.maxPendingEvents)) {
        const EventId dropped = m_pending.takeFirst().event.id;
        ++m_droppedCount;
        const QString reason =
            QStringLiteral("dropped: more than %1 events pending").arg(m_options.maxPendingEvents);
        qWarning().noquote() << "[nostr]" << m_urlText << "event" << dropped.toHex() << reason;
        emit eventRejected(dropped, reason);
    }
    flushPending();
}

void RelayConnection::dropSupersededBy(const Event &event)
{
    const QString key = replacementKey(event);
    for (qsizetype i = m_pending.size() - 1; i >= 0; --i) {
        const Pending &pending = m_pending[i];
        if (pending.isSent || pending.event.createdAt > event.createdAt ||
            replacementKey(pending.event) != key)
            continue;
        qInfo().noquote() << "[nostr]" << m_urlText << "event" << pending.event.id.toHex()
                          << "superseded by" << event.id.toHex() << "before it was sent";
        m_pending.removeAt(i);
        ++m_supersededCount;
    }
}

void RelayConnection::subscribe(const QString &subscriptionId, const QJsonArray &filters)
{
    m_subscriptions.insert(subscriptionId, filters);
    m_subscriptionsWaitingForAuth.removeAll(subscriptionId);
    if (m_state == RelayState::Connected || m_state == RelayState::Authenticating) {
        QJsonArray request{QStringLiteral("REQ"), subscriptionId};
        for (const QJsonValue &filter : filters)
            request.append(filter);
        sendText(compact(request));
    }
}

void RelayConnection::unsubscribe(const QString &subscriptionId)
{
    if (!m_subscriptions.remove(subscriptionId))
        return;
    m_subscriptionsWaitingForAuth.removeAll(subscriptionId);
    if (m_state == RelayState::Connected || m_state == RelayState::Authenticating)
        sendText(compact(QJsonArray{QStringLiteral("CLOSE"), subscriptionId}));
}

void RelayConnection::openSocket()
{
    if (!m_isRunning)
        return;
    setState(RelayState::Connecting);
    if (m_options.connectTimeoutMs > 0)
        m_connectTimer.start(m_options.connectTimeoutMs);
    m_socket->open(m_url);
}

void RelayConnection::onConnected()
{
    m_connectTimer.stop();
    m_connectedClock.start();
    m_isAuthenticated = false;
    m_isAuthPending = false;
    m_challenge.clear();
    qInfo().noquote() << "[nostr]" << m_urlText << "connected";
    setState(RelayState::Connected);
    sendSubscriptions();
    flushPending();
}

void RelayConnection::onDisconnected()
{
    m_connectTimer.stop();
    if (m_connectedClock.isValid() && m_connectedClock.elapsed() >= m_options.stableConnectionMs)
        m_reconnectAttempts = 0;
    m_connectedClock.invalidate();
    forgetConnection();
    if (!m_isRunning) {
        setState(RelayState::Disconnected);
        return;
    }
    if (m_reconnectTimer.isActive())
        return;
    const bool hasSocketError = m_socket->error() != QAbstractSocket::UnknownSocketError;
    const bool isClean =
        m_socket->closeCode() == QWebSocketProtocol::CloseCodeNormal && !hasSocketError;
    if (hasSocketError)
        setError(m_socket->errorString());
    else if (!isClean)
        setError(QStringLiteral("connection closed (code %1)").arg(int(m_socket->closeCode())));
    qWarning().noquote() << "[nostr]" << m_urlText << "disconnected:"
                         << (isClean ? QStringLiteral("closed by the relay") : m_lastError);
    setState(isClean ? RelayState::Disconnected : RelayState::Failed);
    scheduleReconnect();
}

void RelayConnection::scheduleReconnect()
{
    const qint64 jittered =
        reconnectDelayMs(m_reconnectAttempts, m_options, QRandomGenerator::global()->generate());
    ++m_reconnectAttempts;
    qInfo().noquote() << "[nostr]" << m_urlText << "reconnecting in" << jittered << "ms";
    m_reconnectTimer.start(int(jittered));
}

void RelayConnection::setState(RelayState state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void RelayConnection::setError(const QString &error)
{
    m_lastError = error;
}

void RelayConnection::sendText(const QByteArray &json)
{
    m_socket->sendTextMessage(QString::fromUtf8(json));
}

void RelayConnection::flushPending()
{
    if (m_state != RelayState::Connected && m_state != RelayState::Authenticating)
        return;
    for (Pending &pending : m_pending) {
        if (pending.isSent || pending.isWaitingForAuth)
            continue;
        QByteArray message("[\"EVENT\",");
        message.append(pending.event.toJsonBytes());
        message.append(']');
        sendText(message);
        pending.isSent = true;
    }
}

void RelayConnection::sendSubscriptions()
{
    for (auto it = m_subscriptions.cbegin(); it != m_subscriptions.cend(); ++it) {
        QJsonArray request{QStringLiteral("REQ"), it.key()};
        for (const QJsonValue &filter : it.value())
            request.append(filter);
        sendText(compact(request));
    }
    m_subscriptionsWaitingForAuth.clear();
}

qsizetype RelayConnection::indexOfPending(const EventId &id) const
{
    for (qsizetype i = 0; i < m_pending.size(); ++i)
        if (m_pending[i].event.id == id)
            return i;
    return -1;
}

void RelayConnection::onBinaryMessage(const QByteArray &message)
{
    qWarning().noquote() << "[nostr]" << m_urlText << "ignoring a binary frame of" << message.size()
                         << "bytes";
}

void RelayConnection::onTextMessage(const QString &message)
{
    const auto ignore = [this](const QString &reason) {
        qWarning().noquote() << "[nostr]" << m_urlText << "ignoring a relay message:" << reason;
    };
    // A UTF-16 code unit is at least one UTF-8 byte: no need to convert what is already too big.
    if (message.size() > m_options.maxMessageBytes) {
        ignore(QStringLiteral("larger than %1 bytes").arg(m_options.maxMessageBytes));
        return;
    }
    const QByteArray utf8 = message.toUtf8();
    if (utf8.size() > m_options.maxMessageBytes) {
        ignore(QStringLiteral("larger than %1 bytes").arg(m_options.maxMessageBytes));
        return;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(utf8, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        ignore(QStringLiteral("invalid JSON (%1)").arg(parseError.errorString()));
        return;
    }
    if (!document.isArray() || document.array().isEmpty() || !document.array().first().isString()) {
        ignore(QStringLiteral("not an array starting with a message type"));
        return;
    }
    const QJsonArray array = document.array();
    const QString type = array.first().toString();
    if (type == QLatin1String("OK"))
        handleOk(array);
    else if (type == QLatin1String("EVENT"))
        handleEvent(array);
    else if (type == QLatin1String("EOSE"))
        handleEose(array);
    else if (type == QLatin1String("NOTICE"))
        handleNotice(array);
    else if (type == QLatin1String("CLOSED"))
        handleClosed(array);
    else if (type == QLatin1String("AUTH"))
        handleAuth(array);
    else
        ignore(QStringLiteral("unknown type \"%1\"").arg(type.left(32)));
}

void RelayConnection::handleOk(const QJsonArray &message)
{
    if (message.size() != 4 || !message[1].isString() || !message[2].isBool() ||
        !message[3].isString()) {
        qWarning().noquote() << "[nostr]" << m_urlText
                             << "ignoring an OK that is not [\"OK\", id, true|false, message]";
        return;
    }
    const std::optional<EventId> id = EventId::fromHex(message[1].toString());
    if (!id) {
        qWarning().noquote() << "[nostr]" << m_urlText << "ignoring an OK with a malformed id";
        return;
    }
    const bool isAccepted = message[2].toBool();
    const QString text = message[3].toString();

    if (m_isAuthPending && *id == m_authEventId) {
        m_isAuthPending = false;
        setState(RelayState::Connected);
        if (isAccepted) {
            m_isAuthenticated = true;
            qInfo().noquote() << "[nostr]" << m_urlText << "authenticated (NIP-42)";
            emit authenticated();
            for (Pending &pending : m_pending) {
                if (pending.isWaitingForAuth) {
                    pending.isWaitingForAuth = false;
                    pending.isSent = false;
                }
            }
            const QStringList waiting = m_subscriptionsWaitingForAuth;
            m_subscriptionsWaitingForAuth.clear();
            for (const QString &subscriptionId : waiting)
                if (m_subscriptions.contains(subscriptionId))
                    subscribe(subscriptionId, m_subscriptions.value(subscriptionId));
            flushPending();
        } else {
            const QString reason = QStringLiteral("authentication refused: %1").arg(text);
            qWarning().noquote() << "[nostr]" << m_urlText << reason;
            setError(reason);
            for (qsizetype i = m_pending.size() - 1; i >= 0; --i)
                if (m_pending[i].isWaitingForAuth)
                    failPending(i, reason);
        }
        return;
    }

    const qsizetype index = indexOfPending(*id);
    if (index < 0) {
        qWarning().noquote() << "[nostr]" << m_urlText << "ignoring an OK for an unknown event"
                             << id->toHex();
        return;
    }
    if (isAccepted) {
        m_pending.removeAt(index);
        ++m_acceptedCount;
        emit eventAccepted(*id, text);
        return;
    }
    Pending &pending = m_pending[index];
    if (text.startsWith(AuthRequiredPrefix) && m_keyPair && !pending.hasRetriedAuth &&
        !m_isAuthenticated) {
        qInfo().noquote() << "[nostr]" << m_urlText << "event" << id->toHex()
                          << "needs NIP-42 authentication; re-sending after AUTH";
        pending.hasRetriedAuth = true;
        pending.isWaitingForAuth = true;
        pending.isSent = false;
        if (!m_challenge.isEmpty() && !m_isAuthPending)
            answerChallenge();
        return;
    }
    failPending(index, text);
}

void RelayConnection::failPending(qsizetype index, const QString &reason)
{
    const EventId id = m_pending[index].event.id;
    m_pending.removeAt(index);
    ++m_failedCount;
    const QString text = reason.isEmpty() ? QStringLiteral("refused without a reason") : reason;
    setError(QStringLiteral("event %1 refused: %2").arg(id.toHex(), text));
    qWarning().noquote() << "[nostr]" << m_urlText << "refused event" << id.toHex() + u':' << text;
    emit eventRejected(id, text);
}

void RelayConnection::handleEvent(const QJsonArray &message)
{
    const auto ignore = [this](const QString &reason) {
        qWarning().noquote() << "[nostr]" << m_urlText << "ignoring an EVENT:" << reason;
    };
    if (message.size() != 3 || !message[1].isString() || !message[2].isObject()) {
        ignore(QStringLiteral("not [\"EVENT\", subscription id, event]"));
        return;
    }
    const QString subscriptionId = message[1].toString();
    if (!m_subscriptions.contains(subscriptionId)) {
        ignore(QStringLiteral("no open subscription \"%1\"").arg(subscriptionId.left(64)));
        return;
    }
    QString error;
    const std::optional<Event> event = Event::fromJson(message[2].toObject(), &error);
    if (!event) {
        ignore(error);
        return;
    }
    if (!event->verify(*m_context, &error)) {
        ignore(QStringLiteral("event %1 fails verification: %2").arg(event->id.toHex(), error));
        return;
    }
    emit eventReceived(subscriptionId, *event);
}

void RelayConnection::handleEose(const QJsonArray &message)
{
    if (message.size() != 2 || !message[1].isString()) {
        qWarning().noquote() << "[nostr]" << m_urlText
                             << "ignoring an EOSE that is not [\"EOSE\", subscription id]";
        return;
    }
    const QString subscriptionId = message[1].toString();
    if (!m_subscriptions.contains(subscriptionId)) {
        qWarning().noquote() << "[nostr]" << m_urlText
                             << "ignoring an EOSE for no open subscription";
        return;
    }
    emit endOfStoredEvents(subscriptionId);
}

void RelayConnection::handleNotice(const QJsonArray &message)
{
    if (message.size() != 2 || !message[1].isString()) {
        qWarning().noquote() << "[nostr]" << m_urlText
                             << "ignoring a NOTICE that is not [\"NOTICE\", message]";
        return;
    }
    const QString text = message[1].toString();
    qInfo().noquote() << "[nostr]" << m_urlText << "notice:" << text.left(200);
    emit noticeReceived(text);
}

void RelayConnection::handleClosed(const QJsonArray &message)
{
    if (message.size() != 3 || !message[1].isString() || !message[2].isString()) {
        qWarning().noquote()
            << "[nostr]" << m_urlText
            << "ignoring a CLOSED that is not [\"CLOSED\", subscription id, message]";
        return;
    }
    const QString subscriptionId = message[1].toString();
    const QString reason = message[2].toString();
    if (!m_subscriptions.contains(subscriptionId)) {
        qWarning().noquote() << "[nostr]" << m_urlText
                             << "ignoring a CLOSED for no open subscription";
        return;
    }
    if (reason.startsWith(AuthRequiredPrefix) && m_keyPair && !m_isAuthenticated &&
        !m_subscriptionsWaitingForAuth.contains(subscriptionId)) {
        m_subscriptionsWaitingForAuth.append(subscriptionId);
        if (!m_challenge.isEmpty() && !m_isAuthPending)
            answerChallenge();
        return;
    }
    qWarning().noquote() << "[nostr]" << m_urlText << "subscription" << subscriptionId
                         << "closed by the relay:" << reason.left(200);
    m_subscriptions.remove(subscriptionId);
    m_subscriptionsWaitingForAuth.removeAll(subscriptionId);
    emit subscriptionClosed(subscriptionId, reason);
}

void RelayConnection::handleAuth(const QJsonArray &message)
{
    if (message.size() != 2 || !message[1].isString()) {
        qWarning().noquote() << "[nostr]" << m_urlText
                             << "ignoring an AUTH that is not [\"AUTH\", challenge]";
        return;
    }
    m_challenge = message[1].toString();
    if (!m_keyPair) {
        qInfo().noquote() << "[nostr]" << m_urlText
                          << "relay asks for NIP-42 AUTH but no key is set";
        return;
    }
    answerChallenge();
}

void RelayConnection::answerChallenge()
{
    if (!m_keyPair || m_challenge.isEmpty())
        return;
    Event auth;
    auth.kind = AuthKind;
    auth.createdAt = QDateTime::currentSecsSinceEpoch();
    auth.tags = {{QStringLiteral("relay"), m_urlText}, {QStringLiteral("challenge"), m_challenge}};
    QString error;
    if (!auth.sign(*m_keyPair, &error)) {
        qWarning().noquote() << "[nostr]" << m_urlText << "cannot sign the AUTH event:" << error;
        setError(error);
        return;
    }
    m_authEventId = auth.id;
    m_isAuthPending = true;
    setState(RelayState::Authenticating);
    QByteArray text("[\"AUTH\",");
    text.append(auth.toJsonBytes());
    text.append(']');
    sendText(text);
}

} // namespace afk::nostr
