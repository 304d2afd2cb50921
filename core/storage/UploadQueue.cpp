#include "UploadQueue.h"

#include "SigV4Signer.h"
#include "StreamPaths.h"
#include "StreamStore.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <algorithm>

namespace afk::storage {
namespace {

constexpr qint64 retryBackoffCapMs = 15000;
constexpr qint64 fatalBackoffCapMs = 5 * 60 * 1000;
constexpr qint64 firstBackoffMs = 500;
constexpr qint64 repeatedErrorLogMs = 30000;
constexpr qint64 rateWindowMs = 10000;
constexpr qint64 recordingIntervalMs = 30000;
// Segment URLs never name other content (numbers go on across runs), so caches may keep them.
const QByteArray segmentCacheControl = "public, max-age=31536000, immutable";
// Playlists change every segment; players and CDNs must revalidate.
const QByteArray playlistCacheControl = "no-cache";

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString isoOrNull(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
                        .toString(Qt::ISODateWithMs)
                  : QString();
}

// The paths a playlist names, relative to the stream folder: URI lines and URI="…" attributes
// (#EXT-X-MAP, #EXT-X-MEDIA, LL-HLS parts). Absolute URLs and anything leaving the folder are
// not ours to upload.
QStringList referencedPaths(const QString &playlistPath, const QByteArray &text)
{
    static const QRegularExpression uriAttribute(QStringLiteral("URI=\"([^\"]*)\""));
    const qsizetype slash = playlistPath.lastIndexOf(u'/');
    const QString base = slash < 0 ? QString() : playlistPath.left(slash + 1);
    QStringList uris;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QString line = QString::fromUtf8(rawLine).trimmed();
        if (line.isEmpty())
            continue;
        if (!line.startsWith(u'#')) {
            uris << line;
            continue;
        }
        for (auto it = uriAttribute.globalMatch(line); it.hasNext();)
            uris << it.next().captured(1);
    }
    QStringList paths;
    for (QString uri : uris) {
        uri = uri.section(u'?', 0, 0);
        if (uri.isEmpty() || uri.contains(QStringLiteral("://")) || uri.startsWith(u'/'))
            continue;
        const QStringList parts = (base + uri).split(u'/');
        if (std::all_of(parts.begin(), parts.end(), isSafeFileName))
            paths << parts.join(u'/');
    }
    return paths;
}

} // namespace

UploadQueue::UploadQueue(const QString &dataDir, std::unique_ptr<UploadTarget> target,
                         UploadQueueOptions options, QObject *parent)
    : QObject(parent), m_dataDir(dataDir), m_target(std::move(target)),
      m_options(options), m_journal(dataDir, m_target->name())
{
    m_options.concurrency = std::max(1, m_options.concurrency);
    m_io.setMaxThreadCount(1);
    m_io.setExpiryTimeout(-1);
    m_wakeTimer.setSingleShot(true);
    connect(&m_wakeTimer, &QTimer::timeout, this, [this] {
        m_wakeAtMs = 0;
        pump();
    });
}

UploadQueue::~UploadQueue()
{
    // Tasks post back to this object: let them finish first (journal writes are small).
    m_io.waitForDone();
}

QString UploadQueue::objectKey(const QString &streamKey, const QString &relativePath)
{
    return QStringLiteral("livestream/") + streamKey + u'/' + relativePath;
}

bool UploadQueue::isPlaylistPath(const QString &relativePath)
{
    return relativePath.endsWith(QStringLiteral(".m3u8"));
}

QByteArray UploadQueue::contentTypeOf(const QString &relativePath)
{
    if (isPlaylistPath(relativePath))
        return "application/vnd.apple.mpegurl";
    if (relativePath.endsWith(QStringLiteral(".ts")))
        return "video/mp2t";
    if (relativePath.endsWith(QStringLiteral(".m4s")))
        return "video/iso.segment";
    if (relativePath.endsWith(QStringLiteral(".mp4")))
        return "video/mp4";
    if (relativePath.endsWith(QStringLiteral(".json")))
        return "application/json";
    return "application/octet-stream";
}

