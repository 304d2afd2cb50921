// An FLV byte stream (Adobe's "Video File Format Specification" v10, annex E) rebuilt from an
// RTMP publisher's audio, video and data messages, whose payloads are FLV tag bodies already:
// libavformat's flv demuxer then reads it like a file.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

namespace afk::server {

class FlvTagWriter
{
public:
    enum TagType : quint8 { Audio = 8, Video = 9, Script = 18 };

    // The file header (version 1, audio and video announced: the demuxer adds the streams as
    // their first tags come) and the first PreviousTagSize.
    static QByteArray header();
    // One tag and the PreviousTagSize after it; the timestamp in milliseconds (32 bits, as RTMP).
    static void appendTag(QByteArray *out, TagType type, quint32 timestampMs, QByteArrayView body);
};

} // namespace afk::server
