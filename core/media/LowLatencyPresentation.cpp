#include "LowLatencyPresentation.h"

#include "CmafPackager.h"
#include "MediaIndex.h"

#include <QDir>
#include <QRegularExpression>

namespace afk::media {

LowLatencyPresentation::LowLatencyPresentation(LowLatencySettings settings)
    : m_settings(std::move(settings)), m_targetDurationSeconds(m_settings.segmentSeconds)
{
}

LowLatencyPresentation::~LowLatencyPresentation()
{
    if (!m_settings.mediaIndex)
        return;
    QStringList paths{masterPath()};
    for (const RenditionState &state : m_renditions)
        paths << playlistPath(state.rendition.name);
    m_settings.mediaIndex->removePaths(paths);
}

QString LowLatencyPresentation::masterPath() const
{
    // ll/ is in the stream's folder, whose ll.m3u8 the master is.
    const QString &directory = m_settings.directory;
    return directory.left(directory.lastIndexOf(u'/')) + QStringLiteral("/ll.m3u8");
}

QString LowLatencyPresentation::playlistPath(const QString &rendition) const
{
    return m_settings.directory + u'/' + rendition + QStringLiteral("/index.m3u8");
}

EncodedPacketSinkFactory LowLatencyPresentation::sinkFactory(EncodedPacketSinkFactory others)
{
    return [self = shared_from_this(), others = std::move(others)](const Rendition &rendition,
                                                                   int renditionIndex) {
        return self->makeSinks(others, rendition, renditionIndex);
    };
}

std::vector<std::shared_ptr<EncodedPacketSink>>
LowLatencyPresentation::makeSinks(const EncodedPacketSinkFactory &others,
                                  const Rendition &rendition, int renditionIndex)
{
    std::vector<std::shared_ptr<EncodedPacketSink>> sinks;
    if (others)
        sinks = others(rendition, renditionIndex);
    if (renditionIndex == 0)
        m_firstSequence = prepareDirectory(); // on the pipeline's launcher thread
    {
        std::lock_guard lock(m_mutex);
        if (int(m_renditions.size()) <= renditionIndex)
            m_renditions.resize(renditionIndex + 1);
        m_renditions[renditionIndex].rendition = rendition;
    }
    CmafPackagerSettings settings;
    settings.directory = m_settings.directory + u'/' + rendition.name;
    settings.renditionIndex = renditionIndex;
    settings.partSeconds = m_settings.partSeconds;
    settings.segmentSeconds = m_settings.segmentSeconds;
    settings.liveWindowSeconds = m_settings.liveWindowSeconds;
    settings.firstSequence = m_firstSequence;
    settings.mediaIndex = m_settings.mediaIndex;
    sinks.push_back(std::make_shared<CmafPackager>(settings, shared_from_this()));
    return sinks;
}

qint64 LowLatencyPresentation::prepareDirectory()
{
    static const QRegularExpression segmentName(QStringLiteral("^seg_(\\d{1,15})\\.m4s$"));
    // A new stream's first segment is 1, not 0: hls.js 1.7 (fragment-tracker.ts,
    // detectEvictedFragments: `appendedPart?.fragment.sn || -1`) takes a part of segment 0 for
    // none, unregisters segment 0 as each of its parts is buffered and loads it again from its
    // first part, which cuts the rest of it from the buffer: a player that starts in segment 0
    // stalls at its end. The spec allows any first number (RFC 8216bis, EXT-X-MEDIA-SEQUENCE).
    qint64 next = 1;
    const QDir root(m_settings.directory);
    for (const QString &rendition : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QDir folder(root.filePath(rendition));
        for (const QString &name : folder.entryList(QDir::Files | QDir::Hidden)) {
            const QRegularExpressionMatch match = segmentName.match(name);
            if (match.hasMatch())
                next = std::max(next, match.captured(1).toLongLong() + 1);
            else if (name.startsWith(u"part_") || name.startsWith(u'.'))
                folder.remove(name); // parts and unfinished files of an earlier run
        }
    }
    return next;
}

QByteArray LowLatencyPresentation::masterPlaylist() const
{
    std::lock_guard lock(m_mutex);
    return m_master;
}

QByteArray LowLatencyPresentation::mediaPlaylist(const QString &rendition) const
{
    std::lock_guard lock(m_mutex);
    for (const RenditionState &state : m_renditions)
        if (state.rendition.name == rendition)
            return state.playlist;
    return {};
}

bool LowLatencyPresentation::hasRendition(const QString &rendition) const
{
    std::lock_guard lock(m_mutex);
    return std::any_of(m_renditions.begin(), m_renditions.end(), [&](const RenditionState &state) {
        return state.rendition.name == rendition;
    });
}

std::optional<LowLatencyPosition> LowLatencyPresentation::position(const QString &rendition) const
{
    std::lock_guard lock(m_mutex);
    for (const RenditionState &state : m_renditions)
        if (state.rendition.name == rendition && !state.playlist.isEmpty())
            return state.position;
    return std::nullopt;
}

int LowLatencyPresentation::partsPerSegment() const
{
    std::lock_guard lock(m_mutex);
    return m_partsPerSegment;
}

int LowLatencyPresentation::targetDurationSeconds() const
{
    std::lock_guard lock(m_mutex);
    return m_targetDurationSeconds;
}

void LowLatencyPresentation::setCodecs(int renditionIndex, const QString &codecs,
                                       double framesPerSecond)
{
    std::lock_guard lock(m_mutex);
    m_renditions.at(renditionIndex).codecs = codecs;
    m_renditions.at(renditionIndex).framesPerSecond = framesPerSecond;
    updateMasterLocked();
}

void LowLatencyPresentation::setPartsPerSegment(int parts)
{
    std::lock_guard lock(m_mutex);
    m_partsPerSegment = parts;
}

void LowLatencyPresentation::updateMasterLocked()
{
    if (!m_master.isEmpty())
        return;
    // Listed once every rendition can say its codecs (a player picks levels by them) and holds
    // PART-HOLD-BACK and a part more: a player starts that far behind the newest part, and one
    // that came earlier would start at the first part and stall until it caught up with the
    // encoder (hls.js then stays behind: it raises its target latency on every stall).
    constexpr int startParts = LowLatencyPlaylist::partHoldBackParts + 1;
    QList<MasterVariant> variants;
    for (const RenditionState &state : m_renditions) {
        if (state.codecs.isEmpty() || state.publishedParts < startParts)
            return;
        MasterVariant variant;
        variant.uri = QStringLiteral("ll/%1/index.m3u8").arg(state.rendition.name);
        variant.width = state.rendition.width;
        variant.height = state.rendition.height;
        variant.framesPerSecond = state.framesPerSecond;
        const qint64 audioBits = qint64(m_settings.audioBitrateKbps) * 1000;
        variant.peakBitsPerSecond = qint64(state.rendition.maxBitrateKbps) * 1000 + audioBits;
        variant.averageBitsPerSecond = qint64(state.rendition.videoBitrateKbps) * 1000 + audioBits;
        variant.codecs = state.codecs;
        variants << variant;
    }
    m_master = masterPlaylistText(variants);
    if (m_settings.mediaIndex)
        m_settings.mediaIndex->publish(masterPath(), m_master, MediaIndex::Retention::Replaced);
}

void LowLatencyPresentation::publish(int renditionIndex, const LowLatencyPlaylist &playlist)
{
    QString name;
    {
        std::lock_guard lock(m_mutex);
        RenditionState &state = m_renditions.at(renditionIndex);
        if (playlist.position().lastPart > state.position.lastPart
            || playlist.position().lastMsn > state.position.lastMsn)
            ++state.publishedParts;
        state.position = playlist.position();
        m_targetDurationSeconds =
            std::max(m_targetDurationSeconds, playlist.targetDurationSeconds());
        // Siblings as they are now: at most one part behind, which the spec allows a report.
        QList<RenditionReport> reports;
        for (const RenditionState &sibling : m_renditions)
            if (&sibling != &state)
                reports << RenditionReport{
                    QStringLiteral("../%1/index.m3u8").arg(sibling.rendition.name),
                    sibling.position};
        state.playlist = playlist.text(reports);
        name = state.rendition.name;
        // The part's bytes are in the index already (CmafPackager): a serving thread woken by
        // this version finds everything it lists.
        if (m_settings.mediaIndex)
            m_settings.mediaIndex->publish(playlistPath(name), state.playlist,
                                           MediaIndex::Retention::Replaced);
        updateMasterLocked();
    }
    emit published(name);
}

} // namespace afk::media
