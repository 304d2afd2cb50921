#include "CommandLine.h"

#include "RtmpUrl.h"
#include "ScreenSource.h"
#include "StreamPaths.h"

#include "StudioPaths.h"
#include "StudioSource.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>
#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>

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
  ll.m3u8            Low-Latency HLS master (CMAF parts, blocking reloads; hls.js lowLatencyMode)
  status, start, stop, playback, ingest    per-stream JSON routes
  /health, /livestream/health, /livestream/active, /metrics (Prometheus)
  /socket.io/        Socket.IO v4 (WebSocket) for browser hosts and viewers: start-stream,
                     stream-data, join-stream, leave-stream, end-stream (NIP-98 publisher auth)

Without --headless (and with a display) the desktop studio opens: pick a source, Go Live, share
the links. Flags given (here, as AFK_* or in --config) preset its form for the run.

Examples:
  afk-studio                                   (the desktop studio)
  afk-studio --go-live --source test-pattern   (the desktop studio, live at once)
  afk-studio --headless --source test-pattern
  afk-studio --headless --source file:talk.mp4 --no-realtime --ladder 480p,360p
  afk-studio --headless --source screen --camera-overlay=top-left,0.3 --mic
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
    } else if (text == u"camera" || text.startsWith(u"camera:")) {
        options->sourceKind = StudioOptions::SourceKind::Camera;
        options->cameraId = text.mid(7).toUtf8();
    } else if (text == u"screen" || text.startsWith(u"screen:")) {
        options->sourceKind = StudioOptions::SourceKind::Screen;
        options->screenSpec = text.mid(7);
        media::ScreenRegion region;
        QString regionError;
        if (!media::ScreenRegion::parse(options->screenSpec, &region, &regionError)) {
            *error = QStringLiteral("--source screen: %1").arg(regionError);
            return false;
        }
    } else if (text.startsWith(u"file:") && text.size() > 5) {
        options->sourceKind = StudioOptions::SourceKind::File;
        options->sourceFile = text.mid(5);
    } else {
        *error = QStringLiteral("--source: '%1' is not test-pattern, camera[:ID], "
                                "screen[:DISPLAY[+X,Y,WxH]], file:PATH or none")
                     .arg(text);
        return false;
    }
    return true;
}

