#include "Pipeline.h"

#include "PipelineWorker.h"

#include <QDir>
#include <QFile>
#include <cmath>

namespace afk::media {
namespace {

// The ladder runs at a constant whole frame rate, so a GOP (segment × fps) is a whole number of
// frames: the source's nominal rate rounded, 30 when unknown, at most 60.
int outputFramesPerSecond(double sourceFramesPerSecond)
{
    if (sourceFramesPerSecond <= 0)
        return 30;
    return std::clamp(int(std::lround(sourceFramesPerSecond)), 1, 60);
}

// An earlier run of the stream's key left its ended live playlists in the folder. A new run must
// not serve them as its own (a player would take the old run for this one and never poll again):
// like a new stream's, its live URLs answer 404 until its first segment. The recordings and
// segments stay.
void removeEarlierLivePlaylists(const QString &streamDir)
{
    const QDir root(streamDir);
    QFile::remove(root.filePath(QStringLiteral("master.m3u8")));
    QFile::remove(root.filePath(QStringLiteral("stream.m3u8")));
    for (const QString &name : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        QFile::remove(root.filePath(name + QStringLiteral("/index.m3u8")));
}

} // namespace

Pipeline::Pipeline(PipelineConfig config, std::unique_ptr<MediaSource> source, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_source(std::move(source))
{
}

Pipeline::~Pipeline()
{
    m_isStopRequested = true;
    m_source->interrupt();
    if (m_launcher.joinable())
        m_launcher.join();
    if (m_worker) {
        m_worker->requestStop();
        m_worker->join();
    }
}

const SourceInfo &Pipeline::sourceInfo() const
{
    return m_source->info();
}

bool Pipeline::start(QString *error)
{
    if (m_isStarted) {
        *error = QStringLiteral("the pipeline was already started");
        return false;
    }
    if (m_config.segmentSeconds < 1 || m_config.segmentSeconds > 10) {
        *error = QStringLiteral("segment duration must be 1-10 s");
        return false;
    }
    if (m_config.ladder.isEmpty()) {
        *error = QStringLiteral("the ladder is empty");
        return false;
    }
    if (!QDir().mkpath(m_config.outputDir)) {
        *error = QStringLiteral("cannot create %1").arg(m_config.outputDir);
        return false;
    }
    m_isStarted = true;
    m_launcher = std::thread([this] { launch(); });
    return true;
}

void Pipeline::launch()
{
    removeEarlierLivePlaylists(m_config.outputDir);
    QString error;
    if (!m_source->open(&error)) {
        if (m_isStopRequested)
            error.clear(); // stopped while waiting for the source: a clean end
        QMetaObject::invokeMethod(this, [this, error] { finish(error); }, Qt::QueuedConnection);
        return;
    }
    const SourceInfo &info = m_source->info();
    QList<Rendition> renditions = fitLadderToSource(m_config.ladder, info.width, info.height);
    PipelineWorker::Callbacks callbacks;
    // Both run on worker threads: hop to this object's thread before emitting.
    callbacks.segmentCompleted = [this](qint64 segmentsProduced) {
        QMetaObject::invokeMethod(this, [this, segmentsProduced] {
            emit segmentCompleted(segmentsProduced);
        }, Qt::QueuedConnection);
    };
    callbacks.finished = [this](const QString &workerError) {
        QMetaObject::invokeMethod(this, [this, workerError] {
            m_worker->join();
            finish(workerError);
        }, Qt::QueuedConnection);
    };
    // Opening x264 takes a while per rung: done here, off the caller's thread.
    auto worker = std::make_shared<PipelineWorker>(m_config, *m_source, renditions,
                                                   outputFramesPerSecond(info.framesPerSecond),
                                                   std::move(callbacks));
    worker->setPreviewTap(&m_preview);
    if (!worker->open(&error)) {
        QMetaObject::invokeMethod(this, [this, error] { finish(error); }, Qt::QueuedConnection);
        return;
    }
    QMetaObject::invokeMethod(this, [this, worker, renditions] {
        if (m_isStopRequested) {
            finish({}); // stopped before any media: nothing was written
            return;
        }
        m_renditions = renditions;
        m_worker = worker;
        m_worker->start();
        emit started();
    }, Qt::QueuedConnection);
}

void Pipeline::finish(const QString &error)
{
    if (m_isFinished)
        return;
    if (m_launcher.joinable())
        m_launcher.join();
    m_isFinished = true;
    emit finished(error);
}

void Pipeline::stop()
{
    m_isStopRequested = true;
    m_source->interrupt();
    if (m_worker)
        m_worker->requestStop();
}

QByteArray Pipeline::livePlaylist() const
{
    return m_worker ? m_worker->topLivePlaylist() : QByteArray();
}

PipelineStats Pipeline::stats() const
{
    return m_worker ? m_worker->stats() : PipelineStats{};
}

} // namespace afk::media
