#include "RelayStatus.h"

namespace afk::nostr
{

QString relayStateName(RelayState state)
{
    switch (state) {
    case RelayState::Disconnected:
        return QStringLiteral("disconnected");
    case RelayState::Connecting:
        return QStringLiteral("connecting");
    case RelayState::Connected:
        return QStringLiteral("connected");
    case RelayState::Authenticating:
        return QStringLiteral("authenticating");
    case RelayState::Failed:
        return QStringLiteral("failed");
    case RelayState::Invalid:
        break;
    }
    return QStringLiteral("invalid");
}

QJsonObject RelayStatus::toJson() const
{
    return QJsonObject{
        {QStringLiteral("url"), url},
        {QStringLiteral("state"), relayStateName(state)},
        {QStringLiteral("lastError"), lastError},
        {QStringLiteral("pending"), pendingCount},
        {QStringLiteral("accepted"), acceptedCount},
        {QStringLiteral("failed"), failedCount},
        {QStringLiteral("superseded"), supersededCount},
        {QStringLiteral("dropped"), droppedCount},
        {QStringLiteral("reconnectAttempts"), reconnectAttempts},
        {QStringLiteral("authenticated"), isAuthenticated},
    };
}

} // namespace afk::nostr
