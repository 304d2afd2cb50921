// One stream's Low-Latency HLS presentation: a CMAF packager per rendition (made through the
// pipeline's EncodedPacketSinkFactory, so the TS presentation's packets are muxed once more and
// never encoded again), the media playlists they publish and the ll.m3u8 master, kept in memory
// for the server. Packagers publish from their rendition threads; readers are on the event loop.
#pragma once

#include "EncodedPacketSink.h"
#include "LowLatencyPlaylist.h"

#include <QByteArray>
#include <QObject>
#include <QStringList>
#include <QString>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace afk::media {

class MediaIndex;

struct LowLatencySettings {
    QString directory;          // the stream's ll/ folder; each rendition in ll/<name>/
    double partSeconds = 0.333; // --part-seconds: rounded to whole frames
    int segmentSeconds = 2;
    int liveWindowSeconds = 60;
    int audioBitrateKbps = 128;
    // Where the packagers publish init segments, parts and playlists for the serving threads
    // (keyed by their files' paths; the master as <stream>/ll.m3u8), or none. Whole segments
    // stay on disk (CmafPackager::completeSegment).
    std::shared_ptr<MediaIndex> mediaIndex;
};

// Owned by a shared_ptr (its packagers share it); the owner must release it on the thread it
// lives on, after the pipeline's threads are done.
class LowLatencyPresentation : public QObject,
                               public std::enable_shared_from_this<LowLatencyPresentation>
{
    Q_OBJECT
public:
    explicit LowLatencyPresentation(LowLatencySettings settings);
    ~LowLatencyPresentation() override; // takes its playlists out of the media index

    // A factory that gives every rung a CMAF packager, beside what `others` makes.
    EncodedPacketSinkFactory sinkFactory(EncodedPacketSinkFactory others);
    const LowLatencySettings &settings() const { return m_settings; }

    // Readers (any thread). Empty / nullopt while unknown.
    QByteArray masterPlaylist() const;
    QByteArray mediaPlaylist(const QString &rendition) const;
    bool hasRendition(const QString &rendition) const;
    std::optional<LowLatencyPosition> position(const QString &rendition) const;
    // Parts per segment and the target duration, for blocking-request bounds.
    int partsPerSegment() const;
    int targetDurationSeconds() const;

    // Writers: the packagers, on their rendition threads.
    void setCodecs(int renditionIndex, const QString &codecs, double framesPerSecond);
    void setPartsPerSegment(int parts);
    void publish(int renditionIndex, const LowLatencyPlaylist &playlist);

signals:
    // A rendition's playlist changed (a part or segment became available, or it ended). Emitted
    // on the packager's thread: connect with a queued (or auto) connection.
    void published(const QString &rendition);

private:
    struct RenditionState {
        Rendition rendition;
        QString codecs;
        double framesPerSecond = 0;
        LowLatencyPosition position;
        int publishedParts = 0;
        QByteArray playlist;
    };
    // Every run continues after the highest segment number in ll/ (a URL never names two
    // contents) and forgets the parts of earlier runs. Called once, before any packager opens.
    qint64 prepareDirectory();
    std::vector<std::shared_ptr<EncodedPacketSink>>
    makeSinks(const EncodedPacketSinkFactory &others, const Rendition &rendition,
              int renditionIndex);
    void updateMasterLocked();
    QString masterPath() const;
    QString playlistPath(const QString &rendition) const;

    LowLatencySettings m_settings;
    mutable std::mutex m_mutex;
    std::vector<RenditionState> m_renditions; // by rendition index
    QByteArray m_master;
    int m_partsPerSegment = 1;
    int m_targetDurationSeconds;
    qint64 m_firstSequence = -1;
};

} // namespace afk::media
