#include "CmafPackager.h"

#include "CustomIoMuxer.h"
#include "LowLatencyPresentation.h"
#include "MediaIndex.h"

#include <QDebug>
#include <QDir>
#include <QSaveFile>
#include <cmath>

extern "C" {
#include <libavutil/opt.h>
}

namespace afk::media {
namespace {

// Part files stay this many segments after their parts left the playlist: a player that read
// the playlist a moment before may still ask for them.
constexpr int partFileGraceSegments = 2;

// Size of the leading top-level boxes before the first fragment (ftyp, moov): the init segment.
qsizetype initSegmentSize(const QByteArray &data)
{
    qsizetype offset = 0;
    while (offset + 8 <= data.size()) {
        const auto *bytes = reinterpret_cast<const unsigned char *>(data.constData() + offset);
        const quint32 size = quint32(bytes[0]) << 24 | quint32(bytes[1]) << 16
                             | quint32(bytes[2]) << 8 | bytes[3];
        const QByteArray type = data.mid(offset + 4, 4);
        if (type == "moof" || type == "styp" || type == "sidx" || type == "prft")
            return offset;
        if (size < 8)
            return -1;
        offset += size;
    }
    return -1;
}

bool writeFileAtomically(const QString &path, const QByteArray &data)
{
    QSaveFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size() && file.commit();
}

} // namespace

CmafPackager::CmafPackager(CmafPackagerSettings settings,
                           std::shared_ptr<LowLatencyPresentation> presentation)
    : m_settings(std::move(settings)), m_presentation(std::move(presentation)),
      m_playlist(m_settings.partSeconds, m_settings.segmentSeconds, m_settings.liveWindowSeconds,
                 m_settings.firstSequence),
      m_sequence(m_settings.firstSequence)
{
}

CmafPackager::~CmafPackager()
{
    if (m_segmentFile.isOpen())
        m_segmentFile.remove(); // an unfinished segment is never listed
    // The files stay on disk, served from there (the playlist leaves with the presentation).
    if (m_settings.mediaIndex)
        m_settings.mediaIndex->removeFolder(m_settings.directory);
}

int CmafPackager::writeToMemory(void *opaque, uint8_t *data, int size)
{
    static_cast<CmafPackager *>(opaque)->m_output.append(reinterpret_cast<const char *>(data),
                                                         size);
    return size;
}

bool CmafPackager::open(const AVCodecContext &video, const AVCodecContext *audio, QString *error)
{
    if (!QDir().mkpath(m_settings.directory)) {
        *error = QStringLiteral("cannot create %1").arg(m_settings.directory);
        return false;
    }
    CustomIoMuxer muxer;
    // Video in 90 kHz ticks as the TS presentation's; audio in samples, as AAC frames count.
    if (!openCustomIoMuxer("mp4", QStringLiteral("MP4"), this, &CmafPackager::writeToMemory,
                           video, AVRational{1, 90000}, audio,
                           AVRational{1, audio ? audio->sample_rate : 1}, &muxer, error))
        return false;
    m_muxer = std::move(muxer.context);
    m_videoStream = muxer.videoStream;
    m_audioStream = muxer.audioStream;
    m_videoEncoderTimeBase = video.time_base;
    if (audio)
        m_audioEncoderTimeBase = audio->time_base;
    // cmaf: CMAF brands and one track per fragment rules; frag_custom: a fragment ends when we
    // flush; delay_moov: the moov waits for the first packet (libx264 puts its SPS/PPS in the
    // first keyframe, not in extradata); skip_trailer: no mfra at the end of a live stream.
    Dictionary options;
    if (!options.set("movflags", "cmaf+frag_custom+empty_moov+delay_moov+default_base_moof"
                                 "+skip_trailer")) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    const int result = avformat_write_header(m_muxer.get(), options.address());
    if (result < 0) {
        *error = QStringLiteral("cannot start the MP4 muxer: %1").arg(avErrorText(result));
        return false;
    }
    if (m_audioStream) // the muxer chose the time bases
        m_heldAudio.setTimeBases(m_audioStream->time_base, m_videoStream->time_base);
    // Whole frames per part, so a part never exceeds the PART-TARGET it announces.
    const double framesPerSecond = av_q2d(video.framerate);
    const int partFrames = std::max(1, int(std::lround(m_settings.partSeconds * framesPerSecond)));
    m_partTicks = av_rescale_q(partFrames, m_videoEncoderTimeBase, m_videoStream->time_base);
    m_frameTicks = av_rescale_q(1, m_videoEncoderTimeBase, m_videoStream->time_base);
    m_segmentTicks = qint64(m_settings.segmentSeconds) * m_videoStream->time_base.den
                     / m_videoStream->time_base.num;
    m_playlist = LowLatencyPlaylist(partFrames / framesPerSecond, m_settings.segmentSeconds,
                                    m_settings.liveWindowSeconds, m_settings.firstSequence);
    const int partsPerSegment =
        int((qint64(m_settings.segmentSeconds * framesPerSecond) + partFrames - 1) / partFrames);
    m_presentation->setPartsPerSegment(partsPerSegment);
    // In memory: the parts the playlists list (the segment in progress and the complete ones
    // before it). A player that read an older version finds the parts that just left on disk
    // (partFileGraceSegments).
    if (m_settings.mediaIndex)
        m_settings.mediaIndex->setKeptParts(
            m_settings.directory,
            partsPerSegment * (LowLatencyPlaylist::segmentsListingParts + 1));
    return true;
}

void CmafPackager::fail(const QString &error)
{
    // LL-HLS is an extra: the TS presentation goes on without it.
    m_isFailed = true;
    qWarning().noquote() << QStringLiteral("[ll-hls] %1: %2").arg(m_settings.directory, error);
}

bool CmafPackager::write(AVPacket &packet, QString *error)
{
    const int result = av_write_frame(m_muxer.get(), &packet);
    if (result < 0) {
        *error = QStringLiteral("cannot mux a CMAF packet: %1").arg(avErrorText(result));
        return false;
    }
    return true;
}

bool CmafPackager::writeHeldAudio(qint64 untilVideoTicks, bool isInclusive, QString *error)
{
    return m_heldAudio.writeUntil(untilVideoTicks, isInclusive,
                                  [&](AVPacket &audio) { return write(audio, error); });
}

void CmafPackager::writeVideo(const AVPacket &encoded, qint64 captureWallMs, bool isDiscontinuity)
{
    if (m_isFailed || m_isFinished)
        return;
    PacketPtr packet = clonePacket(encoded);
    av_packet_rescale_ts(packet.get(), m_videoEncoderTimeBase, m_videoStream->time_base);
    packet->stream_index = m_videoStream->index;
    const bool isKeyframe = packet->flags & AV_PKT_FLAG_KEY;
    if (isKeyframe && !m_hasCodecs) {
        const QString videoCodecs = h264CodecString(
            QByteArray::fromRawData(reinterpret_cast<const char *>(packet->data), packet->size));
        m_hasCodecs = true;
        m_presentation->setCodecs(m_settings.renditionIndex,
                                  m_audioStream ? videoCodecs + QStringLiteral(",mp4a.40.2")
                                                : videoCodecs,
                                  av_q2d(av_inv_q(m_videoEncoderTimeBase)));
    }
    QString error;
    if (m_segmentStartDts == AV_NOPTS_VALUE && !isKeyframe)
        return; // a segment (and the first part) must start with a keyframe
    const qint64 halfFrame = packet->duration > 0 ? packet->duration / 2 : m_frameTicks / 2;
    if (m_segmentStartDts != AV_NOPTS_VALUE) {
        // Same rule as the TS segments: a keyframe a segment (less half a frame) later, or a
        // restarted source, begins the next segment.
        const bool isSegmentDue = isKeyframe
                                  && (packet->dts - m_segmentStartDts >= m_segmentTicks - halfFrame
                                      || isDiscontinuity);
        // A part whose grid was not full yet (a keyframe came early) ends here too.
        if (isSegmentDue || isPartDue(packet->dts, halfFrame)) {
            if (!writeHeldAudio(packet->dts, false, &error) || !completePart(packet->dts, &error)
                || (isSegmentDue && !completeSegment(&error)))
                return fail(error);
        }
    }
    if (m_segmentStartDts == AV_NOPTS_VALUE) {
        m_isFirstSegment = m_sequence == m_settings.firstSequence;
        m_segmentStartDts = packet->dts;
        m_segmentWallMs = captureWallMs;
        m_isSegmentDiscontinuity = isDiscontinuity;
        m_segmentFile.setFileName(path(QStringLiteral(".seg_%1.m4s.partial").arg(m_sequence)));
        if (!m_segmentFile.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return fail(QStringLiteral("cannot write %1: %2")
                            .arg(m_segmentFile.fileName(), m_segmentFile.errorString()));
    }
    if (m_partStartDts == AV_NOPTS_VALUE) {
        m_partStartDts = packet->dts;
        m_isPartIndependent = isKeyframe;
    }
    m_lastDts = packet->dts;
    m_videoEndDts = packet->dts + (packet->duration > 0 ? packet->duration : m_frameTicks);
    if (!writeHeldAudio(packet->dts, true, &error) || !write(*packet, &error))
        return fail(error);
    // The frame that fills the part's grid ends it now rather than when the next frame comes
    // out of the encoder: the part is listed one frame sooner.
    if (isPartDue(m_videoEndDts, halfFrame)
        && (!writeHeldAudio(m_videoEndDts, false, &error)
            || !completePart(m_videoEndDts, &error)))
        fail(error);
}

bool CmafPackager::isPartDue(qint64 dts, qint64 halfFrame) const
{
    if (m_segmentStartDts == AV_NOPTS_VALUE || m_partStartDts == AV_NOPTS_VALUE)
        return false;
    const auto partsDone = m_partCounts.find(m_sequence);
    const qint64 partIndex = partsDone != m_partCounts.end() ? partsDone->second : 0;
    const qint64 firstPartTicks = m_isFirstSegment ? m_frameTicks : m_partTicks;
    return dts - m_segmentStartDts >= firstPartTicks + partIndex * m_partTicks - halfFrame;
}

void CmafPackager::writeAudio(const AVPacket &encoded)
{
    if (m_isFailed || m_isFinished || !m_audioStream)
        return;
    PacketPtr packet = clonePacket(encoded);
    av_packet_rescale_ts(packet.get(), m_audioEncoderTimeBase, m_audioStream->time_base);
    packet->stream_index = m_audioStream->index;
    m_heldAudio.push(std::move(packet));
    // Bounded: video should never lag audio by much; if it does, the oldest goes out.
    while (PacketPtr oldest = m_heldAudio.takeOverflowing()) {
        if (m_segmentStartDts == AV_NOPTS_VALUE)
            continue; // sound long before the first keyframe has no segment
        QString error;
        if (!write(*oldest, &error))
            return fail(error);
    }
}

bool CmafPackager::completePart(qint64 endDts, QString *error)
{
    if (m_partStartDts == AV_NOPTS_VALUE)
        return true;
    int result = av_write_frame(m_muxer.get(), nullptr); // ends the fragment
    if (result < 0) {
        *error = QStringLiteral("cannot flush the MP4 muxer: %1").arg(avErrorText(result));
        return false;
    }
    avio_flush(m_muxer->pb);
    if (!m_hasInit) {
        // With delay_moov the first flush writes only ftyp + moov; the samples come with the
        // next one.
        if (initSegmentSize(m_output) < 0) {
            result = av_write_frame(m_muxer.get(), nullptr);
            avio_flush(m_muxer->pb);
        }
        const qsizetype initSize = result < 0 ? -1 : initSegmentSize(m_output);
        if (initSize <= 0) {
            *error = QStringLiteral("the MP4 muxer wrote no init segment");
            return false;
        }
        if (!writeFileAtomically(path(QStringLiteral("init.mp4")), m_output.left(initSize))) {
            *error = QStringLiteral("cannot write %1").arg(path(QStringLiteral("init.mp4")));
            return false;
        }
        if (m_settings.mediaIndex)
            m_settings.mediaIndex->publish(path(QStringLiteral("init.mp4")),
                                           m_output.left(initSize),
                                           MediaIndex::Retention::Replaced);
        m_output.remove(0, initSize);
        m_hasInit = true;
    }
    const int partIndex = m_partCounts[m_sequence];
    const QString partPath = path(LowLatencyPlaylist::partUri(m_sequence, partIndex));
    if (!writeFileAtomically(partPath, m_output)
        || m_segmentFile.write(m_output) != m_output.size()) {
        *error = QStringLiteral("cannot write %1 (disk full?)").arg(partPath);
        return false;
    }
    if (m_settings.mediaIndex) {
        // Published before the playlist that lists it (LowLatencyPresentation::publish).
        m_settings.mediaIndex->publish(partPath, std::exchange(m_output, {}),
                                       MediaIndex::Retention::Part);
    }
    m_output.clear();
    ++m_partCounts[m_sequence];
    PlaylistPart part;
    part.durationSeconds = double(endDts - m_partStartDts) * av_q2d(m_videoStream->time_base);
    part.isIndependent = m_isPartIndependent;
    m_playlist.appendPart(part, m_segmentWallMs, m_isSegmentDiscontinuity);
    m_partStartDts = AV_NOPTS_VALUE;
    m_presentation->publish(m_settings.renditionIndex, m_playlist);
    return true;
}

bool CmafPackager::completeSegment(QString *error)
{
    const QString finalPath = path(LowLatencyPlaylist::segmentUri(m_sequence));
    const bool isFlushed = m_segmentFile.flush();
    m_segmentFile.close();
    if (!isFlushed || m_segmentFile.error() != QFileDevice::NoError
        || !QFile::rename(m_segmentFile.fileName(), finalPath)) {
        *error = QStringLiteral("cannot complete %1 (disk full or not writable?)").arg(finalPath);
        return false;
    }
    // The whole segment is not published to the media index: its bytes are its parts' again
    // (a second copy: 7 sets of the ladder's segments with the one being built, 4 % of the
    // ladder benchmark's peak RSS), and LL-HLS players load parts; the few that ask for a whole
    // segment get it through the bounded disk cache, read once.
    m_playlist.completeSegment();
    ++m_sequence;
    m_segmentStartDts = AV_NOPTS_VALUE;
    removeUnlistedParts();
    m_presentation->publish(m_settings.renditionIndex, m_playlist);
    return true;
}

void CmafPackager::removeUnlistedParts()
{
    const qint64 keepFrom = m_playlist.firstSequenceListingParts() - partFileGraceSegments;
    while (!m_partCounts.empty() && m_partCounts.begin()->first < keepFrom) {
        const auto [sequence, count] = *m_partCounts.begin();
        for (int part = 0; part < count; ++part)
            QFile::remove(path(LowLatencyPlaylist::partUri(sequence, part)));
        m_partCounts.erase(m_partCounts.begin());
    }
}

void CmafPackager::finish()
{
    if (m_isFinished)
        return;
    m_isFinished = true;
    if (!m_isFailed && m_muxer && m_segmentStartDts != AV_NOPTS_VALUE) {
        QString error;
        if (!writeHeldAudio(m_videoEndDts, false, &error) || !completePart(m_videoEndDts, &error)
            || !completeSegment(&error))
            fail(error);
    }
    if (m_muxer)
        av_write_trailer(m_muxer.get()); // frees the muxer's state; skip_trailer writes nothing
    m_playlist.end();
    m_presentation->publish(m_settings.renditionIndex, m_playlist);
}

} // namespace afk::media