QByteArray UploadQueue::cacheControlOf(const QString &relativePath)
{
    return isPlaylistPath(relativePath) ? playlistCacheControl : segmentCacheControl;
}

QString UploadQueue::jobId(const QString &streamKey, const QString &path)
{
    return streamKey + u'\n' + path;
}

UploadQueue::ReadResult UploadQueue::readObject(const QString &streamDir, const QString &path,
                                                bool isPlaylist)
{
    ReadResult result;
    QString filePath = streamDir + u'/' + path;
    if (!QFileInfo::exists(filePath) && !path.contains(u'/')) {
        // segment_N.ts beside stream.m3u8 is the top rendition's file of that name.
        StreamMetadata metadata;
        const QString key = QFileInfo(streamDir).fileName();
        if (StreamStore(QFileInfo(streamDir).path()).readMetadata(key, &metadata)
            && !metadata.renditionNames.isEmpty())
            filePath = streamDir + u'/' + metadata.renditionNames.first() + u'/' + path;
    }
    QFile file(filePath);
    if (!file.open(QIODevice::ReadOnly)) {
        result.isMissing = !file.exists();
        result.error = QStringLiteral("cannot read %1: %2").arg(filePath, file.errorString());
        return result;
    }
    result.bytes = file.readAll();
    result.sha256Hex = SigV4Signer::sha256Hex(result.bytes);
    if (isPlaylist)
        result.references = referencedPaths(path, result.bytes);
    return result;
}

UploadQueue::StreamState &UploadQueue::stateOf(const QString &streamKey)
{
    auto it = m_streams.find(streamKey);
    if (it == m_streams.end()) {
        it = m_streams.insert(streamKey, StreamState());
        loadJournal(streamKey);
    }
    return *it;
}

void UploadQueue::loadJournal(const QString &streamKey)
{
    const UploadJournal journal = m_journal;
    m_io.start([this, journal, streamKey] {
        UploadRecord record = journal.load(streamKey);
        QMetaObject::invokeMethod(this, [this, streamKey, record = std::move(record)] {
            auto it = m_streams.find(streamKey);
            if (it == m_streams.end())
                return;
            it->record = record;
            it->isLoaded = true;
            const QStringList marks = std::exchange(it->pendingMarks, {});
            for (const QString &path : marks)
                markDirty(streamKey, path);
            pump();
        }, Qt::QueuedConnection);
    });
}

void UploadQueue::resume()
{
    const UploadJournal journal = m_journal;
    const QString dataDir = m_dataDir;
    m_io.start([this, journal, dataDir] {
        // Keys whose journal is unfinished, with the rendition folders their playlists are in.
        QList<QPair<QString, QStringList>> owed;
        const StreamStore store(dataDir);
        for (const QString &key : journal.streamKeys()) {
            const UploadRecord record = journal.load(key);
            if (record.isFinished)
                continue;
            // Killed while live: it ended now, as far as --r2-retain-hours is concerned.
            if (record.endedAtMs <= 0) {
                QString error;
                journal.append(key, "E " + QByteArray::number(nowMs()), &error);
            }
            StreamMetadata metadata;
            store.readMetadata(key, &metadata);
            owed.append({key, metadata.renditionNames});
        }
        QMetaObject::invokeMethod(this, [this, owed] {
            for (const auto &[key, renditions] : owed) {
                if (m_streams.contains(key))
                    continue; // live again already: its own updates cover it
                StreamState &state = stateOf(key);
                state.isEnded = true;
                state.drainDeadlineMs = nowMs() + m_options.drainBudgetMs;
                markPlaylists(key, renditions);
            }
            pump();
        }, Qt::QueuedConnection);
    });
}

void UploadQueue::streamUpdated(const QString &streamKey, const QStringList &renditionNames,
                                bool isEnded)
{
    if (!isValidStreamKey(streamKey))
        return;
    StreamState &state = stateOf(streamKey);
    if (isEnded && !state.isEnded) {
        state.drainDeadlineMs = nowMs() + m_options.drainBudgetMs;
        appendJournal(streamKey, "E " + QByteArray::number(nowMs()));
    }
    state.isEnded = isEnded;
    markPlaylists(streamKey, renditionNames);
    pump();
}

