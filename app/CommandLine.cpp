#include "CommandLine.h"

#include "StreamPaths.h"

#include <QCommandLineParser>
#include <QDir>
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

Examples:
  afk-studio --headless --source test-pattern
  afk-studio --headless --source file:talk.mp4 --no-realtime --ladder 480p,360p
  afk-studio --headless --bind 0.0.0.0 --port 8080   (serve other machines; open the port)

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
    const QCommandLineOption statsInterval(QStringLiteral("stats-interval"),
        QStringLiteral("Seconds between the status lines printed to stderr (0: none). Default 10."),
        QStringLiteral("S"), QStringLiteral("10"));
    parser.addOptions({helpOption, versionOption, headless, source, noRealtime, port, bind,
                       dataDir, streamKey, ladder, segmentSeconds, corsOrigin, retainHours, preset,
                       x264Threads, statsInterval});

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
    result.action = ParseResult::Action::Run;
    return result;
}

} // namespace afk::app
