// A live container stream that arrives as chunks of bytes — WebM from a browser's MediaRecorder,
// relayed over Socket.IO, or FLV rebuilt from an RTMP publisher's messages — demuxed through our
// own AVIOContext as the bytes come in.
//
// WebM: a chunk that starts with a new EBML header after the first one means the recorder restarted:
// the current demuxer ends there, a new one opens on the new bytes, and timestamps continue
// where the old ones stopped (the first frame after it is flagged as a discontinuity). FLV the
// same with a new "FLV" header: an RTMP publisher that reconnected (its chunks are whole tags,
// so only a new session's first chunk starts with those bytes).
//
// An audio-only recording gets a black still picture (a few frames a second), so it plays in
// every HLS player as the same ladder of video renditions.
#pragma once

#include "DemuxDecoder.h"
#include "MediaSource.h"
#include "VideoFramePool.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace afk::media {

class ByteStreamSource : public MediaSource
{
public:
    static constexpr qsizetype defaultMaxBufferedBytes = 16 * 1024 * 1024;
    enum class Container { WebM, Flv };

    explicit ByteStreamSource(QString description,
                              qsizetype maxBufferedBytes = defaultMaxBufferedBytes,
                              Container container = Container::WebM);
    Container container() const { return m_container; }
    ~ByteStreamSource() override;

    // Any thread. False with the reason when the buffer is full (the publisher sends faster
    // than the pipeline encodes) or input has ended.
    bool append(const QByteArray &chunk, QString *error);
    // No more bytes: the stream ends once what is buffered is encoded.
    void finishInput();
    void interrupt() override;

    bool open(QString *error) override;
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

    qint64 bytesReceived() const;
    qsizetype bytesBuffered() const;
    int restartCount() const;

    // Where a WebM (EBML) header begins: 1A 45 DF A3.
    static const QByteArray &ebmlMagic();
    static bool startsWithEbmlHeader(const QByteArray &chunk);
    // Where an FLV file begins: "FLV".
    static bool startsWithFlvHeader(const QByteArray &chunk);

private:
    struct Chunk {
        QByteArray bytes;
        qsizetype offset = 0;
        bool isRestart = false;
        qint64 receivedWallMs = 0;
    };
    static int readPacket(void *opaque, uint8_t *buffer, int size);
    // Audio-only input: black frames up to untilUs (microseconds, stream time).
    bool pushStillFramesUntil(qint64 untilUs, qint64 wallMs, FrameSink &sink);
    int read(uint8_t *buffer, int size);
    bool openDemuxer(QString *error);

    QString m_description;
    qsizetype m_maxBufferedBytes;
    Container m_container;
    SourceInfo m_info;

    mutable std::mutex m_mutex;
    std::condition_variable m_hasData;
    std::deque<Chunk> m_chunks;
    QByteArray m_heldPrefix; // up to 3 bytes that may begin an EBML header
    qsizetype m_bytesBuffered = 0;
    qint64 m_bytesReceived = 0;
    qint64 m_chunksReceived = 0;
    int m_restartCount = 0;
    bool m_isInputFinished = false;
    bool m_isInterrupted = false;
    bool m_hasReadSinceOpen = false;
    bool m_isOpening = false;            // a demuxer is probing the stream
    qint64 m_bytesReadWhileOpening = 0;
    std::chrono::steady_clock::time_point m_openingDeadline;
    qint64 m_sessionWallMs = 0; // when the current demuxer's first chunk arrived

    IoContextPtr m_io;
    std::unique_ptr<DemuxDecoder> m_decoder;
    bool m_isAudioOnly = false;
    bool m_isNextVideoDiscontinuity = false; // the first video frame after a restart
    std::unique_ptr<VideoFramePool> m_stillPool;
    qint64 m_nextStillUs = 0;
    qint64 m_offsetUs = 0;     // added to the current demuxer's timestamps
    qint64 m_nextFreeUs = 0;   // just after the latest frame delivered
};

} // namespace afk::media