void UploadQueue::markPlaylists(const QString &streamKey, const QStringList &renditionNames)
{
    // A recording playlist lists every segment of the stream, so sending each version would cost
    // O(length) bytes per segment: while live it goes at most every recordingIntervalMs (and
    // whenever the master of recordings first needs it); the final version always.
    StreamState &state = stateOf(streamKey);
    const qint64 now = nowMs();
    const bool isRecordingDue =
        state.isEnded || now - state.recordingMarkedAtMs >= recordingIntervalMs;
    if (isRecordingDue)
        state.recordingMarkedAtMs = now;
    // Renditions' own playlists first: the master and recording name them.
    for (const QString &rendition : renditionNames) {
        if (!isSafeFileName(rendition))
            continue;
        markDirty(streamKey, rendition + QStringLiteral("/index.m3u8"));
        if (isRecordingDue)
            markDirty(streamKey, rendition + QStringLiteral("/recording.m3u8"));
    }
    markDirty(streamKey, QStringLiteral("stream.m3u8"));
    markDirty(streamKey, QStringLiteral("master.m3u8"));
    markDirty(streamKey, QStringLiteral("recording.m3u8"));
}

void UploadQueue::markDirty(const QString &streamKey, const QString &path)
{
    StreamState &state = stateOf(streamKey);
    if (!state.isLoaded) {
        if (!state.pendingMarks.contains(path))
            state.pendingMarks << path;
        return;
    }
    const QString id = jobId(streamKey, path);
    auto it = m_jobs.find(id);
    if (it != m_jobs.end()) {
        // Coalesced: a queued playlist is read when its turn comes; a version already read is
        // sent as it is and followed by a fresh read. Segments never change.
        if (it->isPlaylist && it->stage != Stage::Queued)
            it->isDirtyAgain = true;
        return;
    }
    state.lost.remove(path);
    if (!isPlaylistPath(path) && state.record.storedObjects.contains(path))
        return;
    Job job;
    job.streamKey = streamKey;
    job.path = path;
    job.isPlaylist = isPlaylistPath(path);
    job.queuedAtMs = nowMs();
    m_jobs.insert(id, job);
    m_order << id;
    ++state.jobCount;
}

bool UploadQueue::isStored(const StreamState &state, const QString &path) const
{
    if (state.lost.contains(path))
        return true;
    return isPlaylistPath(path) ? state.record.storedPlaylists.contains(path)
                                : state.record.storedObjects.contains(path);
}

int UploadQueue::effectiveConcurrency() const
{
    // After a failure one object probes the store until one is stored.
    return m_consecutiveFailures > 0 ? 1 : m_options.concurrency;
}

qint64 UploadQueue::backoffMs(int failures, qint64 capMs) const
{
    const qint64 base = std::min(capMs, firstBackoffMs << std::min(failures - 1, 20));
    // Full jitter over the upper half, so many studios behind one outage do not return at once.
    return base / 2 + QRandomGenerator::global()->bounded(base / 2 + 1);
}

void UploadQueue::scheduleWake(qint64 atMs)
{
    if (m_wakeAtMs != 0 && m_wakeAtMs <= atMs)
        return;
    m_wakeAtMs = atMs;
    m_wakeTimer.start(int(std::clamp<qint64>(atMs - nowMs(), 0, 3600 * 1000)));
}

void UploadQueue::pump()
{
    const qint64 now = nowMs();
    dropExpiredDrains(now);
    if (now < m_pausedUntilMs) {
        scheduleWake(m_pausedUntilMs);
        return;
    }
    // Segments first (playlists wait for them anyway), each pass oldest first.
    for (const bool isPlaylistPass : {false, true}) {
        const QStringList order = m_order;
        for (const QString &id : order) {
            if (m_inFlight >= effectiveConcurrency())
                return;
            auto it = m_jobs.find(id);
            if (it == m_jobs.end() || it->isPlaylist != isPlaylistPass)
                continue;
            if (!m_streams.value(it->streamKey).isLoaded)
                continue;
            if (it->stage == Stage::Queued)
                startRead(*it);
            else if (it->stage == Stage::Ready)
                send(*it);
        }
    }
}

