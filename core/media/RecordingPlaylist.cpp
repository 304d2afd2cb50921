#include "RecordingPlaylist.h"

#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace afk::media {
namespace {

const QByteArray endListLine = QByteArrayLiteral("#EXT-X-ENDLIST\n");
// Our header is about 150 bytes and our lines under 100: these reads always hold them whole.
constexpr qint64 headBytes = 4096;
constexpr qint64 tailBytes = 512;
constexpr qint64 copyChunkBytes = 64 * 1024;

QString systemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// The #EXT-X-TARGETDURATION of a playlist that starts like ours, or -1.
int headerTargetDuration(const QByteArray &head)
{
    if (!head.startsWith("#EXTM3U\n"))
        return -1;
    static const QRegularExpression target(QStringLiteral("\n#EXT-X-TARGETDURATION:(\\d{1,4})\n"));
    const QRegularExpressionMatch match = target.match(QString::fromLatin1(head));
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

// How many bytes at the end of a recording go before it continues: a line a crash cut short,
// and the #EXT-X-ENDLIST of the run that ended. -1 if the tail holds no whole line at all.
qint64 bytesToDropAtEnd(const QByteArray &tail)
{
    qsizetype kept = tail.size();
    if (!tail.endsWith('\n'))
        kept = tail.lastIndexOf('\n') + 1;
    if (kept == 0)
        return -1;
    if (tail.left(kept).endsWith(endListLine))
        kept -= endListLine.size();
    return tail.size() - kept;
}

// Whether the last whole line before `end` is a segment's URI (not a tag of the header).
bool endsWithSegment(const QByteArray &tail, qsizetype end)
{
    if (end <= 1)
        return false;
    const qsizetype lineStart = tail.lastIndexOf('\n', end - 2) + 1;
    return lineStart < end - 1 && tail.at(lineStart) != '#';
}

} // namespace

RecordingPlaylist::RecordingPlaylist(QString path) : m_path(std::move(path)) {}

RecordingPlaylist::~RecordingPlaylist()
{
    close();
}

void RecordingPlaylist::close()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

bool RecordingPlaylist::open(int targetDurationSeconds, qint64 firstSequence, QString *error)
{
    close();
    m_targetDurationSeconds = targetDurationSeconds;
    m_isNextSegmentAfterEarlierRun = false;
    QFile existing(m_path);
    if (existing.exists()) {
        if (!existing.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read %1: %2").arg(m_path, existing.errorString());
            return false;
        }
        const qint64 size = existing.size();
        const QByteArray head = existing.read(headBytes);
        const QByteArray tail = existing.seek(std::max<qint64>(0, size - tailBytes))
                                    ? existing.read(tailBytes)
                                    : QByteArray();
        existing.close();
        const int headerTarget = headerTargetDuration(head);
        const qint64 dropped = bytesToDropAtEnd(tail);
        if (headerTarget >= 0 && dropped >= 0) {
            const qint64 keptBytes = size - dropped;
            m_isNextSegmentAfterEarlierRun = endsWithSegment(tail, tail.size() - dropped);
            if (headerTarget < targetDurationSeconds)
                return replaceTargetDuration(targetDurationSeconds, keptBytes, error);
            m_targetDurationSeconds = headerTarget;
            return openForAppending(keptBytes, error);
        }
        qWarning("[media] %s is not a recording playlist: starting a new one", qPrintable(m_path));
    }
    // A new recording: the header of an empty EVENT playlist.
    const QByteArray header = MediaPlaylist(targetDurationSeconds, 0, firstSequence).text();
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly) || file.write(header) != header.size() || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, file.errorString());
        return false;
    }
    return openForAppending(header.size(), error);
}

bool RecordingPlaylist::openForAppending(qint64 keptBytes, QString *error)
{
    close();
    m_fd = ::open(QFile::encodeName(m_path).constData(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (m_fd < 0 || ::ftruncate(m_fd, keptBytes) != 0) {
        *error = QStringLiteral("cannot append to %1: %2").arg(m_path, systemError());
        close();
        return false;
    }
    m_bytes = keptBytes;
    return true;
}

bool RecordingPlaylist::replaceTargetDuration(int targetDurationSeconds, qint64 keptBytes,
                                              QString *error)
{
    close();
    QFile source(m_path);
    QSaveFile copy(m_path);
    if (!source.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(m_path, source.errorString());
        return false;
    }
    if (!copy.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_path, copy.errorString());
        return false;
    }
    static const QRegularExpression target(QStringLiteral("\n#EXT-X-TARGETDURATION:\\d+\n"));
    QString head = QString::fromLatin1(source.read(std::min(headBytes, keptBytes)));
    head.replace(target, QStringLiteral("\n#EXT-X-TARGETDURATION:%1\n").arg(targetDurationSeconds));
    bool isWritten = copy.write(head.toLatin1()) >= 0;
    for (qint64 left = keptBytes - source.pos(); isWritten && left > 0;) {
        const QByteArray chunk = source.read(std::min(copyChunkBytes, left));
        isWritten = !chunk.isEmpty() && copy.write(chunk) == chunk.size();
        left -= chunk.size();
    }
    const qint64 newSize = copy.size();
    if (!isWritten || !copy.commit()) {
        *error = QStringLiteral("cannot rewrite %1: %2").arg(m_path, copy.errorString());
        return false;
    }
    m_targetDurationSeconds = targetDurationSeconds;
    return openForAppending(newSize, error);
}

bool RecordingPlaylist::appendText(const QByteArray &text, QString *error)
{
    if (m_fd < 0) {
        *error = QStringLiteral("%1 is not open").arg(m_path);
        return false;
    }
    // One write() at the end of the file: readers see the file before or after these lines.
    ssize_t written;
    do {
        written = ::write(m_fd, text.constData(), size_t(text.size()));
    } while (written < 0 && errno == EINTR);
    if (written == text.size()) {
        m_bytes += written;
        return true;
    }
    *error = QStringLiteral("cannot append to %1: %2")
                 .arg(m_path, written < 0 ? systemError() : QStringLiteral("disk full"));
    // Leave no partial line behind for the next run to continue after.
    if (written > 0 && ::ftruncate(m_fd, m_bytes) != 0)
        qWarning("[media] cannot cut %s back after a failed write", qPrintable(m_path));
    return false;
}

bool RecordingPlaylist::append(PlaylistSegment segment, QString *error)
{
    if (m_isNextSegmentAfterEarlierRun)
        segment.isDiscontinuity = true;
    const int needed = targetDurationFor(segment.durationSeconds);
    if (needed > m_targetDurationSeconds && !replaceTargetDuration(needed, m_bytes, error))
        return false;
    if (!appendText(mediaSegmentText(segment), error))
        return false;
    m_isNextSegmentAfterEarlierRun = false;
    return true;
}

bool RecordingPlaylist::end(QString *error)
{
    const bool isOk = appendText(endListLine, error);
    close();
    return isOk;
}

} // namespace afk::media