// --camera-overlay[=CORNER[,SIZE]], --camera ID, --overlay-source SOURCE (after --source, --mic
// and --no-realtime are known).
bool parseOverlay(bool isOverlayFlagSet, const QString &placement, const QString &camera,
                  const QString &overlaySource, StudioOptions *options, QString *error)
{
    options->isOverlayUsed = isOverlayFlagSet || !overlaySource.isEmpty();
    if (!placement.isEmpty()
        && !media::CompositeLayout::parseOverlay(placement, &options->layout, error)) {
        *error = QStringLiteral("--camera-overlay: %1").arg(*error);
        return false;
    }
    if (!camera.isEmpty() && !isOverlayFlagSet) {
        *error = QStringLiteral("--camera names the camera of --camera-overlay (for the camera "
                                "alone use --source camera:ID)");
        return false;
    }
    if (!camera.isEmpty() && !overlaySource.isEmpty()) {
        *error = QStringLiteral("--camera and --overlay-source both say what the overlay shows: "
                                "give one");
        return false;
    }
    if (!overlaySource.isEmpty() && !studio::isOverlaySourceName(overlaySource, error)) {
        *error = QStringLiteral("--overlay-source: %1").arg(*error);
        return false;
    }
    options->overlayCameraId = camera.toUtf8();
    options->overlaySource = overlaySource;
    if (!options->isOverlayUsed)
        return true;
    using Kind = StudioOptions::SourceKind;
    const QString flag = isOverlayFlagSet ? QStringLiteral("--camera-overlay")
                                          : QStringLiteral("--overlay-source");
    if (options->sourceKind == Kind::Camera || options->sourceKind == Kind::None) {
        *error = QStringLiteral("%1 goes over --source screen, test-pattern or file:PATH, not %2")
                     .arg(flag, options->sourceKind == Kind::Camera ? QStringLiteral("camera")
                                                                    : QStringLiteral("none"));
        return false;
    }
    if (!options->isRealtime) {
        *error = QStringLiteral("%1 composes a live picture: it does not go with --no-realtime")
                     .arg(flag);
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

// --r2-* and --upload-concurrency; the credentials are never flags (see StorageCredentials.h).
bool parseUploadFlags(const QCommandLineParser &parser, const QCommandLineOption &endpoint,
                      const QCommandLineOption &accountId, const QCommandLineOption &bucket,
                      const QCommandLineOption &publicUrl, const QCommandLineOption &retainHours,
                      const QCommandLineOption &addressing, const QCommandLineOption &concurrency,
                      studio::UploadOptions *uploads, QString *error)
{
    if (!parseInteger(QStringLiteral("upload-concurrency"), parser.value(concurrency), 1, 64,
                      &uploads->concurrency, error)
        || !parseInteger(QStringLiteral("r2-retain-hours"), parser.value(retainHours), 0, 87600,
                         &uploads->r2RetainHours, error))
        return false;
    if (parser.isSet(endpoint) && parser.isSet(accountId)) {
        *error = QStringLiteral("--r2-endpoint and --r2-account-id both name the endpoint: "
                                "give one");
        return false;
    }
    uploads->r2Endpoint = parser.value(endpoint);
    if (parser.isSet(accountId)) {
        static const QRegularExpression accountPattern(QStringLiteral("^[A-Za-z0-9]{1,64}$"));
        if (!accountPattern.match(parser.value(accountId)).hasMatch()) {
            *error = QStringLiteral("--r2-account-id: '%1' is not an account id")
                         .arg(parser.value(accountId));
            return false;
        }
        uploads->r2Endpoint =
            QStringLiteral("https://%1.r2.cloudflarestorage.com").arg(parser.value(accountId));
    }
    const QUrl endpointUrl(uploads->r2Endpoint, QUrl::StrictMode);
    if (!uploads->r2Endpoint.isEmpty()
        && (!endpointUrl.isValid() || endpointUrl.host().isEmpty()
            || (endpointUrl.scheme() != u"https" && endpointUrl.scheme() != u"http")
            || !endpointUrl.userInfo().isEmpty())) {
        *error = QStringLiteral("--r2-endpoint: '%1' is not an http(s)://host[:port] URL "
                                "(credentials go in AFK_R2_ACCESS_KEY_ID / "
                                "AFK_R2_SECRET_ACCESS_KEY)")
                     .arg(endpointUrl.userInfo().isEmpty() ? uploads->r2Endpoint
                                                           : QStringLiteral("…"));
        return false;
    }
    uploads->r2Bucket = parser.value(bucket);
    static const QRegularExpression bucketPattern(
        QStringLiteral("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"));
    if (!uploads->r2Bucket.isEmpty() && !bucketPattern.match(uploads->r2Bucket).hasMatch()) {
        *error = QStringLiteral("--r2-bucket: '%1' is not a bucket name (3-63 of a-z 0-9 . -)")
                     .arg(uploads->r2Bucket);
        return false;
    }
    if (uploads->r2Endpoint.isEmpty() != uploads->r2Bucket.isEmpty()) {
        *error = QStringLiteral("R2 uploads need both --r2-bucket and --r2-endpoint (or "
                                "--r2-account-id)");
        return false;
    }
    uploads->r2PublicUrl = parser.value(publicUrl);
    while (uploads->r2PublicUrl.endsWith(u'/'))
        uploads->r2PublicUrl.chop(1);
    if (!uploads->r2PublicUrl.isEmpty() && !uploads->r2PublicUrl.startsWith(u"https://")
        && !uploads->r2PublicUrl.startsWith(u"http://")) {
        *error = QStringLiteral("--r2-public-url: '%1' is not an http(s) URL")
                     .arg(uploads->r2PublicUrl);
        return false;
    }
    const QString addressingName = parser.value(addressing);
    if (addressingName != u"path" && addressingName != u"virtual-host") {
        *error = QStringLiteral("--r2-addressing: '%1' is not path or virtual-host")
                     .arg(addressingName);
        return false;
    }
    uploads->isR2VirtualHosted = addressingName == u"virtual-host";
    return true;
}

} // namespace

// --rtmp-push and the --cloudinary-* flags. An RTMP URL carries its stream key, so an error shows
// the URL redacted.
bool parseRestreamFlags(const QStringList &pushUrls, const QString &cloud, const QString &mode,
                        const QString &apiBase, StudioOptions *options, QString *error)
{
    for (const QString &url : pushUrls) {
        QString why;
        if (!restream::isValidRtmpUrl(url, &why)) {
            *error = QStringLiteral("--rtmp-push %1: %2").arg(restream::redactRtmpUrl(url), why);
            return false;
        }
    }
    options->rtmpPushUrls = pushUrls;
    if (!mode.isEmpty() && mode != u"live" && mode != u"upload") {
        *error = QStringLiteral("--cloudinary-mode: '%1' is not live or upload").arg(mode.left(80));
        return false;
    }
    if (!mode.isEmpty() && cloud.isEmpty()) {
        *error = QStringLiteral("--cloudinary-mode needs --cloudinary-cloud NAME");
        return false;
    }
    static const QRegularExpression cloudPattern(QStringLiteral("^[A-Za-z0-9_-]{1,128}$"));
    if (!cloud.isEmpty() && !cloudPattern.match(cloud).hasMatch()) {
        *error = QStringLiteral("--cloudinary-cloud: '%1' is not a cloud name").arg(cloud.left(80));
        return false;
    }
    const QUrl base(apiBase, QUrl::StrictMode);
    if (!base.isValid() || (base.scheme() != u"https" && base.scheme() != u"http")
        || base.host().isEmpty()) {
        *error = QStringLiteral("--cloudinary-api-base: '%1' is not an http(s) URL")
                     .arg(apiBase.left(80));
        return false;
    }
    options->cloudinaryCloud = cloud;
    // Without a mode a cloud name means the Live Streaming API.
    options->cloudinaryMode = cloud.isEmpty() ? QString() : (mode.isEmpty() ? QStringLiteral("live") : mode);
    options->cloudinaryApiBase = apiBase;
    while (options->cloudinaryApiBase.endsWith(u'/'))
        options->cloudinaryApiBase.chop(1);
    return true;
}

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
    const QCommandLineOption goLive(QStringLiteral("go-live"),
        QStringLiteral("With the GUI: start streaming the chosen source at launch (headless runs "
                       "always stream their --source)."));
    const QCommandLineOption source(QStringLiteral("source"),
        QStringLiteral("What to stream: test-pattern (moving bars, clock, frame counter and a "
                       "tone, made in-process), camera[:ID] (a camera, see --list-devices; the "
                       "default one without ID), screen[:DISPLAY[+X,Y,WxH]] (the X11 screen or a "
                       "region of it, 30 fps; e.g. screen::0+0,0,1280x720), file:PATH (anything "
                       "FFmpeg reads, paced like a live source), or none (serve only; wait for "
                       "ingest). Default test-pattern."),
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
    const QCommandLineOption liveWindow(QStringLiteral("live-window"),
        QStringLiteral("Seconds of the newest segments the live media playlists list (0-21600; at "
                       "least 3 segments); the whole stream stays in recording.m3u8. 0 lists "
                       "every segment (an EVENT playlist). Default 60."),
        QStringLiteral("S"), QStringLiteral("60"));
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
    const QCommandLineOption scaler(QStringLiteral("scaler"),
        QStringLiteral("Filter that scales the source to each rung: %1. Default %2 (sharpest; "
                       "bicubic is the ffmpeg program's, with half the scaling CPU; bilinear and "
                       "area are cheaper still and blurrier).")
            .arg(media::scaleFilterNames().join(u'|'),
                 media::scaleFilterName(media::defaultScaleFilter)),
        QStringLiteral("FILTER"), media::scaleFilterName(media::defaultScaleFilter));
    const QCommandLineOption partSeconds(QStringLiteral("part-seconds"),
        QStringLiteral("Length of the Low-Latency HLS parts (ll.m3u8) in seconds, 0.1-1, rounded "
                       "to whole frames; 0 serves no LL-HLS. Default 0.333."),
        QStringLiteral("S"), QStringLiteral("0.333"));
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
        QStringLiteral("Title of the stream (watch page, /status) and of its live event."),
        QStringLiteral("TEXT"));
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
        QStringLiteral("A browser host's stream with no stream-data for S seconds ends, an RTMP "
                       "connection that sends nothing for S seconds is closed (1-3600). "
                       "Default 30."),
        QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption reconnectGrace(QStringLiteral("reconnect-grace"),
        QStringLiteral("Seconds a browser host or an RTMP publisher whose connection dropped has "
                       "to come back before its stream ends (0-600; \"reconnecting\" in /status "
                       "meanwhile). Default 10."),
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
    const QCommandLineOption microphone(QStringLiteral("mic"),
        QStringLiteral("Stream the microphone's sound with any --source (instead of the "
                       "source's own, e.g. the test pattern's tone): --mic (the default one) or "
                       "--mic=ID (see --list-devices)."));
    const QCommandLineOption listDevices(QStringLiteral("list-devices"),
        QStringLiteral("Print the cameras and microphones this machine has (ids for --source "
                       "camera:ID, --camera ID and --mic=ID) and exit."));
    const QCommandLineOption cameraOverlay(QStringLiteral("camera-overlay"),
        QStringLiteral("Show the camera as picture-in-picture over the source (screen, "
                       "test-pattern or file:): --camera-overlay (bottom-right, 25 % of the "
                       "width) or --camera-overlay=CORNER[,SIZE] with CORNER top-left, top-right, "
                       "bottom-left or bottom-right and SIZE a fraction of the width (0.05-0.9), "
                       "e.g. --camera-overlay=top-left,0.3."));
    const QCommandLineOption overlayCamera(QStringLiteral("camera"),
        QStringLiteral("The camera of --camera-overlay (an id of --list-devices). Default: the "
                       "default camera."),
        QStringLiteral("ID"));
    const QCommandLineOption overlaySource(QStringLiteral("overlay-source"),
        QStringLiteral("Put another source in the picture-in-picture instead of a camera: "
                       "test-pattern, camera[:ID], screen[:DISPLAY[+X,Y,WxH]] or file:PATH (a "
                       "file's last picture stays once it ends). Implies --camera-overlay."),
        QStringLiteral("SOURCE"));
    const QCommandLineOption config(QStringLiteral("config"),
        QStringLiteral("Settings file (INI: one key per flag, e.g. port=8080, relay=wss://a, "
                       "wss://b; the GUI keeps its form there too). Read before AFK_* environment "
                       "variables (AFK_PORT=8080) and the flags, which win. Default "
                       "$XDG_CONFIG_HOME/afk-host-studio/studio.conf when it exists."),
        QStringLiteral("FILE"));
    const QCommandLineOption rtmpPush(QStringLiteral("rtmp-push"),
        QStringLiteral("Restream the top rendition to this RTMP server (rtmp://host[:port]/app/"
                       "<stream key>; repeatable: simulcast), reconnecting with backoff. The URL "
                       "holds the key: prefer AFK_RTMP_PUSH or the settings file to keep it out "
                       "of ps."),
        QStringLiteral("URL"));
    const QCommandLineOption rtmpPort(QStringLiteral("rtmp-port"),
        QStringLiteral("RTMP ingest port (OBS, the ffmpeg program, hardware encoders publish to "
                       "rtmp://<host>:<port>/live/<stream key>), bound like --bind; 0 turns it "
                       "off. Default 1935; when the default port is taken the studio warns and runs "
                       "without RTMP, when a port given here is taken it does not start."),
        QStringLiteral("N"), QStringLiteral("1935"));
    const QCommandLineOption rtmpKeyFile(QStringLiteral("rtmp-key-file"),
        QStringLiteral("RTMP stream keys: one \"<secret> <stream id>\" a line (# comments). "
                       "With --open-ingest a key not in it publishes to the stream of that name."),
        QStringLiteral("FILE"));
    const QCommandLineOption cloudinaryCloud(QStringLiteral("cloudinary-cloud"),
        QStringLiteral("Cloudinary cloud name; the API key and secret come from "
                       "AFK_CLOUDINARY_API_KEY and AFK_CLOUDINARY_API_SECRET, else the "
                       "credential store (Settings > Storage), never a flag."),
        QStringLiteral("NAME"));
    const QCommandLineOption cloudinaryMode(QStringLiteral("cloudinary-mode"),
        QStringLiteral("live: a Cloudinary live stream per run, fed by the RTMP push; its HLS "
                       "URL is the public playback URL. upload: every segment and playlist "
                       "through the upload queue and the signed upload API (raw resources, "
                       "public ids livestream/<key>/<path>); <delivery>/<cloud>/raw/upload/"
                       "livestream/<key>/master.m3u8 is the public playback URL. Default live."),
        QStringLiteral("live|upload"));
    const QCommandLineOption cloudinaryApiBase(QStringLiteral("cloudinary-api-base"),
        QStringLiteral("Cloudinary API base URL (for tests; another base also serves the "
                       "uploaded files). Default https://api.cloudinary.com."),
        QStringLiteral("URL"), QStringLiteral("https://api.cloudinary.com"));
    const QCommandLineOption r2Endpoint(QStringLiteral("r2-endpoint"),
        QStringLiteral("Upload every segment and playlist to this S3-compatible endpoint "
                       "(http(s)://host[:port]; Cloudflare R2 or any S3 API), into --r2-bucket. "
                       "Credentials from AFK_R2_ACCESS_KEY_ID and AFK_R2_SECRET_ACCESS_KEY, else "
                       "the credential store (Settings → Storage); never a flag."),
        QStringLiteral("URL"));
    const QCommandLineOption r2AccountId(QStringLiteral("r2-account-id"),
        QStringLiteral("Cloudflare account id: the endpoint is "
                       "https://<ID>.r2.cloudflarestorage.com (instead of --r2-endpoint)."),
        QStringLiteral("ID"));
    const QCommandLineOption r2Bucket(QStringLiteral("r2-bucket"),
        QStringLiteral("Bucket the objects go to, as livestream/<key>/<file>."),
        QStringLiteral("NAME"));
    const QCommandLineOption r2PublicUrl(QStringLiteral("r2-public-url"),
        QStringLiteral("Public base URL of the bucket (https://pub-….r2.dev, a custom domain): "
                       "<URL>/livestream/<key>/master.m3u8 becomes the stream's public playback "
                       "URL (printed, in /status, the live event's streaming URL)."),
        QStringLiteral("URL"));
    const QCommandLineOption r2RetainHours(QStringLiteral("r2-retain-hours"),
        QStringLiteral("Delete a stream's uploaded objects H hours after it ended (0-87600; 0 "
                       "keeps them). Default 0."),
        QStringLiteral("H"), QStringLiteral("0"));
    const QCommandLineOption r2Addressing(QStringLiteral("r2-addressing"),
        QStringLiteral("path (<endpoint>/<bucket>/<key>) or virtual-host "
                       "(<bucket>.<endpoint host>/<key>). Default path."),
        QStringLiteral("path|virtual-host"), QStringLiteral("path"));
    const QCommandLineOption uploadConcurrency(QStringLiteral("upload-concurrency"),
        QStringLiteral("Objects uploaded at once (1-64). Default 4."), QStringLiteral("N"),
        QStringLiteral("4"));
    const QCommandLineOption rtmpPassthrough(QStringLiteral("rtmp-passthrough"),
        QStringLiteral("When an RTMP publisher's H.264 has the top rung's size and the ladder's "
                       "frame rate, copy it as the top rung instead of encoding it again (the "
                       "lower rungs are still encoded; segments are cut on its keyframes, so set "
                       "its keyframe interval to the segment length). Otherwise, says why in the "
                       "log and encodes."));
    const QList<QCommandLineOption> allOptions{
        helpOption, versionOption, listDevices, headless, goLive, config, microphone, source, noRealtime, port, bind,
        dataDir, streamKey, ladder, segmentSeconds, liveWindow, corsOrigin, retainHours, preset,
        x264Threads, scaler, statsInterval, openIngest, allowPubkey, maxMessageBytes,
        maxPublishers, maxViewers, maxConnections, relay, identity, keyPasswordFile, title,
        summary, image, tag, publicUrl, maxStreams, mediaTimeout, idleTimeout, reconnectGrace,
        recordRetention, maxClients, maxClientsPerIp, announcePlaylist, listenBacklog,
        cameraOverlay, overlayCamera, overlaySource, rtmpPush, cloudinaryCloud, cloudinaryMode,
        cloudinaryApiBase, r2Endpoint, r2AccountId, r2Bucket, r2PublicUrl, r2RetainHours,
        r2Addressing, uploadConcurrency, partSeconds, rtmpPort, rtmpKeyFile, rtmpPassthrough};
    parser.addOptions(allOptions);

    // --mic takes an optional value (--mic=ID), which QCommandLineParser has no notion of: the
    // value is taken here and the parser sees a plain --mic.
    QStringList words = arguments;
    QByteArray microphoneId;
    QString overlayPlacement; // the same for --camera-overlay=CORNER[,SIZE]
    for (QString &word : words) {
        if (word.startsWith(u"--mic=")) {
            microphoneId = word.mid(6).toUtf8();
            word = QStringLiteral("--mic");
        } else if (word.startsWith(u"--camera-overlay=")) {
            overlayPlacement = word.mid(17);
            word = QStringLiteral("--camera-overlay");
        }
    }

    ParseResult result;
    for (const QCommandLineOption &option : allOptions)
        result.flags.append({option.names().constLast(), !option.valueName().isEmpty()});
    result.helpText = parser.helpText();
    if (!parser.parse(words)) {
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
    options.explicitFlags = parser.optionNames();
    options.explicitFlags.removeDuplicates();
    options.isHeadless = parser.isSet(headless);
    options.isGoLiveAtLaunch = parser.isSet(goLive);
    options.isListDevices = parser.isSet(listDevices);
    options.isMicrophoneUsed = parser.isSet(microphone);
    options.microphoneId = microphoneId;
    if (!parseSource(parser.value(source), &options, &error))
        return result;
    if (options.isMicrophoneUsed && options.sourceKind == StudioOptions::SourceKind::None) {
        error = QStringLiteral("--mic needs a --source to go with (not none)");
        return result;
    }
    options.isRealtime = !parser.isSet(noRealtime);
    if (!options.isRealtime && options.sourceKind != StudioOptions::SourceKind::File) {
        error = QStringLiteral("--no-realtime only applies to --source file:PATH");
        return result;
    }
    if (!parseOverlay(parser.isSet(cameraOverlay), overlayPlacement, parser.value(overlayCamera),
                      parser.value(overlaySource), &options, &error))
        return result;
    if (options.isMicrophoneUsed && !options.isRealtime) {
        error = QStringLiteral("--mic is live sound: it does not go with --no-realtime");
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
    if (!parseInteger(QStringLiteral("live-window"), parser.value(liveWindow), 0, 21600,
                      &options.liveWindowSeconds, &error))
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
    if (!media::parseScaleFilter(parser.value(scaler), &options.scaleFilter)) {
        error = QStringLiteral("--scaler: '%1' is not one of %2")
                    .arg(parser.value(scaler).left(80), media::scaleFilterNames().join(u' '));
        return result;
    }
    bool isPartNumber = false;
    options.partSeconds = parser.value(partSeconds).toDouble(&isPartNumber);
    if (!isPartNumber || !(options.partSeconds == 0
                           || (options.partSeconds >= 0.1 && options.partSeconds <= 1))) {
        error = QStringLiteral("--part-seconds: '%1' is not 0 or a number from 0.1 to 1")
                    .arg(parser.value(partSeconds).left(80));
        return result;
    }
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
    int rtmpPortNumber = 0;
    if (!parseInteger(QStringLiteral("rtmp-port"), parser.value(rtmpPort), 0, 65535,
                      &rtmpPortNumber, &error))
        return result;
    options.rtmpPort = quint16(rtmpPortNumber);
    options.isRtmpPortExplicit = parser.isSet(rtmpPort);
    options.rtmpKeyFile = parser.value(rtmpKeyFile);
    options.isRtmpPassthrough = parser.isSet(rtmpPassthrough);
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
    if (!parseRestreamFlags(parser.values(rtmpPush), parser.value(cloudinaryCloud),
                            parser.value(cloudinaryMode), parser.value(cloudinaryApiBase),
                            &options, &error)
        || !parseUploadFlags(parser, r2Endpoint, r2AccountId, r2Bucket, r2PublicUrl, r2RetainHours,
                             r2Addressing, uploadConcurrency, &options.uploads, &error))
        return result;
    result.action = ParseResult::Action::Run;
    return result;
}

} // namespace afk::app

namespace afk::app {
namespace {

// "--config FILE" / "--config=FILE" among the flags; empty when absent.
QString configFlag(const QStringList &arguments, bool *isGiven)
{
    for (qsizetype index = 1; index < arguments.size(); ++index) {
        const QString &argument = arguments[index];
        if (argument == u"--config" || argument == u"-config") {
            *isGiven = true;
            return index + 1 < arguments.size() ? arguments[index + 1] : QString();
        }
        if (argument.startsWith(u"--config=")) {
            *isGiven = true;
            return argument.mid(9);
        }
    }
    *isGiven = false;
    return {};
}

// Flags that may be given more than once; the others take one value (a ladder's commas are
// part of it).
bool isRepeatable(const FlagSpec &flag)
{
    static const QStringList repeatable{QStringLiteral("relay"), QStringLiteral("tag"),
                                        QStringLiteral("allow-pubkey"),
                                        QStringLiteral("rtmp-push")};
    return repeatable.contains(flag.name);
}

// Flags that are switches or take a value after '=' (--mic=ID).
bool hasOptionalValue(const FlagSpec &flag)
{
    return flag.name == u"mic" || flag.name == u"camera-overlay";
}

// What a settings file or an environment variable gives a flag, as command-line words.
void appendFlag(const FlagSpec &flag, const QStringList &values, QStringList *words)
{
    if (!flag.takesValue) {
        const QString value = values.join(u',').trimmed().toLower();
        if (value == u"1" || value == u"true" || value == u"yes" || value == u"on")
            *words << QStringLiteral("--") + flag.name;
        // Flags with an optional value: mic=ID, camera-overlay=top-left,0.3.
        else if (hasOptionalValue(flag) && !value.isEmpty() && value != u"0"
                 && value != u"false" && value != u"no" && value != u"off")
            *words << QStringLiteral("--%1=%2").arg(flag.name, values.join(u',').trimmed());
        return;
    }
    if (!isRepeatable(flag)) {
        *words << QStringLiteral("--") + flag.name << values.join(u',').trimmed();
        return;
    }
    for (const QString &value : values)
        *words << QStringLiteral("--") + flag.name << value.trimmed();
}

// "--port: 'x' is not …" for words from one place, or an empty string.
QString checkAlone(const QStringList &words)
{
    const ParseResult alone = parseCommandLine(QStringList{QStringLiteral("afk-studio")} + words);
    return alone.action == ParseResult::Action::Fail ? alone.error : QString();
}

} // namespace

ParseResult loadSettings(const QStringList &arguments, const QProcessEnvironment &environment)
{
    const QList<FlagSpec> flags = parseCommandLine({QStringLiteral("afk-studio")}).flags;
    // Flags that only make sense on the command line itself.
    static const QStringList commandLineOnly{QStringLiteral("help"), QStringLiteral("version"),
                                             QStringLiteral("config"),
                                             QStringLiteral("list-devices")};

    bool isConfigGiven = false;
    QString configFile = configFlag(arguments, &isConfigGiven);
    if (!isConfigGiven && environment.contains(QStringLiteral("AFK_CONFIG"))) {
        configFile = environment.value(QStringLiteral("AFK_CONFIG"));
        isConfigGiven = true;
    }
    if (!isConfigGiven)
        configFile = studio::configDir() + QStringLiteral("/studio.conf");

    ParseResult failure;
    failure.flags = flags;
    QStringList fileWords;
    if (QFileInfo::exists(configFile)) {
        QSettings settings(configFile, QSettings::IniFormat);
        if (settings.status() != QSettings::NoError) {
            failure.error = QStringLiteral("%1: not a readable settings file").arg(configFile);
            return failure;
        }
        // Top-level keys are flags; groups ([stream], …) belong to the GUI's form.
        for (const QString &key : settings.childKeys()) {
            if (key.startsWith(u'#'))
                continue; // QSettings' comments are ';' lines; '#' ones read as keys

            const auto flag = std::find_if(flags.begin(), flags.end(),
                                           [&](const FlagSpec &spec) { return spec.name == key; });
            if (flag == flags.end() || commandLineOnly.contains(key)) {
                failure.error = QStringLiteral("%1: unknown key '%2' (the keys are the flags of "
                                               "--help, without the dashes)")
                                    .arg(configFile, key);
                return failure;
            }
            appendFlag(*flag, settings.value(key).toStringList(), &fileWords);
        }
        if (const QString error = checkAlone(fileWords); !error.isEmpty()) {
            failure.error = QStringLiteral("%1: %2").arg(configFile, error);
            return failure;
        }
    } else if (isConfigGiven) {
        failure.error = QStringLiteral("--config: cannot read %1: no such file").arg(configFile);
        return failure;
    }

    QStringList environmentWords;
    for (const FlagSpec &flag : flags) {
        if (commandLineOnly.contains(flag.name))
            continue;
        const QString variable = QStringLiteral("AFK_") + flag.name.toUpper().replace(u'-', u'_');
        if (!environment.contains(variable))
            continue;
        QStringList words;
        // Repeatable flags take several values separated by commas or spaces.
        const QString value = environment.value(variable);
        appendFlag(flag,
                   isRepeatable(flag) ? value.split(QRegularExpression(QStringLiteral("[,\\s]+")),
                                                    Qt::SkipEmptyParts)
                                      : QStringList{value},
                   &words);
        if (const QString error = checkAlone(words); !error.isEmpty()) {
            failure.error = QStringLiteral("environment %1: %2").arg(variable, error);
            return failure;
        }
        environmentWords << words;
    }

    QStringList effective{arguments.value(0, QStringLiteral("afk-studio"))};
    effective << fileWords << environmentWords << arguments.mid(1);
    ParseResult result = parseCommandLine(effective);
    result.options.settingsFile = configFile;
    return result;
}

} // namespace afk::app
