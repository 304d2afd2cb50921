// The whole stream as an EVENT media playlist on disk (a rendition's recording.m3u8): every
// segment of every run of the stream's key, each later run after an #EXT-X-DISCONTINUITY.
#pragma once

#include "Playlist.h"

#include <QString>

namespace afk::media {

// The recording grows for as long as the stream runs, and rewriting it after every segment would
// cost O(n²) over a long stream. So it is appended to: each segment's lines go to the end of the
// file in one write(), and a reader always finds a valid EVENT playlist (it may end after any
// segment). The file is replaced in full (a copy, renamed over it) only when a run starts and the
// earlier recording's header needs a longer #EXT-X-TARGETDURATION than it has, or when a segment
// does mid-run: at most a few times per run.
class RecordingPlaylist
{
public:
    explicit RecordingPlaylist(QString path);
    ~RecordingPlaylist();
    RecordingPlaylist(const RecordingPlaylist &) = delete;
    RecordingPlaylist &operator=(const RecordingPlaylist &) = delete;

    // Continues the recording at the path (its #EXT-X-ENDLIST removed; the run's first segment
    // will carry #EXT-X-DISCONTINUITY), or starts one whose media sequence is firstSequence.
    // A file that is not a playlist of ours is replaced, with a warning.
    bool open(int targetDurationSeconds, qint64 firstSequence, QString *error);
    bool append(PlaylistSegment segment, QString *error);
    // Appends #EXT-X-ENDLIST and closes the file.
    bool end(QString *error);
    bool isOpen() const { return m_fd >= 0; }

private:
    bool openForAppending(qint64 keptBytes, QString *error);
    // Copies the first keptBytes of the file under a header with the given target duration.
    bool replaceTargetDuration(int targetDurationSeconds, qint64 keptBytes, QString *error);
    bool appendText(const QByteArray &text, QString *error);
    void close();

    QString m_path;
    int m_fd = -1;
    qint64 m_bytes = 0; // the file's size: where the next write lands
    int m_targetDurationSeconds = 0;
    bool m_isNextSegmentAfterEarlierRun = false;
};

} // namespace afk::media
