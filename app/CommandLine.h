// The afk-studio command line: flags (a contract — names are relied on by scripts), their
// defaults, and validation with one-line errors.
#pragma once

#include "Ladder.h"
#include "NostrPresence.h"

#include <QHostAddress>
#include <QStringList>

namespace afk::app {

struct StudioOptions {
    bool isHeadless = false;
    enum class SourceKind { Invalid = 0, TestPattern, File, None };
    SourceKind sourceKind = SourceKind::TestPattern;
    QString sourceFile;
    bool isRealtime = true;
    quint16 port = 5050;
    QHostAddress bindAddress = QHostAddress::LocalHost;
    QString bindText = QStringLiteral("127.0.0.1");
    QString dataDir;
    QString streamKey;
    QList<media::Rendition> ladder;
    int segmentSeconds = 2;
    QString corsOrigin = QStringLiteral("*");
    int retainHours = 24;
    QString x264Preset = QStringLiteral("veryfast");
    int x264Threads = 0;
    int statsIntervalSeconds = 10;
    NostrOptions nostr; // relays empty: no NIP-53 announcements
    // Socket.IO ingest (browser hosts): see server/IngestAuth.h.
    bool isOpenIngest = false;
    QStringList allowedPubkeys; // lowercase hex
    qint64 maxMessageBytes = 1048576;
    int maxPublishers = 16;
    int maxViewersPerStream = 1000;
    // Stream lifecycle and caps (see session::StreamLimits, server::SocketIoServerOptions).
    int maxStreams = 16;
    int mediaTimeoutSeconds = 30;
    int idleTimeoutSeconds = 30;
    int reconnectGraceSeconds = 10;
    int recordRetentionSeconds = 3600;
    int maxSocketClients = 10000;
    int maxSocketClientsPerAddress = 256;
    int maxConnections = 4096; // HTTP + WebSocket connections open at once
    int listenBacklog = 0;     // the listening socket's accept queue; 0: the system's limit
};

struct ParseResult {
    enum class Action { Run, ShowHelp, ShowVersion, Fail };
    Action action = Action::Fail;
    StudioOptions options;
    QString error;   // one line, for Action::Fail
    QString helpText;
};

ParseResult parseCommandLine(const QStringList &arguments);

} // namespace afk::app
