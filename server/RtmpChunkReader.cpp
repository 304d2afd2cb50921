#include "RtmpChunkReader.h"

#include <QtEndian>
#include <algorithm>

namespace afk::server {
namespace {

constexpr quint32 extendedTimestampMark = 0xffffff;
// Message header bytes after the basic header, by chunk type (specification 5.3.1.2).
constexpr int messageHeaderBytes[4] = {11, 7, 3, 0};

quint32 readU24(const char *bytes)
{
    return (quint32(quint8(bytes[0])) << 16) | (quint32(quint8(bytes[1])) << 8) |
           quint32(quint8(bytes[2]));
}

} // namespace

bool RtmpChunkReader::feed(QByteArrayView bytes, QList<RtmpMessage> *messages, QString *error)
{
    m_pending.append(bytes.data(), bytes.size());
    qsizetype offset = 0;
    while (true) {
        const Step step = parseChunk(&offset, messages, error);
        if (step == Step::Failed)
            return false;
        if (step == Step::NeedMore)
            break;
    }
    m_pending.remove(0, offset);
    return true;
}

RtmpChunkReader::Step RtmpChunkReader::parseChunk(qsizetype *offset, QList<RtmpMessage> *messages,
                                                  QString *error)
{
    const char *data = m_pending.constData() + *offset;
    const qsizetype available = m_pending.size() - *offset;
    if (available < 1)
        return Step::NeedMore;
    const int format = quint8(data[0]) >> 6;
    quint32 chunkStreamId = quint8(data[0]) & 0x3f;
    qsizetype position = 1;
    if (chunkStreamId == 0) {
        if (available < 2)
            return Step::NeedMore;
        chunkStreamId = 64 + quint8(data[1]);
        position = 2;
    } else if (chunkStreamId == 1) {
        if (available < 3)
            return Step::NeedMore;
        chunkStreamId = 64 + quint8(data[1]) + quint32(quint8(data[2])) * 256;
        position = 3;
    }
    if (available < position + messageHeaderBytes[format])
        return Step::NeedMore;

    auto found = m_streams.find(chunkStreamId);
    if (found == m_streams.end()) {
        // Type 2 and 3 headers only make sense after an earlier header on the chunk stream.
        if (format >= 2) {
            *error = QStringLiteral("chunk stream %1 begins with a type %2 header (no earlier "
                                    "header to continue)")
                         .arg(chunkStreamId)
                         .arg(format);
            return Step::Failed;
        }
        if (m_streams.size() >= m_limits.maxChunkStreams) {
            *error = QStringLiteral("more than %1 chunk streams").arg(m_limits.maxChunkStreams);
            return Step::Failed;
        }
    }
    // Parsed into a copy: nothing changes until the whole chunk is here.
    ChunkStream stream = found == m_streams.end() ? ChunkStream{} : *found;
    const bool isContinuation = format == 3 && stream.isAssembling;
    const char *header = data + position;
    quint32 timestampField = stream.timestampField;
    if (format <= 2)
        timestampField = readU24(header);
    if (format <= 1) {
        stream.length = readU24(header + 3);
        stream.typeId = quint8(header[6]);
    }
    if (format == 0)
        stream.streamId = qFromLittleEndian<quint32>(header + 7);
    position += messageHeaderBytes[format];
    // A type 3 chunk carries the extended timestamp when its chunk stream's last header did.
    const bool hasExtended =
        format <= 2 ? timestampField == extendedTimestampMark : stream.hasExtendedTimestamp;
    if (hasExtended) {
        if (available < position + 4)
            return Step::NeedMore;
        const quint32 extended = qFromBigEndian<quint32>(data + position);
        position += 4;
        if (format <= 2)
            timestampField = extended;
    }
    if (format <= 2) {
        stream.hasExtendedTimestamp = hasExtended;
        stream.timestampField = timestampField;
    }
    if (format <= 2 && stream.isAssembling) {
        *error = QStringLiteral("chunk stream %1: a new message header before the previous "
                                "message of %2 bytes was complete")
                     .arg(chunkStreamId)
                     .arg(stream.length);
        return Step::Failed;
    }
    if (!isContinuation) {
        if (stream.length > m_limits.maxMessageBytes) {
            *error = QStringLiteral("message of %1 bytes (at most %2)")
                         .arg(stream.length)
                         .arg(m_limits.maxMessageBytes);
            return Step::Failed;
        }
        // Type 0 carries the absolute time; the others (and a type 3 starting a new message)
        // add their delta to the chunk stream's last time.
        stream.timestamp = format == 0 ? timestampField : stream.timestamp + timestampField;
    }
    const qsizetype chunkBytes =
        std::min<qsizetype>(m_chunkSize, qsizetype(stream.length) - stream.partial.size());
    if (available < position + chunkBytes)
        return Step::NeedMore;
    if (m_partialBytes + chunkBytes > qsizetype(m_limits.maxMessageBytes)) {
        *error = QStringLiteral("more than %1 bytes of unfinished messages")
                     .arg(m_limits.maxMessageBytes);
        return Step::Failed;
    }
    stream.partial.append(data + position, chunkBytes);
    m_partialBytes += chunkBytes;
    position += chunkBytes;
    *offset += position;

    if (stream.partial.size() < qsizetype(stream.length)) {
        stream.isAssembling = true;
        m_streams.insert(chunkStreamId, std::move(stream));
        return Step::Done;
    }
    RtmpMessage message;
    message.typeId = stream.typeId;
    message.streamId = stream.streamId;
    message.timestamp = stream.timestamp;
    message.chunkStreamId = chunkStreamId;
    message.payload = std::exchange(stream.partial, {});
    m_partialBytes -= message.payload.size();
    stream.isAssembling = false;
    m_streams.insert(chunkStreamId, std::move(stream));
    if (!applyControl(message, error))
        return Step::Failed;
    messages->append(std::move(message));
    return Step::Done;
}

bool RtmpChunkReader::applyControl(const RtmpMessage &message, QString *error)
{
    if (message.typeId == RtmpMessage::SetChunkSize) {
        if (message.payload.size() < 4) {
            *error = QStringLiteral("Set Chunk Size of %1 bytes").arg(message.payload.size());
            return false;
        }
        const quint32 size = qFromBigEndian<quint32>(message.payload.constData()) & 0x7fffffff;
        if (size < 1 || size > m_limits.maxChunkSize) {
            *error =
                QStringLiteral("chunk size %1 refused (1-%2)").arg(size).arg(m_limits.maxChunkSize);
            return false;
        }
        m_chunkSize = size;
    } else if (message.typeId == RtmpMessage::Abort && message.payload.size() >= 4) {
        const quint32 chunkStreamId = qFromBigEndian<quint32>(message.payload.constData());
        if (auto found = m_streams.find(chunkStreamId); found != m_streams.end()) {
            m_partialBytes -= found->partial.size();
            found->partial.clear();
            found->isAssembling = false;
        }
    }
    return true;
}

} // namespace afk::server
