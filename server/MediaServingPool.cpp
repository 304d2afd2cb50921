#include "MediaServingPool.h"

#include <QPointer>
#include <QThread>

#include <algorithm>

namespace afk::server
{

MediaServingPool::MediaServingPool(MediaServingContext context, int threadCount, QObject *parent)
    : QObject(parent)
{
    // The threads call it; queued, so the signal is emitted on the pool's thread. A call queued
    // while the pool is destroyed is dropped with it (at exit only).
    QPointer<MediaServingPool> self(this);
    context.handBack = [self](int descriptor) {
        QMetaObject::invokeMethod(
            self.data(), [self, descriptor] { emit self->handedBack(descriptor); },
            Qt::QueuedConnection);
    };
    const auto shared = std::make_shared<const MediaServingContext>(std::move(context));
    const int count = threadCount > 0 ? threadCount : defaultThreadCount();
    for (int i = 0; i < count; ++i) {
        auto thread = std::make_unique<MediaServingThread>(shared);
        if (thread->isRunning())
            m_threads.push_back(std::move(thread));
    }
    connect(&m_collectTimer, &QTimer::timeout, this, &MediaServingPool::collect);
    m_collectTimer.start(collectIntervalMs);
}

void MediaServingPool::collect()
{
    for (const auto &thread : m_threads) {
        const MediaServingReport report = thread->takeReport();
        if (!report.responses.isEmpty() || !report.viewerFetches.isEmpty() ||
            report.closedConnections > 0 || report.idleCloses > 0)
            emit reported(report);
    }
}

MediaServingPool::~MediaServingPool() = default;

int MediaServingPool::defaultThreadCount()
{
    // Two on a 2-core machine too: one thread stalled on a disk read (a cache miss) leaves the
    // other serving.
    return std::clamp(QThread::idealThreadCount(), 2, 8);
}

bool MediaServingPool::adopt(int descriptor)
{
    if (m_threads.empty())
        return false;
    m_threads[m_nextThread]->adopt(descriptor);
    m_nextThread = (m_nextThread + 1) % m_threads.size();
    return true;
}

} // namespace afk::server
