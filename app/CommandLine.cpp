#include "CommandLine.h"

#include "StreamPaths.h"

#include <QCommandLineParser>
#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>

namespace afk::app {
namespace {

QString defaultDataDir()
{
    // XDG_DATA_HOME (default ~/.local/share) / afk-host-studio / streams
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
           + QStringLiteral("/afk-host-studio/streams");
}

const char *const helpDescription = R"(AFK Host Studio: a live-streaming studio with an embedded HLS server.

Encodes a source into an adaptive-bitrate H.264/AAC HLS ladder in-process and serves it, with the
AFK PWA's routes, at http://<bind>:<port>/livestream/<stream key>/:
  master.m3u8        ABR master playlist (hls.js, Safari, the AFK PWA)
  stream.m3u8        media playlist of the top rendition (the PWA's pre-check), segment_N.ts
  <rung>/index.m3u8  each rendition's media playlist and segments
  status, start, stop, playback, ingest    per-stream JSON routes
  /health, /livestream/health, /livestream/active, /metrics (Prometheus)
  /socket.io/        Socket.IO v4 (WebSocket) for browser hosts and viewers: start-stream,
                     stream-data, join-stream, leave-stream, end-stream (NIP-98 publisher auth)

Examples:
  afk-studio --headless --source test-pattern
  afk-studio --headless --source file:talk.mp4 --no-realtime --ladder 480p,360p
  afk-studio --headless --bind 0.0.0.0 --port 8080   (serve other machines; open the port)
  afk-studio --headless --source none --allow-pubkey <hex>   (wait for one browser host)

Exit codes: 0 clean end (SIGINT/SIGTERM, or the file ended with --no-realtime), 1 the
pipeline failed, 2 bad flags or set-up (unreadable file, unwritable data dir, port in use).)";

bool parseSource(const QString &text, StudioOptions *options, QString *error)
{
    if (text == u"test-pattern") {
        options->sourceKind = StudioOptions::SourceKind::TestPattern;
    } else if (text == u"none") {
        options->sourceKind = StudioOptions::SourceKind::None;
    } else if (text.startsWith(u"file:") && text.size() > 5) {
        options->sourceKind = StudioOptions::SourceKind::File;
        options->sourceFile = text.mid(5);
    } else {
        *error = QStringLiteral("--source: '%1' is not test-pattern, file:PATH or none").arg(text);
        return false;
    }
    return true;
}

bool parseInteger(const QString &flag, const QString &text, int minimum, int maximum, int *value,
                  QString *error)
{
    bool isNumber = false;
    const int parsed = text.toInt(&isNumber);
    if (!isNumber || parsed < minimum || parsed > maximum) {
        *error = QStringLiteral("--%1: '%2' is not a whole number from %3 to %4")
                     .arg(flag, text)
                     .arg(minimum)
                     .arg(maximum);
        return false;
    }
    *value = parsed;
    return true;
}

} // namespace

ParseResult parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(helpDescription));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption helpOption({QStringLiteral("h"), QStringLiteral("help")},
                                        QStringLiteral("Show this help and exit."));
    const QCommandLineOption versionOption(QStringLiteral("version"),
                                           QStringLiteral("Show the version and exit."));
    const QCommandLineOption headless(QStringLiteral("headless"),
        QStringLiteral("Run without a GUI until SIGINT/SIGTERM (then finish the current segment, "
                       "end every playlist with #EXT-X-ENDLIST and exit 0)."));
    const QCommandLineOption source(QStringLiteral("source"),
        QStringLiteral("What to stream: test-pattern (moving bars, clock, frame counter and a "
                       "tone, made in-process), file:PATH (anything FFmpeg reads, paced like a "
                       "live source), or none (serve only; wait for ingest). Default test-pattern."),
        QStringLiteral("SOURCE"), QStringLiteral("test-pattern"));
    const QCommandLineOption noRealtime(QStringLiteral("no-realtime"),
        QStringLiteral("With file:, encode as fast as possible, end every playlist and exit 0 "
                       "when the file ends."));
    const QCommandLineOption port(QStringLiteral("port"),
        QStringLiteral("HTTP and WebSocket port. Default 5050."), QStringLiteral("N"),
        QStringLiteral("5050"));
    const QCommandLineOption bind(QStringLiteral("bind"),
        QStringLiteral("Address to listen on. Default 127.0.0.1 (this machine only); use 0.0.0.0 "
                       "(or a LAN address, or :: for IPv6) to serve other machines."),
        QStringLiteral("ADDR"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
        QStringLiteral("Where streams are written, one folder per stream key. Default %1.")
            .arg(defaultDataDir()),
        QStringLiteral("DIR"));
    const QCommandLineOption streamKey(QStringLiteral("stream-key"),
        QStringLiteral("Key (id) of the stream, [A-Za-z0-9_-]{1,64}. Default: 32 random hex "
                       "characters."),
        QStringLiteral("KEY"));
    const QCommandLineOption ladder(QStringLiteral("ladder"),
        QStringLiteral("Renditions, highest first: any of 1080p (5000k), 720p (2500k), 480p "
                       "(1500k), 360p (800k), 240p (400k). Rungs above the source are skipped "
                       "(never upscaled). Default 720p,480p,360p."),
        QStringLiteral("RUNGS"), QStringLiteral("720p,480p,360p"));
    const QCommandLineOption segmentSeconds(QStringLiteral("segment-seconds"),
        QStringLiteral("Segment and keyframe interval in seconds (1-10). Default 2."),
        QStringLiteral("S"), QStringLiteral("2"));
    const QCommandLineOption corsOrigin(QStringLiteral("cors-origin"),
        QStringLiteral("Access-Control-Allow-Origin for every route. Default * (any player); "
                       "set your PWA's origin in production."),
        QStringLiteral("ORIGIN"), QStringLiteral("*"));
    const QCommandLineOption retainHours(QStringLiteral("retain-hours"),
        QStringLiteral("Delete a finished stream's local files this many hours after it ended "
                       "(checked at start and hourly). 0 keeps them. Default 24."),
        QStringLiteral("H"), QStringLiteral("24"));
    const QCommandLineOption preset(QStringLiteral("x264-preset"),
        QStringLiteral("libx264 preset (ultrafast ... veryslow). Default veryfast."),
        QStringLiteral("PRESET"), QStringLiteral("veryfast"));
    const QCommandLineOption x264Threads(QStringLiteral("x264-threads"),
        QStringLiteral("Threads per rendition encoder (1-16); 0 picks: two for the top rung, one "
                       "for the others, as every rendition already runs on its own thread. "
                       "Default 0."),
        QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption relay(QStringLiteral("relay"),
        QStringLiteral("Nostr relay (ws:// or wss://) to announce streams on as NIP-53 live events "
                       "(kind 30311), signed with the active key of `afk-studio keys`. Repeatable."),
        QStringLiteral("URL"));
    const QCommandLineOption identity(QStringLiteral("identity"),
        QStringLiteral("Key (npub or name) that signs the live events. Default: the active one."),
        QStringLiteral("KEY"));
    const QCommandLineOption keyPasswordFile(QStringLiteral("key-password-file"),
        QStringLiteral("File whose first line unlocks the key (else AFK_KEY_PASSWORD, else a "
                       "prompt)."),
        QStringLiteral("F"));
    const QCommandLineOption title(QStringLiteral("title"),
        QStringLiteral("Title of the live event."), QStringLiteral("TEXT"));
    const QCommandLineOption summary(QStringLiteral("summary"),
        QStringLiteral("Summary of the live event."), QStringLiteral("TEXT"));
    const QCommandLineOption image(QStringLiteral("image"),
        QStringLiteral("Image URL of the live event."), QStringLiteral("URL"));
    const QCommandLineOption tag(QStringLiteral("tag"),
        QStringLiteral("Hashtag of the live event (a t tag). Repeatable."), QStringLiteral("T"));
    const QCommandLineOption publicUrl(QStringLiteral("public-url"),
        QStringLiteral("Base URL viewers reach the studio at, for the live event's streaming URL "
                       "(e.g. https://live.example). Default: the local serving address."),
        QStringLiteral("BASE"));
    const QCommandLineOption statsInterval(QStringLiteral("stats-interval"),
        QStringLiteral("Seconds between the status lines printed to stderr (0: none). Default 10."),
        QStringLiteral("S"), QStringLiteral("10"));
    const QCommandLineOption openIngest(QStringLiteral("open-ingest"),
        QStringLiteral("Let anyone publish over Socket.IO without a NIP-98 proof (local tests "
                       "only). Default: a publisher must sign a NIP-98 event (kind 27235) for "
                       "ws://<host>/socket.io/ and pass it as the Socket.IO auth "
                       "{authorization: \"Nostr <base64>\"}."));
    const QCommandLineOption allowPubkey(QStringLiteral("allow-pubkey"),
        QStringLiteral("Only this pubkey (64 hex characters) may publish over Socket.IO; "
                       "repeat for several. Default: any authenticated pubkey."),
        QStringLiteral("HEX"));
    const QCommandLineOption maxMessageBytes(QStringLiteral("max-message-bytes"),
        QStringLiteral("Largest Socket.IO message (a stream-data chunk) in bytes; a larger one "
                       "gets a stream-error and its connection is closed. Default 1048576."),
        QStringLiteral("N"), QStringLiteral("1048576"));
    const QCommandLineOption maxPublishers(QStringLiteral("max-publishers"),
        QStringLiteral("Streams published over Socket.IO at once (1-1000). Default 16."),
        QStringLiteral("N"), QStringLiteral("16"));
    const QCommandLineOption maxViewers(QStringLiteral("max-viewers"),
        QStringLiteral("Socket.IO viewers per stream (1-1000000). Default 1000."),
        QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption maxStreams(QStringLiteral("max-streams"),
        QStringLiteral("Streams live at once, from every source (1-1000); one more is refused "
                       "with a reason naming this cap. Default 16."),
        QStringLiteral("N"), QStringLiteral("16"));
    const QCommandLineOption mediaTimeout(QStringLiteral("media-timeout"),
        QStringLiteral("A started stream that gets no media within S seconds ends (1-3600). "
                       "Default 30."),
        QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption idleTimeout(QStringLiteral("idle-timeout"),
        QStringLiteral("A browser host's stream with no stream-data for S seconds ends (1-3600). "
                       "Default 30."),
        QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption reconnectGrace(QStringLiteral("reconnect-grace"),
        QStringLiteral("Seconds a browser host whose connection dropped has to come back before "
                       "its stream ends (0-600; \"reconnecting\" in /status meanwhile). "
                       "Default 10."),
        QStringLiteral("S"), QStringLiteral("10"));
    const QCommandLineOption recordRetention(QStringLiteral("record-retention"),
        QStringLiteral("Seconds an ended stream's record (its status, owner, chat) stays in "
                       "memory (1-2592000); its files follow --retain-hours. Default 3600."),
        QStringLiteral("S"), QStringLiteral("3600"));
    const QCommandLineOption maxClients(QStringLiteral("max-clients"),
        QStringLiteral("Socket.IO connections at once (1-1000000). Default 10000."),
        QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption maxClientsPerIp(QStringLiteral("max-clients-per-ip"),
        QStringLiteral("Socket.IO connections at once from one remote address (1-1000000). "
                       "Default 256."),
        QStringLiteral("N"), QStringLiteral("256"));
    const QCommandLineOption announcePlaylist(QStringLiteral("announce-playlist"),
        QStringLiteral("What the live event's streaming URL names: stream (stream.m3u8, a media "
                       "playlist, what the AFK PWA checks) or master (master.m3u8, ABR). "
                       "Default stream."),
        QStringLiteral("stream|master"), QStringLiteral("stream"));
    const QCommandLineOption maxConnections(QStringLiteral("max-connections"),
        QStringLiteral("HTTP and WebSocket connections open at once (1-1000000); one more is "
                       "answered 503 and closed. Default 4096."),
        QStringLiteral("N"), QStringLiteral("4096"));
    const QCommandLineOption listenBacklog(QStringLiteral("listen-backlog"),
        QStringLiteral("Connections the kernel queues for the HTTP/WebSocket port until the studio "
                       "accepts them (1-1000000; the kernel caps it at net.core.somaxconn). "
                       "Default: net.core.somaxconn."),
        QStringLiteral("N"));
    parser.addOptions({helpOption, versionOption, headless, source, noRealtime, port, bind,
                       dataDir, streamKey, ladder, segmentSeconds, corsOrigin, retainHours, preset,
                       x264Threads, statsInterval, openIngest, allowPubkey, maxMessageBytes,
                       maxPublishers, maxViewers, maxConnections, relay, identity,
                       keyPasswordFile, title, summary, image, tag, publicUrl});
    parser.addOptions({maxStreams, mediaTimeout, idleTimeout, reconnectGrace, recordRetention,
                       maxClients, maxClientsPerIp, announcePlaylist, listenBacklog});

    ParseResult result;
    result.helpText = parser.helpText();
    if (!parser.parse(arguments)) {
        result.error = parser.errorText();
        return result;
    }
    if (parser.isSet(helpOption)) {
        result.action = ParseResult::Action::ShowHelp;
        return result;
    }
    if (parser.isSet(versionOption)) {
        result.action = ParseResult::Action::ShowVersion;
        return result;
    }
    if (!parser.positionalArguments().isEmpty()) {
        result.error = QStringLiteral("unexpected argument '%1' (see --help)")
                           .arg(parser.positionalArguments().first());
        return result;
    }

    StudioOptions &options = result.options;
    QString &error = result.error;
    options.isHeadless = parser.isSet(headless);
    if (!parseSource(parser.value(source), &options, &error))
        return result;
    options.isRealtime = !parser.isSet(noRealtime);
    if (!options.isRealtime && options.sourceKind != StudioOptions::SourceKind::File) {
        error = QStringLiteral("--no-realtime only applies to --source file:PATH");
        return result;
    }
    int number = 0;
    if (!parseInteger(QStringLiteral("port"), parser.value(port), 0, 65535, &number, &error))
        return result;
    options.port = quint16(number);
    options.bindText = parser.value(bind);
    if (!options.bindAddress.setAddress(options.bindText)) {
        if (options.bindText == u"localhost") {
            options.bindAddress = QHostAddress::LocalHost;
        } else {
            error = QStringLiteral("--bind: '%1' is not an IP address").arg(options.bindText);
            return result;
        }
    }
    options.dataDir = parser.isSet(dataDir) ? QDir(parser.value(dataDir)).absolutePath()
                                            : defaultDataDir();
    options.streamKey = parser.isSet(streamKey) ? parser.value(streamKey)
                                                : storage::generateStreamKey();
    if (!storage::isValidStreamKey(options.streamKey)) {
        error = QStringLiteral("--stream-key: '%1' is not a valid key (1-64 of A-Z a-z 0-9 _ -)")
                    .arg(options.streamKey);
        return result;
    }
    QString ladderError;
    options.ladder = media::parseLadder(parser.value(ladder), &ladderError);
    if (options.ladder.isEmpty()) {
        error = QStringLiteral("--ladder: %1").arg(ladderError);
        return result;
    }
    if (!parseInteger(QStringLiteral("segment-seconds"), parser.value(segmentSeconds), 1, 10,
                      &options.segmentSeconds, &error))
        return result;
    options.corsOrigin = parser.value(corsOrigin);
    if (options.corsOrigin.isEmpty() || options.corsOrigin.contains(u'\n')
        || options.corsOrigin.contains(u'\r')) {
        error = QStringLiteral("--cors-origin: give * or an origin like https://app.example");
        return result;
    }
    if (!parseInteger(QStringLiteral("retain-hours"), parser.value(retainHours), 0, 24 * 365,
                      &options.retainHours, &error))
        return result;
    static const QStringList presets = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                        "medium",    "slow",      "slower",   "veryslow"};
    options.x264Preset = parser.value(preset);
    if (!presets.contains(options.x264Preset)) {
        error = QStringLiteral("--x264-preset: '%1' is not one of %2")
                    .arg(options.x264Preset, presets.join(u' '));
        return result;
    }
    if (!parseInteger(QStringLiteral("x264-threads"), parser.value(x264Threads), 0, 16,
                      &options.x264Threads, &error))
        return result;
    if (!parseInteger(QStringLiteral("stats-interval"), parser.value(statsInterval), 0, 3600,
                      &options.statsIntervalSeconds, &error))
        return result;
    options.isOpenIngest = parser.isSet(openIngest);
    static const QRegularExpression pubkeyPattern(QStringLiteral("^[0-9a-fA-F]{64}$"));
    for (const QString &pubkey : parser.values(allowPubkey)) {
        if (!pubkeyPattern.match(pubkey).hasMatch()) {
            error = QStringLiteral("--allow-pubkey: '%1' is not a 64-character hex pubkey")
                        .arg(pubkey.left(80));
            return result;
        }
        options.allowedPubkeys << pubkey.toLower();
    }
    int messageBytes = 0;
    if (!parseInteger(QStringLiteral("max-message-bytes"), parser.value(maxMessageBytes), 1024,
                      256 * 1024 * 1024, &messageBytes, &error))
        return result;
    options.maxMessageBytes = messageBytes;
    if (!parseInteger(QStringLiteral("max-publishers"), parser.value(maxPublishers), 1, 1000,
                      &options.maxPublishers, &error))
        return result;
    if (!parseInteger(QStringLiteral("max-viewers"), parser.value(maxViewers), 1, 1000000,
                      &options.maxViewersPerStream, &error))
        return result;
    if (!parseInteger(QStringLiteral("max-streams"), parser.value(maxStreams), 1, 1000,
                      &options.maxStreams, &error)
        || !parseInteger(QStringLiteral("media-timeout"), parser.value(mediaTimeout), 1, 3600,
                         &options.mediaTimeoutSeconds, &error)
        || !parseInteger(QStringLiteral("idle-timeout"), parser.value(idleTimeout), 1, 3600,
                         &options.idleTimeoutSeconds, &error)
        || !parseInteger(QStringLiteral("reconnect-grace"), parser.value(reconnectGrace), 0, 600,
                         &options.reconnectGraceSeconds, &error)
        || !parseInteger(QStringLiteral("record-retention"), parser.value(recordRetention), 1,
                         30 * 24 * 3600, &options.recordRetentionSeconds, &error)
        || !parseInteger(QStringLiteral("max-clients"), parser.value(maxClients), 1, 1000000,
                         &options.maxSocketClients, &error)
        || !parseInteger(QStringLiteral("max-clients-per-ip"), parser.value(maxClientsPerIp), 1,
                         1000000, &options.maxSocketClientsPerAddress, &error))
        return result;
    if (parser.value(announcePlaylist) == u"master") {
        options.nostr.announcedPlaylist = QStringLiteral("master.m3u8");
    } else if (parser.value(announcePlaylist) != u"stream") {
        error = QStringLiteral("--announce-playlist: '%1' is not stream or master")
                    .arg(parser.value(announcePlaylist));
        return result;
    }
    if (!parseInteger(QStringLiteral("max-connections"), parser.value(maxConnections), 1, 1000000,
                      &options.maxConnections, &error))
        return result;
    if (parser.isSet(listenBacklog)
        && !parseInteger(QStringLiteral("listen-backlog"), parser.value(listenBacklog), 1, 1000000,
                         &options.listenBacklog, &error))
        return result;
    options.nostr.relayUrls = parser.values(relay);
    for (const QString &url : options.nostr.relayUrls) {
        if (!url.startsWith(u"ws://") && !url.startsWith(u"wss://")) {
            error = QStringLiteral("--relay: '%1' is not a ws:// or wss:// URL").arg(url);
            return result;
        }
    }
    options.nostr.identity = parser.value(identity);
    options.nostr.keyPasswordFile = parser.value(keyPasswordFile);
    options.nostr.title = parser.value(title);
    options.nostr.summary = parser.value(summary);
    options.nostr.imageUrl = parser.value(image);
    options.nostr.hashtags = parser.values(tag);
    options.nostr.publicBaseUrl = parser.value(publicUrl);
    while (options.nostr.publicBaseUrl.endsWith(u'/'))
        options.nostr.publicBaseUrl.chop(1);
    result.action = ParseResult::Action::Run;
    return result;
}

} // namespace afk::app