void UploadQueue::startRead(Job &job)
{
    job.stage = Stage::Reading;
    job.isDirtyAgain = false;
    ++m_inFlight;
    const QString streamDir = StreamStore(m_dataDir).streamDir(job.streamKey);
    const QString id = jobId(job.streamKey, job.path);
    m_io.start([this, streamDir, id, path = job.path, isPlaylist = job.isPlaylist] {
        ReadResult result = readObject(streamDir, path, isPlaylist);
        QMetaObject::invokeMethod(this, [this, id, result = std::move(result)] {
            onRead(id, result);
        }, Qt::QueuedConnection);
    });
}

UploadQueue::Job *UploadQueue::returningJob(const QString &id)
{
    --m_inFlight;
    auto it = m_jobs.find(id);
    if (it == m_jobs.end()) {
        pump(); // its slot is free for another job
        return nullptr;
    }
    return &*it;
}

void UploadQueue::onRead(const QString &id, const ReadResult &result)
{
    Job *returning = returningJob(id);
    if (!returning)
        return;
    Job &job = *returning;
    StreamState &state = m_streams[job.streamKey];
    if (!result.error.isEmpty()) {
        // Gone locally (a segment that slid out and was removed, a playlist of an earlier run):
        // nothing can be sent, and playlists naming it must not wait for ever.
        if (!result.isMissing)
            report(result.error);
        state.lost.insert(job.path);
        finishJob(id, false);
        pump();
        return;
    }
    if (job.isPlaylist && state.record.storedPlaylists.value(job.path) == result.sha256Hex) {
        finishJob(id, true); // this version is stored already
        pump();
        return;
    }
    job.object.key = objectKey(job.streamKey, job.path);
    job.object.bytes = result.bytes;
    job.object.sha256Hex = result.sha256Hex;
    job.object.contentType = contentTypeOf(job.path);
    job.object.cacheControl = cacheControlOf(job.path);
    job.waitingFor.clear();
    const QString streamKey = job.streamKey;
    for (const QString &reference : result.references) {
        if (!isStored(state, reference))
            job.waitingFor.insert(reference);
    }
    if (job.waitingFor.isEmpty()) {
        job.stage = Stage::Ready;
    } else {
        job.stage = Stage::Blocked;
        const QSet<QString> dependencies = job.waitingFor; // markDirty may rehash m_jobs
        for (const QString &dependency : dependencies)
            markDirty(streamKey, dependency);
    }
    pump();
}

void UploadQueue::send(Job &job)
{
    job.stage = Stage::Sending;
    ++m_inFlight;
    const QString id = jobId(job.streamKey, job.path);
    m_target->put(job.object, [self = QPointer<UploadQueue>(this), id](const UploadResult &result) {
        if (self)
            self->onSent(id, result);
    });
}

void UploadQueue::onSent(const QString &id, const UploadResult &result)
{
    Job *returning = returningJob(id);
    if (!returning)
        return;
    Job &job = *returning;
    const qint64 now = nowMs();
    if (result.outcome != UploadResult::Outcome::Done) {
        ++m_consecutiveFailures;
        const bool isFatal = result.outcome == UploadResult::Outcome::Fatal;
        m_pausedUntilMs =
            now + backoffMs(m_consecutiveFailures, isFatal ? fatalBackoffCapMs : retryBackoffCapMs);
        report(result.error);
        // Read again when its turn comes (a playlist may have a newer version by then), behind
        // the others so one bad object does not hold the rest.
        job.stage = Stage::Queued;
        job.object = UploadObject();
        m_order.removeOne(id);
        m_order << id;
        pump();
        return;
    }
    if (m_consecutiveFailures > 0 && !m_lastError.isEmpty())
        emit message(QStringLiteral("[upload] %1: uploads work again").arg(m_target->name()));
    m_consecutiveFailures = 0;
    m_pausedUntilMs = 0;
    m_lastSuccessAtMs = now;
    ++m_storedObjects;
    m_recentBytes.emplace_back(now, job.object.bytes.size());
    while (m_recentBytes.front().first < now - rateWindowMs)
        m_recentBytes.pop_front();
    StreamState &state = m_streams[job.streamKey];
    if (job.isPlaylist) {
        state.lost.remove(job.path);
        state.record.storedPlaylists.insert(job.path, job.object.sha256Hex);
        appendJournal(job.streamKey, "P " + job.path.toUtf8() + ' ' + job.object.sha256Hex);
    } else {
        state.record.storedObjects.insert(job.path);
        appendJournal(job.streamKey, "S " + job.path.toUtf8());
    }
    ++state.storedCount;
    finishJob(id, true);
    pump();
}

