#include "Playlist.h"

#include <QDateTime>
#include <QTimeZone>
#include <algorithm>
#include <cmath>

namespace afk::media {

MediaPlaylist::MediaPlaylist(int targetDurationSeconds)
    : m_targetDurationSeconds(targetDurationSeconds)
{
}

void MediaPlaylist::append(const PlaylistSegment &segment)
{
    m_segments << segment;
}

QByteArray MediaPlaylist::text() const
{
    // The target duration must be at least every EXTINF rounded to the nearest integer.
    int targetDuration = m_targetDurationSeconds;
    for (const PlaylistSegment &segment : m_segments)
        targetDuration = std::max(targetDuration, int(std::lround(segment.durationSeconds)));

    QByteArray text;
    text += "#EXTM3U\n#EXT-X-VERSION:6\n";
    text += "#EXT-X-TARGETDURATION:" + QByteArray::number(targetDuration) + '\n';
    text += "#EXT-X-MEDIA-SEQUENCE:"
            + QByteArray::number(m_segments.isEmpty() ? 0 : m_segments.first().sequence) + '\n';
    text += "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    for (const PlaylistSegment &segment : m_segments) {
        if (segment.isDiscontinuity)
            text += "#EXT-X-DISCONTINUITY\n";
        text += "#EXT-X-PROGRAM-DATE-TIME:" + programDateTimeText(segment.programDateTimeMs).toUtf8()
                + '\n';
        text += "#EXTINF:" + QByteArray::number(segment.durationSeconds, 'f', 3) + ",\n";
        text += segment.uri.toUtf8() + '\n';
    }
    if (m_isEnded)
        text += "#EXT-X-ENDLIST\n";
    return text;
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
