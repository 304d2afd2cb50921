// One RTMP message (Adobe's "Real-Time Messaging Protocol" specification, section 5.3) and its
// chunked form on the wire.
#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace afk::server {

struct RtmpMessage {
    // Message type ids of the specification (5.4 protocol control, 7.1 commands and media).
    enum Type : quint8 {
        SetChunkSize = 1,
        Abort = 2,
        Acknowledgement = 3,
        UserControl = 4,
        WindowAcknowledgementSize = 5,
        SetPeerBandwidth = 6,
        Audio = 8,
        Video = 9,
        DataAmf3 = 15,
        CommandAmf3 = 17,
        DataAmf0 = 18,
        CommandAmf0 = 20,
    };

    quint8 typeId = 0;
    quint32 streamId = 0;  // the message stream (0: the connection's own)
    quint32 timestamp = 0; // milliseconds
    quint32 chunkStreamId = 0;
    QByteArray payload;

    // The message as chunks of at most chunkSize payload bytes: a full (type 0) header, then
    // type 3 headers (the extended timestamp repeated on each when there is one).
    // chunkStreamId must be 2-65599.
    QByteArray toChunks(quint32 chunkSize) const;
};

} // namespace afk::server
