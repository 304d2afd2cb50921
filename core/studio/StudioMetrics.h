// Prometheus lines for the parts of the studio outside the HTTP server: Socket.IO clients,
// browser ingest buffers and Nostr relays.
#pragma once

#include "EventLoopLatency.h"

#include <QByteArray>

namespace afk::server {
class SocketIoServer;
}
namespace afk::session {
class StreamRegistry;
}

namespace afk::studio {

class NostrPresence;

// nostr may be null (no relays configured).
QByteArray renderStudioMetrics(const server::SocketIoServer &socketIo,
                               const session::StreamRegistry &registry, const NostrPresence *nostr);

// The event loop's timer lateness over the probe's window (a Prometheus summary, seconds).
QByteArray renderEventLoopMetrics(const EventLoopLatency &probe);

} // namespace afk::studio
