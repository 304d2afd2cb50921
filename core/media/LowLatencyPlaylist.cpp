#include "LowLatencyPlaylist.h"

#include <algorithm>
#include <cmath>

namespace afk::media {

LowLatencyPlaylist::LowLatencyPlaylist(double partTargetSeconds, int segmentSeconds,
                                       int windowSeconds, qint64 firstSequence)
    : m_partTargetSeconds(partTargetSeconds), m_targetDurationSeconds(segmentSeconds),
      m_segments(segmentSeconds, windowSeconds, firstSequence), m_currentSequence(firstSequence)
{
}

void LowLatencyPlaylist::appendPart(const PlaylistPart &part, qint64 programDateTimeMs,
                                    bool isDiscontinuity)
{
    QList<PlaylistPart> &parts = m_parts[m_currentSequence];
    if (parts.isEmpty()) {
        m_currentDateTimeMs = programDateTimeMs;
        m_isCurrentDiscontinuity = isDiscontinuity;
    }
    parts << part;
}

qint64 LowLatencyPlaylist::completeSegment()
{
    const auto current = m_parts.find(m_currentSequence);
    if (current == m_parts.end() || current->second.isEmpty())
        return -1;
    PlaylistSegment segment;
    segment.sequence = m_currentSequence;
    segment.uri = segmentUri(m_currentSequence);
    for (const PlaylistPart &part : current->second)
        segment.durationSeconds += part.durationSeconds;
    segment.programDateTimeMs = m_currentDateTimeMs;
    segment.isDiscontinuity = m_isCurrentDiscontinuity;
    m_targetDurationSeconds =
        std::max(m_targetDurationSeconds, targetDurationFor(segment.durationSeconds));
    m_segments.append(segment);
    ++m_currentSequence;
    // Old parts leave the playlist as the newest segments advance (their segments may stay).
    const qint64 firstListing = firstSequenceListingParts();
    m_parts.erase(m_parts.begin(), m_parts.lower_bound(firstListing));
    return segment.sequence;
}

qint64 LowLatencyPlaylist::firstSequenceListingParts() const
{
    return m_currentSequence - segmentsListingParts;
}

LowLatencyPosition LowLatencyPlaylist::position() const
{
    LowLatencyPosition position;
    position.isEnded = m_isEnded;
    if (!m_segments.segments().isEmpty())
        position.lastCompleteMsn = m_segments.segments().last().sequence;
    const auto current = m_parts.find(m_currentSequence);
    if (current != m_parts.end() && !current->second.isEmpty()) {
        position.lastMsn = m_currentSequence;
        position.lastPart = int(current->second.size()) - 1;
    } else if (position.lastCompleteMsn >= 0) {
        position.lastMsn = position.lastCompleteMsn;
        const auto last = m_parts.find(position.lastCompleteMsn);
        position.lastPart = last != m_parts.end() ? int(last->second.size()) - 1 : -1;
    }
    return position;
}

std::optional<LowLatencyPlaylistSummary> LowLatencyPlaylist::summaryOf(QByteArrayView text)
{
    // "part_<msn>_<part>.m4s" / "seg_<msn>.m4s" → the numbers; false when not such a name.
    const auto numbersOf = [](QByteArrayView uri, qint64 *msn, int *part) {
        const bool isPart = uri.startsWith("part_");
        if ((!isPart && !uri.startsWith("seg_")) || !uri.endsWith(".m4s"))
            return false;
        uri = uri.sliced(isPart ? 5 : 4).chopped(4);
        const qsizetype underscore = uri.indexOf('_');
        if (isPart != (underscore >= 0))
            return false;
        bool isNumber = false;
        *msn = (isPart ? uri.first(underscore) : uri).toByteArray().toLongLong(&isNumber);
        if (!isNumber)
            return false;
        if (isPart)
            *part = uri.sliced(underscore + 1).toByteArray().toInt(&isNumber);
        return isNumber;
    };
    const auto quotedUri = [](QByteArrayView line) {
        const qsizetype start = line.indexOf("URI=\"");
        if (start < 0)
            return QByteArrayView();
        const QByteArrayView rest = line.sliced(start + 5);
        const qsizetype end = rest.indexOf('"');
        return end < 0 ? QByteArrayView() : rest.first(end);
    };
    if (!text.startsWith("#EXTM3U"))
        return std::nullopt;
    LowLatencyPlaylistSummary summary;
    double partTarget = 0;
    qsizetype start = 0;
    while (start < text.size()) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(start, end - start);
        start = end + 1;
        qint64 msn = 0;
        int part = 0;
        if (line.startsWith("#EXT-X-PART:")) {
            if (numbersOf(quotedUri(line), &msn, &part)) {
                summary.position.lastMsn = msn;
                summary.position.lastPart = part;
            }
        } else if (line.startsWith("#EXT-X-TARGETDURATION:")) {
            summary.targetDurationSeconds = line.sliced(22).toByteArray().toInt();
        } else if (line.startsWith("#EXT-X-PART-INF:PART-TARGET=")) {
            partTarget = line.sliced(28).toByteArray().toDouble();
        } else if (line == "#EXT-X-ENDLIST") {
            summary.position.isEnded = true;
        } else if (!line.isEmpty() && !line.startsWith('#') && numbersOf(line, &msn, &part)) {
            summary.position.lastCompleteMsn = msn;
            if (msn > summary.position.lastMsn) { // a complete segment whose parts left the list
                summary.position.lastMsn = msn;
                summary.position.lastPart = -1;
            }
        }
    }
    if (summary.targetDurationSeconds <= 0 || partTarget <= 0)
        return std::nullopt;
    // The packager's count is segment frames / part frames rounded up; the text has both rounded.
    summary.partsPerSegment =
        std::max(1, int(std::ceil(summary.targetDurationSeconds / partTarget - 0.01)));
    return summary;
}

