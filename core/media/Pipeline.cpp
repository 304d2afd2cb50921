#include "Pipeline.h"

#include "PipelineWorker.h"

#include <QDir>
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

} // namespace

Pipeline::Pipeline(PipelineConfig config, std::unique_ptr<MediaSource> source, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_source(std::move(source))
{
}

Pipeline::~Pipeline()
{
    if (m_worker) {
        m_worker->requestStop();
        m_worker->join();
    }
}

const SourceInfo &Pipeline::sourceInfo() const
{
    return m_source->info();
}

bool Pipeline::isRunning() const
{
    return m_worker && m_worker->isRunning();
}

bool Pipeline::start(QString *error)
{
    if (m_worker) {
        *error = QStringLiteral("the pipeline was already started");
        return false;
    }
    if (m_config.segmentSeconds < 1 || m_config.segmentSeconds > 10) {
        *error = QStringLiteral("segment duration must be 1-10 s");
        return false;
    }
    if (!m_source->open(error))
        return false;
    const SourceInfo &info = m_source->info();
    m_renditions = fitLadderToSource(m_config.ladder, info.width, info.height);
    if (m_renditions.isEmpty()) {
        *error = QStringLiteral("the ladder is empty");
        return false;
    }
    if (!QDir().mkpath(m_config.outputDir)) {
        *error = QStringLiteral("cannot create %1").arg(m_config.outputDir);
        return false;
    }
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
            emit finished(workerError);
        }, Qt::QueuedConnection);
    };
    auto worker = std::make_unique<PipelineWorker>(m_config, *m_source, m_renditions,
                                                   outputFramesPerSecond(info.framesPerSecond),
                                                   std::move(callbacks));
    if (!worker->open(error))
        return false;
    m_worker = std::move(worker);
    m_worker->start();
    return true;
}

void Pipeline::stop()
{
    if (m_worker)
        m_worker->requestStop();
}

PipelineStats Pipeline::stats() const
{
    return m_worker ? m_worker->stats() : PipelineStats{};
}

} // namespace afk::media