void UploadQueue::finishJob(const QString &id, bool isStored)
{
    auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return;
    const QString streamKey = it->streamKey;
    const QString path = it->path;
    if (it->isDirtyAgain && isStored) {
        // A newer version appeared meanwhile: read it now.
        it->stage = Stage::Queued;
        it->isDirtyAgain = false;
        it->object = UploadObject();
    } else {
        m_jobs.erase(it);
        m_order.removeOne(id);
        --m_streams[streamKey].jobCount;
    }
    // Snapshots that waited for this path may go.
    for (Job &waiting : m_jobs) {
        if (waiting.stage == Stage::Blocked && waiting.streamKey == streamKey
            && waiting.waitingFor.remove(path) && waiting.waitingFor.isEmpty())
            waiting.stage = Stage::Ready;
    }
    StreamState &state = m_streams[streamKey];
    if (state.isEnded && state.jobCount == 0 && state.pendingMarks.isEmpty()) {
        appendJournal(streamKey, "F");
        emit streamDrained(streamKey);
    }
}

void UploadQueue::dropExpiredDrains(qint64 now)
{
    for (auto state = m_streams.begin(); state != m_streams.end(); ++state) {
        if (!state->isEnded || state->jobCount == 0 || now < state->drainDeadlineMs)
            continue;
        int dropped = 0;
        for (const QString &id : QStringList(m_order)) {
            auto job = m_jobs.find(id);
            if (job == m_jobs.end() || job->streamKey != state.key()
                || job->stage == Stage::Reading || job->stage == Stage::Sending)
                continue;
            m_jobs.erase(job);
            m_order.removeOne(id);
            --state->jobCount;
            ++dropped;
        }
        if (dropped > 0)
            emit message(QStringLiteral("[upload] %1: stream %2 ended %3 min ago; %4 objects not "
                                        "stored yet are left for the next start")
                             .arg(m_target->name(), state.key())
                             .arg(m_options.drainBudgetMs / 60000)
                             .arg(dropped));
    }
}

void UploadQueue::appendJournal(const QString &streamKey, const QByteArray &record)
{
    const UploadJournal journal = m_journal;
    m_io.start([this, journal, streamKey, record] {
        QString error;
        if (!journal.append(streamKey, record, &error))
            QMetaObject::invokeMethod(this, [this, error] { report(error); },
                                      Qt::QueuedConnection);
    });
}

void UploadQueue::report(const QString &error)
{
    const qint64 now = nowMs();
    const bool isNew = error != m_lastError;
    m_lastError = error;
    m_lastErrorAtMs = now;
    if (!isNew && now - m_lastErrorLoggedAtMs < repeatedErrorLogMs)
        return;
    m_lastErrorLoggedAtMs = now;
    emit message(QStringLiteral("[upload] %1: %2 (retrying with backoff)")
                     .arg(m_target->name(), error));
}

int UploadQueue::backlog() const
{
    int pendingMarks = 0;
    for (const StreamState &state : m_streams)
        pendingMarks += state.pendingMarks.size();
    return int(m_jobs.size()) + pendingMarks;
}

double UploadQueue::bytesPerSecond() const
{
    const qint64 since = nowMs() - rateWindowMs;
    qint64 bytes = 0;
    for (const auto &[atMs, count] : m_recentBytes) {
        if (atMs >= since)
            bytes += count;
    }
    return bytes * 1000.0 / rateWindowMs;
}