QString LowLatencyPlaylist::segmentUri(qint64 sequence)
{
    return QStringLiteral("seg_%1.m4s").arg(sequence);
}

QString LowLatencyPlaylist::partUri(qint64 sequence, int part)
{
    return QStringLiteral("part_%1_%2.m4s").arg(sequence).arg(part);
}

QByteArray LowLatencyPlaylist::partLines(qint64 sequence) const
{
    QByteArray text;
    const auto parts = m_parts.find(sequence);
    if (parts == m_parts.end())
        return text;
    for (int index = 0; index < parts->second.size(); ++index) {
        const PlaylistPart &part = parts->second.at(index);
        text += "#EXT-X-PART:DURATION=" + QByteArray::number(part.durationSeconds, 'f', 5)
                + ",URI=\"" + partUri(sequence, index).toUtf8() + '"';
        if (part.isIndependent)
            text += ",INDEPENDENT=YES";
        text += '\n';
    }
    return text;
}

QByteArray LowLatencyPlaylist::text(const QList<RenditionReport> &reports) const
{
    QByteArray text = "#EXTM3U\n#EXT-X-VERSION:6\n";
    text += "#EXT-X-TARGETDURATION:" + QByteArray::number(m_targetDurationSeconds) + '\n';
    text += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK="
            + QByteArray::number(partHoldBackSeconds(), 'f', 3) + '\n';
    text += "#EXT-X-PART-INF:PART-TARGET=" + QByteArray::number(m_partTargetSeconds, 'f', 5)
            + '\n';
    text += "#EXT-X-MEDIA-SEQUENCE:" + QByteArray::number(m_segments.mediaSequence()) + '\n';
    text += "#EXT-X-DISCONTINUITY-SEQUENCE:"
            + QByteArray::number(m_segments.discontinuitySequence()) + '\n';
    text += "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"init.mp4\"\n";
    for (const PlaylistSegment &segment : m_segments.segments()) {
        // The date and discontinuity lines come first, then the parts, then the whole segment.
        const QByteArray lines = mediaSegmentText(segment);
        const qsizetype extinf = lines.indexOf("#EXTINF:");
        text += lines.left(extinf) + partLines(segment.sequence) + lines.mid(extinf);
    }
    const auto current = m_parts.find(m_currentSequence);
    if (current != m_parts.end() && !current->second.isEmpty()) {
        if (m_isCurrentDiscontinuity)
            text += "#EXT-X-DISCONTINUITY\n";
        text += "#EXT-X-PROGRAM-DATE-TIME:" + programDateTimeText(m_currentDateTimeMs).toUtf8()
                + '\n';
        text += partLines(m_currentSequence);
    }
    if (!m_isEnded) {
        const int nextPart =
            current != m_parts.end() ? int(current->second.size()) : 0;
        text += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\""
                + partUri(m_currentSequence, nextPart).toUtf8() + "\"\n";
    }
    for (const RenditionReport &report : reports) {
        if (report.position.lastMsn < 0)
            continue;
        text += "#EXT-X-RENDITION-REPORT:URI=\"" + report.uri.toUtf8()
                + "\",LAST-MSN=" + QByteArray::number(report.position.lastMsn);
        if (report.position.lastPart >= 0)
            text += ",LAST-PART=" + QByteArray::number(report.position.lastPart);
        text += '\n';
    }
    if (m_isEnded)
        text += "#EXT-X-ENDLIST\n";
    return text;
}

} // namespace afk::media
