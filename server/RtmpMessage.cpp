#include "RtmpMessage.h"

#include "BigEndianAppend.h"

#include <algorithm>

namespace afk::server {
namespace {

constexpr quint32 extendedTimestampMark = 0xffffff;

void appendBasicHeader(QByteArray *out, quint8 format, quint32 chunkStreamId)
{
    if (chunkStreamId < 64) {
        out->append(char((format << 6) | chunkStreamId));
    } else if (chunkStreamId < 64 + 256) {
        out->append(char(format << 6));
        out->append(char(chunkStreamId - 64));
    } else {
        out->append(char((format << 6) | 1));
        out->append(char((chunkStreamId - 64) & 0xff));
        out->append(char((chunkStreamId - 64) >> 8));
    }
}

} // namespace

QByteArray RtmpMessage::toChunks(quint32 chunkSize) const
{
    const bool isExtended = timestamp >= extendedTimestampMark;
    QByteArray out;
    out.reserve(payload.size() + 18 + (payload.size() / qsizetype(chunkSize) + 1) * 8);
    appendBasicHeader(&out, 0, chunkStreamId);
    appendU24(&out, isExtended ? extendedTimestampMark : timestamp);
    appendU24(&out, quint32(payload.size()));
    out.append(char(typeId));
    char streamIdBytes[4]; // the only little-endian field of the protocol
    qToLittleEndian(streamId, streamIdBytes);
    out.append(streamIdBytes, 4);
    if (isExtended)
        appendU32(&out, timestamp);
    qsizetype offset = 0;
    do {
        if (offset > 0) {
            appendBasicHeader(&out, 3, chunkStreamId);
            if (isExtended)
                appendU32(&out, timestamp);
        }
        const qsizetype count = std::min<qsizetype>(chunkSize, payload.size() - offset);
        out.append(payload.constData() + offset, count);
        offset += count;
    } while (offset < payload.size());
    return out;
}

} // namespace afk::server