QJsonObject UploadQueue::status(const QString &streamKey) const
{
    const auto state = m_streams.constFind(streamKey);
    const int backlogOfStream =
        state == m_streams.cend() ? 0 : state->jobCount + int(state->pendingMarks.size());
    QJsonObject status{
        {QStringLiteral("target"), m_target->name()},
        {QStringLiteral("backlog"), backlogOfStream},
        {QStringLiteral("targetBacklog"), backlog()},
        {QStringLiteral("stored"), state == m_streams.cend() ? 0 : state->storedCount},
        {QStringLiteral("bytesPerSecond"), qRound64(bytesPerSecond())},
        {QStringLiteral("lastError"),
         m_lastError.isEmpty() ? QJsonValue() : QJsonValue(m_lastError)},
        {QStringLiteral("lastErrorAt"),
         m_lastErrorAtMs ? QJsonValue(isoOrNull(m_lastErrorAtMs)) : QJsonValue()},
        {QStringLiteral("lastSuccessAt"),
         m_lastSuccessAtMs ? QJsonValue(isoOrNull(m_lastSuccessAtMs)) : QJsonValue()},
        {QStringLiteral("isBackingOff"), nowMs() < m_pausedUntilMs},
    };
    const QString url = publicPlaybackUrl(streamKey);
    status.insert(QStringLiteral("publicUrl"), url.isEmpty() ? QJsonValue() : QJsonValue(url));
    return status;
}

QString UploadQueue::publicPlaybackUrl(const QString &streamKey) const
{
    return m_target->publicUrl(objectKey(streamKey, QStringLiteral("master.m3u8")));
}

void UploadQueue::removeExpired(qint64 now)
{
    if (m_options.retainHours <= 0)
        return;
    const qint64 retainMs = qint64(m_options.retainHours) * 3600 * 1000;
    const UploadJournal journal = m_journal;
    m_io.start([this, journal, now, retainMs] {
        QList<QPair<QString, QStringList>> expired;
        for (const QString &key : journal.streamKeys()) {
            const UploadRecord record = journal.load(key);
            if (record.endedAtMs <= 0 || now - record.endedAtMs < retainMs)
                continue;
            QStringList paths(record.storedObjects.begin(), record.storedObjects.end());
            for (auto it = record.storedPlaylists.begin(); it != record.storedPlaylists.end(); ++it)
                paths << it.key();
            expired.append({key, paths});
        }
        QMetaObject::invokeMethod(this, [this, expired] {
            for (const auto &[key, paths] : expired) {
                // A stream live again, or still uploading, is not expired.
                if (m_deleting.contains(key)
                    || (m_streams.contains(key)
                        && (!m_streams[key].isEnded || m_streams[key].jobCount > 0)))
                    continue;
                m_deleting.insert(key);
                m_streams.remove(key);
                auto remaining = std::make_shared<int>(int(paths.size()));
                auto failed = std::make_shared<int>(0);
                const auto oneDone = [this, key, remaining, failed](const UploadResult &result) {
                    if (result.outcome != UploadResult::Outcome::Done) {
                        ++*failed;
                        report(result.error);
                    }
                    if (--*remaining > 0)
                        return;
                    m_deleting.remove(key);
                    // A failure keeps the journal: the next hourly pass tries again.
                    if (*failed == 0) {
                        const UploadJournal journal = m_journal;
                        m_io.start([journal, key] { journal.remove(key); });
                        emit message(QStringLiteral("[upload] %1: removed the objects of stream "
                                                    "%2 (--r2-retain-hours)")
                                         .arg(m_target->name(), key));
                    }
                };
                if (paths.isEmpty()) {
                    *remaining = 1;
                    oneDone(UploadResult{UploadResult::Outcome::Done, {}, 200});
                }
                for (const QString &path : paths)
                    m_target->remove(objectKey(key, path), oneDone);
            }
        }, Qt::QueuedConnection);
    });
}

} // namespace afk::storage
