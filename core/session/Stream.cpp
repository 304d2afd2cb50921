#include "Stream.h"

#include <QDateTime>
#include <QDebug>
#include <QTimer>

namespace afk::session {

Stream::Stream(storage::StreamMetadata metadata, const storage::StreamStore &store, QObject *parent)
    : QObject(parent), m_metadata(std::move(metadata)), m_store(store)
{
    saveMetadata();
}

Stream::~Stream() = default;

QString Stream::stateName() const
{
    switch (m_state) {
    case State::WaitingForMedia:
        return QStringLiteral("waiting");
    case State::Live:
        return QStringLiteral("live");
    case State::Ending:
        return QStringLiteral("ending");
    case State::Ended:
        return QStringLiteral("ended");
    case State::Invalid:
        break;
    }
    return QStringLiteral("invalid");
}

QString Stream::topRenditionName() const
{
    return m_metadata.renditionNames.isEmpty() ? QString() : m_metadata.renditionNames.first();
}

media::PipelineStats Stream::stats() const
{
    return m_pipeline ? m_pipeline->stats() : media::PipelineStats{};
}

bool Stream::startMedia(std::unique_ptr<media::MediaSource> source, media::PipelineConfig config,
                        QString *error)
{
    if (m_state != State::WaitingForMedia || m_pipeline) {
        *error = QStringLiteral("stream %1 is %2, not waiting for media").arg(key(), stateName());
        return false;
    }
    config.outputDir = directory();
    auto pipeline = std::make_unique<media::Pipeline>(std::move(config), std::move(source));
    connect(pipeline.get(), &media::Pipeline::started, this, &Stream::onPipelineStarted);
    connect(pipeline.get(), &media::Pipeline::segmentCompleted, this, [this](qint64 count) {
        m_segmentCount = count;
        emit segmentCompleted(count);
    });
    connect(pipeline.get(), &media::Pipeline::finished, this, &Stream::finish);
    if (!pipeline->start(error))
        return false;
    m_pipeline = std::move(pipeline);
    return true;
}

void Stream::onPipelineStarted()
{
    m_metadata.sourceDescription = m_pipeline->sourceInfo().description;
    m_metadata.renditionNames.clear();
    for (const media::Rendition &rendition : m_pipeline->renditions())
        m_metadata.renditionNames << rendition.name;
    if (m_state == State::WaitingForMedia)
        m_state = State::Live;
    saveMetadata();
    emit started();
}

bool Stream::ingestChunk(const QByteArray &chunk, const media::PipelineConfig &config,
                         QString *error)
{
    if (m_state != State::WaitingForMedia && m_state != State::Live) {
        *error = QStringLiteral("stream %1 is %2").arg(key(), stateName());
        return false;
    }
    if (!m_pipeline) {
        auto source = std::make_unique<media::ByteStreamSource>(
            QStringLiteral("browser stream %1").arg(key()));
        media::ByteStreamSource *ingestSource = source.get();
        if (!startMedia(std::move(source), config, error))
            return false;
        m_ingestSource = ingestSource;
    }
    if (!m_ingestSource) {
        *error = QStringLiteral("stream %1 encodes another source").arg(key());
        return false;
    }
    return m_ingestSource->append(chunk, error);
}

qint64 Stream::ingestBytesReceived() const
{
    return m_ingestSource ? m_ingestSource->bytesReceived() : 0;
}

qsizetype Stream::ingestBytesBuffered() const
{
    return m_ingestSource ? m_ingestSource->bytesBuffered() : 0;
}

int Stream::ingestRestartCount() const
{
    return m_ingestSource ? m_ingestSource->restartCount() : 0;
}

void Stream::stop()
{
    if (!isActive() || m_state == State::Ending)
        return;
    if (!m_pipeline || !m_pipeline->isRunning()) {
        finish({});
        return;
    }
    const bool wasLive = m_state == State::Live;
    m_state = State::Ending;
    if (m_ingestSource && wasLive) {
        // Encode what the host already sent, but never hold a shutdown for long.
        m_ingestSource->finishInput();
        constexpr int drainLimitMs = 3000;
        QTimer::singleShot(drainLimitMs, this, [this] {
            if (m_pipeline->isRunning())
                m_pipeline->stop();
        });
        return;
    }
    m_pipeline->stop();
}

void Stream::finish(const QString &error)
{
    if (m_state == State::Ended)
        return;
    m_state = State::Ended;
    m_lastError = error;
    m_metadata.endedAtMs = QDateTime::currentMSecsSinceEpoch();
    saveMetadata();
    if (!error.isEmpty())
        qWarning().noquote() << "[stream]" << key() << "ended with an error:" << error;
    emit ended(error);
}

void Stream::saveMetadata()
{
    QString error;
    if (!m_store.writeMetadata(m_metadata, &error))
        qWarning().noquote() << "[stream]" << error;
}

} // namespace afk::session
