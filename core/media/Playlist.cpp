#include "Playlist.h"

#include <QDateTime>
#include <QTimeZone>
#include <algorithm>
#include <cmath>

namespace afk::media {

MediaPlaylist::MediaPlaylist(int targetDurationSeconds, int windowSeconds, qint64 firstSequence)
    : m_targetDurationSeconds(targetDurationSeconds), m_windowSeconds(windowSeconds),
      m_firstSequence(firstSequence)
{
}

void MediaPlaylist::append(const PlaylistSegment &segment)
{
    m_targetDurationSeconds =
        std::max(m_targetDurationSeconds, targetDurationFor(segment.durationSeconds));
    m_segments << segment;
    m_listedSeconds += segment.durationSeconds;
    if (m_windowSeconds <= 0)
        return;
    // Keep the shortest tail that still covers the window; a millisecond of slack absorbs
    // rounding in the sum of durations.
    constexpr double slackSeconds = 0.001;
    while (m_segments.size() > minimumLiveSegments
           && m_listedSeconds - m_segments.first().durationSeconds
                  >= m_windowSeconds - slackSeconds) {
        const PlaylistSegment &leaving = m_segments.first();
        m_listedSeconds -= leaving.durationSeconds;
        // RFC 8216 6.2.2: removing a discontinuity tag advances the discontinuity sequence.
        if (leaving.isDiscontinuity)
            ++m_discontinuitySequence;
        m_segments.removeFirst();
    }
}

qint64 MediaPlaylist::mediaSequence() const
{
    return m_segments.isEmpty() ? m_firstSequence : m_segments.first().sequence;
}

QByteArray MediaPlaylist::text() const
{
    QByteArray text;
    text += "#EXTM3U\n#EXT-X-VERSION:6\n";
    text += "#EXT-X-TARGETDURATION:" + QByteArray::number(m_targetDurationSeconds) + '\n';
    text += "#EXT-X-MEDIA-SEQUENCE:" + QByteArray::number(mediaSequence()) + '\n';
    if (m_windowSeconds > 0)
        text += "#EXT-X-DISCONTINUITY-SEQUENCE:" + QByteArray::number(m_discontinuitySequence)
                + '\n';
    else
        text += "#EXT-X-PLAYLIST-TYPE:EVENT\n";
    text += "#EXT-X-INDEPENDENT-SEGMENTS\n";
    for (const PlaylistSegment &segment : m_segments)
        text += mediaSegmentText(segment);
    if (m_isEnded)
        text += "#EXT-X-ENDLIST\n";
    return text;
}

QByteArray mediaSegmentText(const PlaylistSegment &segment)
{
    QByteArray text;
    if (segment.isDiscontinuity)
        text += "#EXT-X-DISCONTINUITY\n";
    text += "#EXT-X-PROGRAM-DATE-TIME:" + programDateTimeText(segment.programDateTimeMs).toUtf8()
            + '\n';
    text += "#EXTINF:" + QByteArray::number(segment.durationSeconds, 'f', 3) + ",\n";
    text += segment.uri.toUtf8() + '\n';
    return text;
}

int targetDurationFor(double segmentSeconds)
{
    // RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer is at most the target.
    return int(std::lround(segmentSeconds));
}

QByteArray masterPlaylistText(const QList<MasterVariant> &variants)
{
    QByteArray text = "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    for (const MasterVariant &variant : variants) {
        text += "#EXT-X-STREAM-INF:BANDWIDTH=" + QByteArray::number(variant.peakBitsPerSecond)
                + ",AVERAGE-BANDWIDTH=" + QByteArray::number(variant.averageBitsPerSecond);
        if (variant.width > 0 && variant.height > 0)
            text += ",RESOLUTION=" + QByteArray::number(variant.width) + 'x'
                    + QByteArray::number(variant.height);
        if (!variant.codecs.isEmpty())
            text += ",CODECS=\"" + variant.codecs.toUtf8() + '"';
        if (variant.framesPerSecond > 0)
            text += ",FRAME-RATE=" + QByteArray::number(variant.framesPerSecond, 'f', 3);
        text += '\n' + variant.uri.toUtf8() + '\n';
    }
    return text;
}

QString programDateTimeText(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

QString h264CodecString(const QByteArray &annexB)
{
    // Find a start code followed by a NAL of type 7 (SPS); its next three bytes are
    // profile_idc, constraint flags and level_idc.
    for (qsizetype i = 0; i + 6 < annexB.size(); ++i) {
        if (annexB[i] != 0 || annexB[i + 1] != 0 || annexB[i + 2] != 1)
            continue;
        const auto nalHeader = quint8(annexB[i + 3]);
        if ((nalHeader & 0x1f) != 7)
            continue;
        return QStringLiteral("avc1.%1%2%3")
            .arg(quint8(annexB[i + 4]), 2, 16, QLatin1Char('0'))
            .arg(quint8(annexB[i + 5]), 2, 16, QLatin1Char('0'))
            .arg(quint8(annexB[i + 6]), 2, 16, QLatin1Char('0'));
    }
    return {};
}

} // namespace afk::media
