// One live stream: its metadata, folder, media pipeline (if it has a source yet) and viewers.
#pragma once

#include "ByteStreamSource.h"
#include "Pipeline.h"
#include "StreamStore.h"

#include <QObject>
#include <memory>

namespace afk::session {

class Stream : public QObject
{
    Q_OBJECT
public:
    enum class State { Invalid = 0, WaitingForMedia, Live, Ending, Ended };

    Stream(storage::StreamMetadata metadata, const storage::StreamStore &store,
           QObject *parent = nullptr);
    ~Stream() override;

    const QString &key() const { return m_metadata.streamKey; }
    const storage::StreamMetadata &metadata() const { return m_metadata; }
    QString directory() const { return m_store.streamDir(key()); }
    State state() const { return m_state; }
    bool isActive() const { return m_state != State::Ended && m_state != State::Invalid; }
    QString stateName() const;
    // Rendition whose media playlist is stream.m3u8 and whose segments are segment_N.ts.
    QString topRenditionName() const;
    qint64 segmentCount() const { return m_segmentCount; }
    media::PipelineStats stats() const;
    const QString &lastError() const { return m_lastError; }

    int viewerCount() const { return m_viewerCount; }
    void setViewerCount(int viewerCount) { m_viewerCount = viewerCount; }

    // Starts encoding the source into the stream's folder. The stream must be waiting for media;
    // it is live once started() is emitted (the source may first wait for data), or ends with
    // the reason the source could not open.
    bool startMedia(std::unique_ptr<media::MediaSource> source, media::PipelineConfig config,
                    QString *error);
    // Ends the stream: the pipeline finishes its segment and ends every playlist; ended() follows
    // (at once when there is no pipeline).
    void stop();

    bool hasMedia() const { return m_pipeline != nullptr; }

    // Bytes of a browser host's WebM recording. The first chunk starts the pipeline (with a
    // ByteStreamSource fed by the following ones). False with the reason when the stream is not
    // taking media or its buffer is full.
    bool ingestChunk(const QByteArray &chunk, const media::PipelineConfig &config, QString *error);
    qint64 ingestBytesReceived() const;
    qsizetype ingestBytesBuffered() const;
    int ingestRestartCount() const;

signals:
    void started();
    void segmentCompleted(qint64 segmentCount);
    void ended(const QString &error);

private:
    void onPipelineStarted();
    void finish(const QString &error);
    void saveMetadata();

    storage::StreamMetadata m_metadata;
    const storage::StreamStore &m_store;
    State m_state = State::WaitingForMedia;
    std::unique_ptr<media::Pipeline> m_pipeline;
    media::ByteStreamSource *m_ingestSource = nullptr; // owned by m_pipeline
    qint64 m_segmentCount = 0;
    int m_viewerCount = 0;
    QString m_lastError;
};

} // namespace afk::session
