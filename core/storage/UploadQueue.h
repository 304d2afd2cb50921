// The persistent, ordered upload queue of one UploadTarget: every servable segment and playlist
// version of every stream goes to the target, in an order that never lets a stored playlist name
// an object the target does not have yet, and nothing stored is sent twice.
//
// How it works: when a stream's playlists change (a segment became servable, the stream ended)
// the queue marks them dirty. A dirty playlist is read (off the event loop) as it is now; every
// URI it names that the target does not have (per the journal) is queued first, and this very
// version of the playlist is sent once all of them are stored. Playlists are coalesced: marking
// one that is already waiting changes nothing, one being sent is read again afterwards. Up to
// `concurrency` objects are read or sent at once, segments before playlists.
//
// Failures: a transient one (UploadResult::Retry) pauses the target with exponential backoff and
// jitter (0.5 s doubling up to 15 s), a fatal one (401/403, bad configuration) likewise up to
// 5 min; while paused, one object at a time probes the store until one is stored. Errors go to
// message() and /status; the local stream never waits for any of this. After a stream ends its
// objects are drained for at most drainBudgetMs; what is left stays in the journal and is sent
// after the next start (resume()).
#pragma once

#include "UploadJournal.h"
#include "UploadTarget.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <deque>
#include <memory>

namespace afk::storage {

struct UploadQueueOptions {
    int concurrency = 4;               // --upload-concurrency: objects read or sent at once
    qint64 drainBudgetMs = 10 * 60 * 1000; // after a stream ended
    int retainHours = 0;               // --r2-retain-hours: delete a stream's objects then; 0 keeps
};

class UploadQueue : public QObject
{
    Q_OBJECT
public:
    // Owns target. dataDir holds the streams' folders and the journal (.uploads/<target>/).
    UploadQueue(const QString &dataDir, std::unique_ptr<UploadTarget> target,
                UploadQueueOptions options, QObject *parent = nullptr);
    ~UploadQueue() override;

    const UploadTarget &target() const { return *m_target; }
    // Sends what unfinished journals still owe (the studio was stopped or killed while uploading).
    void resume();
    // The stream's playlists changed: renditionNames are its rendition folders; isEnded when it
    // ended (its playlists carry #EXT-X-ENDLIST and the drain begins).
    void streamUpdated(const QString &streamKey, const QStringList &renditionNames, bool isEnded);
    // Deletes the objects of streams that ended more than retainHours ago (no-op for 0).
    void removeExpired(qint64 nowMs);

    // Objects queued, being read or sent (all streams; a shutdown waits for 0).
    int backlog() const;
    // This target's entry of the stream's /status "storage" list.
    QJsonObject status(const QString &streamKey) const;
    // <public base>/livestream/<key>/master.m3u8, empty when the target has no public URL.
    QString publicPlaybackUrl(const QString &streamKey) const;

    // "livestream/<key>/<path>".
    static QString objectKey(const QString &streamKey, const QString &relativePath);
    static QByteArray contentTypeOf(const QString &relativePath);
    static QByteArray cacheControlOf(const QString &relativePath);
    static bool isPlaylistPath(const QString &relativePath);

signals:
    // One line for the log: an error (at most every 30 s while it repeats), or that uploads
    // work again.
    void message(const QString &line);
    // Everything of an ended stream is stored.
    void streamDrained(const QString &streamKey);

private:
    enum class Stage { Queued, Reading, Blocked, Ready, Sending };
    struct Job {
        QString streamKey;
        QString path;           // relative to the stream folder
        bool isPlaylist = false;
        Stage stage = Stage::Queued;
        bool isDirtyAgain = false; // a newer playlist version appeared while this one was out
        QSet<QString> waitingFor;  // paths that must be stored before this snapshot
        UploadObject object;       // the snapshot, while Ready or Sending
        qint64 queuedAtMs = 0;
    };
    struct StreamState {
        bool isLoaded = false;
        bool isEnded = false;
        qint64 drainDeadlineMs = 0;
        UploadRecord record;
        QSet<QString> lost;        // named by a playlist but gone locally
        QStringList pendingMarks;  // marked before the journal was loaded
        int jobCount = 0;
        int storedCount = 0;
        qint64 recordingMarkedAtMs = 0;
    };
    struct ReadResult {
        bool isMissing = false;
        QString error;
        QByteArray bytes;
        QByteArray sha256Hex;
        QStringList references; // playlists: the paths they name
    };

    static QString jobId(const QString &streamKey, const QString &path);
    static ReadResult readObject(const QString &streamDir, const QString &path, bool isPlaylist);
    StreamState &stateOf(const QString &streamKey);
    void loadJournal(const QString &streamKey);
    void markPlaylists(const QString &streamKey, const QStringList &renditionNames);
    void markDirty(const QString &streamKey, const QString &path);
    bool isStored(const StreamState &state, const QString &path) const;
    void pump();
    void scheduleWake(qint64 atMs);
    void startRead(Job &job);
    // A read or send came back: frees its slot; its job, or null (and pumps) when it was dropped
    // meanwhile.
    Job *returningJob(const QString &id);
    void onRead(const QString &id, const ReadResult &result);
    void send(Job &job);
    void onSent(const QString &id, const UploadResult &result);
    void finishJob(const QString &id, bool isStored);
    void appendJournal(const QString &streamKey, const QByteArray &record);
    void dropExpiredDrains(qint64 nowMs);
    void report(const QString &error);
    int effectiveConcurrency() const;
    qint64 backoffMs(int failures, qint64 capMs) const;
    double bytesPerSecond() const;

    QString m_dataDir;
    std::unique_ptr<UploadTarget> m_target;
    UploadQueueOptions m_options;
    UploadJournal m_journal;
    QThreadPool m_io; // one thread: journal records stay in order; reads and hashes go here too
    QHash<QString, StreamState> m_streams;
    QHash<QString, Job> m_jobs;
    QStringList m_order; // job ids, oldest first
    int m_inFlight = 0;
    int m_consecutiveFailures = 0;
    qint64 m_pausedUntilMs = 0;
    QTimer m_wakeTimer;
    qint64 m_wakeAtMs = 0;
    QString m_lastError;
    qint64 m_lastErrorAtMs = 0;
    qint64 m_lastErrorLoggedAtMs = 0;
    qint64 m_lastSuccessAtMs = 0;
    qint64 m_storedObjects = 0;
    std::deque<std::pair<qint64, qint64>> m_recentBytes; // (ms, bytes) of the last 10 s
    QSet<QString> m_deleting; // keys whose objects are being removed (retention)
};

} // namespace afk::storage
