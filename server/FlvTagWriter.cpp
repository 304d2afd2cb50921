#include "FlvTagWriter.h"

#include "BigEndianAppend.h"

namespace afk::server {

QByteArray FlvTagWriter::header()
{
    constexpr char hasAudioAndVideo = 0x05;
    QByteArray out("FLV\x01", 4);
    out.append(hasAudioAndVideo);
    appendU32(&out, 9); // the header's own size
    appendU32(&out, 0); // PreviousTagSize0
    return out;
}

void FlvTagWriter::appendTag(QByteArray *out, TagType type, quint32 timestampMs,
                             QByteArrayView body)
{
    constexpr quint32 tagHeaderBytes = 11;
    out->append(char(type));
    appendU24(out, quint32(body.size()));
    appendU24(out, timestampMs & 0xffffff);
    out->append(char(timestampMs >> 24)); // TimestampExtended: the upper 8 bits
    appendU24(out, 0);                    // StreamID, always 0
    out->append(body.data(), body.size());
    appendU32(out, tagHeaderBytes + quint32(body.size()));
}

} // namespace afk::server
