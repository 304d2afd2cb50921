#include "HlsPackager.h"

#include "CustomIoMuxer.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <cerrno>
#include <cstring>
#include <utility>

extern "C" {
#include <libavutil/opt.h>
}

namespace afk::media {

HlsPackager::HlsPackager(HlsPackagerSettings settings)
    : m_settings(std::move(settings)),
      m_livePlaylist(m_settings.segmentSeconds, m_settings.liveWindowSeconds,
                     m_settings.firstSequence),
      m_recording(m_settings.recordingPlaylistPath), m_sequence(m_settings.firstSequence)
{
}

HlsPackager::~HlsPackager()
{
    if (m_settings.mediaIndex) {
        // The files on disk (playlists ended, every segment) answer from now on.
        m_settings.mediaIndex->removePaths(m_settings.livePlaylistPaths);
        m_settings.mediaIndex->removePaths(
            QStringList(m_publishedAliases.begin(), m_publishedAliases.end()));
        m_settings.mediaIndex->removeFolder(m_settings.directory);
    }
    if (m_segmentFile) {
        // A partial segment being thrown away: how its close went does not matter.
        std::fclose(m_segmentFile);
        QFile::remove(partialSegmentPath(m_sequence));
    }
}

QString HlsPackager::segmentFileName(qint64 sequence) const
{
    return QStringLiteral("segment_%1.ts").arg(sequence);
}

QString HlsPackager::partialSegmentPath(qint64 sequence) const
{
    // A dot name: the server never serves it (isSafeFileName refuses leading dots).
    return QStringLiteral("%1/.segment_%2.ts.partial").arg(m_settings.directory).arg(sequence);
}

int HlsPackager::writeToSegmentFile(void *opaque, uint8_t *data, int size)
{
    auto *packager = static_cast<HlsPackager *>(opaque);
    if (!packager->m_segmentFile || std::fwrite(data, 1, size_t(size), packager->m_segmentFile) != size_t(size)) {
        packager->m_isWriteFailed = true;
        return AVERROR(EIO);
    }
    packager->m_segmentBytes += size;
    if (packager->m_settings.mediaIndex)
        packager->m_segmentData.append(reinterpret_cast<const char *>(data), size);
    return size;
}

bool HlsPackager::open(const AVCodecContext &video, const AVCodecContext *audio, QString *error)
{
    if (!QDir().mkpath(m_settings.directory)) {
        *error = QStringLiteral("cannot create %1").arg(m_settings.directory);
        return false;
    }
    if (!m_recording.open(m_settings.segmentSeconds, m_settings.firstSequence, error))
        return false;
    CustomIoMuxer muxer;
    // MPEG-TS counts everything in 90 kHz ticks.
    if (!openCustomIoMuxer("mpegts", QStringLiteral("MPEG-TS"), this,
                           &HlsPackager::writeToSegmentFile, video, AVRational{1, 90000}, audio,
                           AVRational{1, 90000}, &muxer, error))
        return false;
    m_muxer = std::move(muxer.context);
    m_videoStream = muxer.videoStream;
    m_audioStream = muxer.audioStream;
    m_videoEncoderTimeBase = video.time_base;
    if (audio)
        m_audioEncoderTimeBase = audio->time_base;
    if (!openSegmentFile(error))
        return false;
    const int result = avformat_write_header(m_muxer.get(), nullptr);
    if (result < 0) {
        *error = QStringLiteral("cannot start the MPEG-TS muxer: %1").arg(avErrorText(result));
        return false;
    }
    if (m_audioStream)
        m_heldAudio.setTimeBases(m_audioStream->time_base, m_videoStream->time_base);
    return true;
}

bool HlsPackager::openSegmentFile(QString *error)
{
    const QString partialPath = partialSegmentPath(m_sequence);
    m_segmentFile = std::fopen(QFile::encodeName(partialPath).constData(), "wb");
    if (!m_segmentFile) {
        *error = QStringLiteral("cannot write %1: %2").arg(partialPath, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    m_segmentBytes = 0;
    m_segmentStartPts = AV_NOPTS_VALUE;
    return true;
}

bool HlsPackager::writePacket(AVPacket &packet, QString *error)
{
    const int result = av_write_frame(m_muxer.get(), &packet);
    if (result < 0 || m_isWriteFailed) {
        *error = QStringLiteral("cannot write a segment in %1: %2")
                     .arg(m_settings.directory, m_isWriteFailed
                                                    ? QStringLiteral("disk write failed")
                                                    : avErrorText(result));
        return false;
    }
    return true;
}

bool HlsPackager::writeHeldAudio(qint64 untilPts, bool isInclusive, QString *error)
{
    return m_heldAudio.writeUntil(untilPts, isInclusive,
                                  [&](AVPacket &audio) { return writePacket(audio, error); });
}

bool HlsPackager::writeVideo(PacketPtr packet, qint64 captureWallMs, bool isDiscontinuity,
                             QString *error)
{
    av_packet_rescale_ts(packet.get(), m_videoEncoderTimeBase, m_videoStream->time_base);
    packet->stream_index = m_videoStream->index;
    const bool isKeyframe = packet->flags & AV_PKT_FLAG_KEY;
    if (isKeyframe && m_videoCodecString.isEmpty())
        m_videoCodecString = h264CodecString(
            QByteArray::fromRawData(reinterpret_cast<const char *>(packet->data), packet->size));

    if (isKeyframe && m_segmentStartPts != AV_NOPTS_VALUE) {
        // Half a frame of tolerance: keyframes come exactly every GOP, timestamps may round.
        const qint64 halfFrame = packet->duration > 0 ? packet->duration / 2 : 1500;
        const qint64 targetPts = qint64(m_settings.segmentSeconds) * m_videoStream->time_base.den
                                 / m_videoStream->time_base.num;
        const bool isSegmentLongEnough = packet->pts - m_segmentStartPts >= targetPts - halfFrame;
        if (isSegmentLongEnough || isDiscontinuity) {
            // Audio before the keyframe belongs to the segment that ends here.
            if (!writeHeldAudio(packet->pts, false, error) || !completeSegment(packet->pts, error))
                return false;
            ++m_sequence;
            // Every segment starts with PAT/PMT, so each one plays on its own.
            const int result =
                av_opt_set(m_muxer->priv_data, "mpegts_flags", "resend_headers", 0);
            if (result < 0) {
                *error = QStringLiteral("cannot set the MPEG-TS muxer's flags: %1")
                             .arg(avErrorText(result));
                return false;
            }
            if (!openSegmentFile(error))
                return false;
        }
    }
    if (m_segmentStartPts == AV_NOPTS_VALUE) {
        m_segmentStartPts = packet->pts;
        m_segmentWallMs = captureWallMs;
        m_isSegmentDiscontinuity = isDiscontinuity;
    }
    const qint64 frameEnd = packet->pts + std::max<qint64>(packet->duration, 0);
    m_videoEndPts = m_videoEndPts == AV_NOPTS_VALUE ? frameEnd : std::max(m_videoEndPts, frameEnd);
    return writeHeldAudio(packet->dts, true, error) && writePacket(*packet, error);
}

bool HlsPackager::writeAudio(PacketPtr packet, QString *error)
{
    if (!m_audioStream)
        return true;
    av_packet_rescale_ts(packet.get(), m_audioEncoderTimeBase, m_audioStream->time_base);
    packet->stream_index = m_audioStream->index;
    m_heldAudio.push(std::move(packet));
    // Video stalled far behind (it should not): keep audio flowing rather than hold it forever.
    while (PacketPtr oldest = m_heldAudio.takeOverflowing()) {
        if (!writePacket(*oldest, error))
            return false;
    }
    return true;
}

bool HlsPackager::completeSegment(qint64 endPts, QString *error)
{
    // Flush the muxer's buffered PES data (the trailer already did at the end) and our AVIO
    // buffer into this segment's file.
    const int flushResult = m_isFinished ? 0 : av_write_frame(m_muxer.get(), nullptr);
    if (flushResult < 0) {
        *error = QStringLiteral("cannot flush the MPEG-TS muxer: %1").arg(avErrorText(flushResult));
        return false;
    }
    avio_flush(m_muxer->pb);
    const bool isFlushed = !m_isWriteFailed && m_muxer->pb->error >= 0
                           && std::fflush(m_segmentFile) == 0;
    // fclose reports the last write errors (NFS, quotas) that fflush may not.
    const bool isClosed = std::fclose(m_segmentFile) == 0;
    m_segmentFile = nullptr;
    const QString partialPath = partialSegmentPath(m_sequence);
    const QString finalPath = m_settings.directory + u'/' + segmentFileName(m_sequence);
    if (!isFlushed || !isClosed || !QFile::rename(partialPath, finalPath)) {
        *error = QStringLiteral("cannot complete %1 (disk full or not writable?)").arg(finalPath);
        return false;
    }
    publishSegment(finalPath);
    PlaylistSegment segment;
    segment.sequence = m_sequence;
    segment.uri = segmentFileName(m_sequence);
    segment.durationSeconds = double(endPts - m_segmentStartPts) * av_q2d(m_videoStream->time_base);
    segment.programDateTimeMs = m_segmentWallMs;
    // A run's first segment starts the live playlists; the recording marks it itself when it
    // follows an earlier run.
    segment.isDiscontinuity = m_isSegmentDiscontinuity && m_sequence > m_settings.firstSequence;
    m_livePlaylist.append(segment);
    if (!m_recording.append(segment, error) || !writeLivePlaylists(error))
        return false;
    if (onSegmentCompleted)
        onSegmentCompleted(CompletedSegment{m_sequence, segment.durationSeconds, m_segmentBytes});
    return true;
}

bool HlsPackager::writeLivePlaylists(QString *error)
{
    const QByteArray text = m_livePlaylist.text();
    for (const QString &path : m_settings.livePlaylistPaths) {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit()) {
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
            return false;
        }
    }
    if (m_settings.mediaIndex) {
        for (const QString &path : m_settings.livePlaylistPaths)
            m_settings.mediaIndex->publish(path, text, MediaIndex::Retention::Replaced);
    }
    if (onLivePlaylistWritten)
        onLivePlaylistWritten(text);
    return true;
}

void HlsPackager::publishSegment(const QString &finalPath)
{
    if (!m_settings.mediaIndex)
        return;
    // Published after the rename, before the playlists name it: whoever reads a playlist that
    // lists it finds it in memory. The aliases share the one buffer.
    const QByteArray bytes = std::exchange(m_segmentData, {});
    m_settings.mediaIndex->publish(finalPath, bytes, MediaIndex::Retention::Segment);
    for (const QString &folder : m_settings.segmentAliasFolders) {
        const QString alias = folder + u'/' + segmentFileName(m_sequence);
        m_settings.mediaIndex->publish(alias, bytes, MediaIndex::Retention::Segment);
        m_publishedAliases.push_back(alias);
    }
    // Older aliases have left the index already (keptSegmentsPerFolder).
    while (m_publishedAliases.size() >
           size_t(MediaIndex::keptSegmentsPerFolder * std::max<qsizetype>(1, m_settings.segmentAliasFolders.size())))
        m_publishedAliases.pop_front();
    // The next segment is about as large: one allocation instead of a doubling series.
    m_segmentData.reserve(bytes.size() + bytes.size() / 4);
}

bool HlsPackager::finish(QString *error)
{
    if (m_isFinished)
        return true;
    m_isFinished = true;
    if (!m_muxer)
        return true;
    bool isOk =
        m_heldAudio.writeAll([&](AVPacket &audio) { return writePacket(audio, error); });
    if (isOk) {
        const int result = av_write_trailer(m_muxer.get());
        if (result < 0) {
            *error = QStringLiteral("cannot finish the MPEG-TS muxer: %1").arg(avErrorText(result));
            isOk = false;
        }
    }
    if (isOk && m_segmentStartPts != AV_NOPTS_VALUE)
        isOk = completeSegment(m_videoEndPts, error);
    if (m_segmentFile) {
        // Nothing (or nothing complete) in the last segment: drop the partial file.
        std::fclose(m_segmentFile);
        m_segmentFile = nullptr;
        QFile::remove(partialSegmentPath(m_sequence));
    }
    m_livePlaylist.end();
    QString liveError;
    QString recordingError;
    const bool isLiveEnded = writeLivePlaylists(&liveError);
    const bool isRecordingEnded = m_recording.end(&recordingError);
    if (isOk && !(isLiveEnded && isRecordingEnded)) {
        *error = isLiveEnded ? recordingError : liveError;
        isOk = false;
    }
    return isOk;
}

} // namespace afk::media
