// Per-relay connection settings and state as plain values (what the pool reports for /status).
#pragma once

#include <QJsonObject>
#include <QString>

namespace afk::nostr
{

// Disconnected: not started, stopped, or closed cleanly by the relay (a reconnect may be
// scheduled). Failed: the last attempt or connection ended with an error (lastError says which);
// a reconnect is scheduled unless the URL itself is unusable.
enum class RelayState { Invalid = 0, Disconnected, Connecting, Connected, Authenticating, Failed };

// "disconnected", "connecting", "connected", "authenticating", "failed" ("invalid" for 0).
QString relayStateName(RelayState state);

struct RelayOptions {
    // Reconnect delay before attempt n (0-based): min(cap, base * 2^n), then a uniformly random
    // value in [delay / 2, delay] (equal jitter). n goes back to 0 once a connection has stayed
    // open for stableConnectionMs (a relay that accepts and drops at once still backs off).
    int reconnectBaseMs = 1000;
    int reconnectCapMs = 60000;
    int stableConnectionMs = 10000;
    // A connection attempt not open after this long is aborted (and retried with backoff).
    int connectTimeoutMs = 15000;
    // Larger relay messages are dropped unread (and logged).
    qsizetype maxMessageBytes = 256 * 1024;
    // Events waiting for their OK beyond this many: the oldest is dropped (eventRejected with a
    // "dropped:" reason, counted in droppedCount).
    int maxPendingEvents = 1000;
};

struct RelayStatus {
    QString url;
    RelayState state = RelayState::Invalid;
    QString lastError;            // empty when none; never contains secrets
    int pendingCount = 0;         // events sent or queued but not yet answered with OK true/false
    int acceptedCount = 0;        // OK true since the connection object was created
    int failedCount = 0;          // OK false (after the auth retry, if any)
    int supersededCount = 0;      // unsent replaceable events replaced by a newer one
    int droppedCount = 0;         // dropped because maxPendingEvents was reached
    int reconnectAttempts = 0;    // reconnects since the last stable connection
    bool isAuthenticated = false; // NIP-42 AUTH answered with OK true on the current connection

    // {"url","state","lastError","pending","accepted","failed","superseded","dropped",
    // "reconnectAttempts","authenticated"}.
    QJsonObject toJson() const;

    friend bool operator==(const RelayStatus &, const RelayStatus &) = default;
};

} // namespace afk::nostr
