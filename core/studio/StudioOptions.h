// Everything a studio run is set up with: the source, the server, the encoding ladder, the
// stream lifecycle and caps, Nostr. Filled by the command line today (app/CommandLine).
#pragma once

#include "CompositeLayout.h"
#include "Ladder.h"
#include "NostrPresence.h"
#include "ScaleFilter.h"

#include <QHostAddress>
#include <QStringList>

namespace afk::studio {

// Uploads of every stream's segments and playlists (core/storage/UploadQueue); R2 when
// r2Bucket is set.
struct UploadOptions {
    QString r2Endpoint;      // http(s)://host[:port]
    QString r2Bucket;
    QString r2PublicUrl;     // no trailing '/'
    int r2RetainHours = 0;   // 0: objects are kept
    bool isR2VirtualHosted = false;
    int concurrency = 4;     // --upload-concurrency
};

struct StudioOptions {
    bool isHeadless = false;
    bool isGoLiveAtLaunch = false; // --go-live: the GUI starts streaming at once
    QString settingsFile;          // the --config file (the GUI keeps its form there too)
    // The flags given (on the command line, as AFK_* or in the settings file), without dashes:
    // the GUI's saved form yields to these for the run.
    QStringList explicitFlags;
    enum class SourceKind { Invalid = 0, TestPattern, File, Screen, Camera, None };
    SourceKind sourceKind = SourceKind::TestPattern;
    QString sourceFile;
    QString screenSpec; // after "screen:": [:DISPLAY][+X,Y,WxH] (see media::ScreenRegion)
    QByteArray cameraId; // after "camera:"; empty: the default camera
    bool isMicrophoneUsed = false; // --mic[=ID]
    QByteArray microphoneId;       // empty: the default microphone
    bool isListDevices = false; // --list-devices: print cameras and microphones, exit
    // --camera-overlay[=CORNER[,SIZE]]: the camera (overlayCameraId, --camera) as picture-in-picture
    // over the source; --overlay-source puts another source there instead (e.g. file:PATH).
    bool isOverlayUsed = false;
    media::CompositeLayout layout;
    QByteArray overlayCameraId; // --camera ID; empty: the default camera
    QString overlaySource;      // --overlay-source; empty: the camera
    bool isRealtime = true;
    quint16 port = 5050;
    QHostAddress bindAddress = QHostAddress::LocalHost;
    QString bindText = QStringLiteral("127.0.0.1");
    QString dataDir;
    QString streamKey;
    QList<media::Rendition> ladder;
    int segmentSeconds = 2;
    int liveWindowSeconds = 60; // 0: live playlists list every segment
    QString corsOrigin = QStringLiteral("*");
    int retainHours = 24;
    QString x264Preset = QStringLiteral("veryfast");
    int x264Threads = 0;
    media::ScaleFilter scaleFilter = media::defaultScaleFilter; // --scaler
    double partSeconds = 0.333; // --part-seconds: LL-HLS parts; 0: no LL-HLS
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
    // RTMP ingest (server/RtmpServer): 0 is off; keys of --rtmp-key-file, see RtmpKeyBook.
    quint16 rtmpPort = 1935;
    // False while rtmpPort is the default: a default port that is taken (another studio, an
    // nginx-rtmp on this machine) only costs RTMP ingest, with a warning; a port asked for by
    // --rtmp-port must be ours or the studio does not start.
    bool isRtmpPortExplicit = false;
    QString rtmpKeyFile;
    bool isRtmpPassthrough = false; // --rtmp-passthrough: copy a matching publisher's top rung
    // Restreaming (see restream::Restreamer): RTMP pushes of the top rendition, Cloudinary.
    QStringList rtmpPushUrls;   // --rtmp-push (each carries its stream key: never shown whole)
    QString cloudinaryCloud;    // empty: no Cloudinary
    QString cloudinaryMode;     // live or upload (set when cloudinaryCloud is)
    QString cloudinaryApiBase = QStringLiteral("https://api.cloudinary.com");
    UploadOptions uploads;
};

} // namespace afk::studio
