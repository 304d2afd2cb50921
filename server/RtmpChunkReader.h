// Reassembles RTMP messages from the chunk stream a peer sends (specification 5.3): the four
// chunk header types, 1-3 byte chunk stream ids, extended timestamps, interleaved chunk streams,
// and the peer's Set Chunk Size and Abort applied as they arrive. Bounded: a chunk size, a
// message length and a count of chunk streams past the limits are errors, and the bytes held
// for unfinished messages never exceed maxMessageBytes.
#pragma once

#include "RtmpMessage.h"

#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QString>

namespace afk::server {

struct RtmpChunkLimits {
    quint32 maxChunkSize = 1024 * 1024;        // SRS takes 64 KiB at most; encoders use less
    quint32 maxMessageBytes = 8 * 1024 * 1024; // far above a 1080p keyframe
    int maxChunkStreams = 64;
};

class RtmpChunkReader
{
public:
    using Limits = RtmpChunkLimits;
    static constexpr quint32 defaultChunkSize = 128; // until the peer sets another

    explicit RtmpChunkReader(Limits limits = {}) : m_limits(limits) {}

    // Parses what it can of bytes (with what earlier calls left over) and appends the messages
    // completed. False with the reason on a protocol error: the connection must close then,
    // and the reader is not to be fed again.
    bool feed(QByteArrayView bytes, QList<RtmpMessage> *messages, QString *error);

    quint32 chunkSize() const { return m_chunkSize; }
    // Bytes waiting for the rest of their chunk, and bytes of unfinished messages.
    qsizetype bytesHeld() const { return m_pending.size() + m_partialBytes; }

private:
    struct ChunkStream {
        quint32 timestamp = 0;
        quint32 timestampField = 0; // the last header's delta (or absolute time, for type 0)
        quint32 length = 0;
        quint32 streamId = 0;
        quint8 typeId = 0;
        bool hasExtendedTimestamp = false;
        QByteArray partial; // the message being assembled
        bool isAssembling = false;
    };
    enum class Step { Done, NeedMore, Failed };
    Step parseChunk(qsizetype *offset, QList<RtmpMessage> *messages, QString *error);
    bool applyControl(const RtmpMessage &message, QString *error);

    Limits m_limits;
    quint32 m_chunkSize = defaultChunkSize;
    QByteArray m_pending;
    qsizetype m_partialBytes = 0;
    QHash<quint32, ChunkStream> m_streams;
};

} // namespace afk::server
