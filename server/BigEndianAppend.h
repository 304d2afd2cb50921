// Appending network-order (big-endian) integers to a byte buffer: RTMP chunks, AMF0 and FLV tags
// all write their sizes and timestamps this way.
#pragma once

#include <QByteArray>
#include <QtEndian>

namespace afk::server {

inline void appendU16(QByteArray *out, quint16 value)
{
    char bytes[2];
    qToBigEndian(value, bytes);
    out->append(bytes, 2);
}

// The low 24 bits (FLV data sizes and timestamps, RTMP message lengths and timestamps).
inline void appendU24(QByteArray *out, quint32 value)
{
    out->append(char(value >> 16));
    out->append(char(value >> 8));
    out->append(char(value));
}

inline void appendU32(QByteArray *out, quint32 value)
{
    char bytes[4];
    qToBigEndian(value, bytes);
    out->append(bytes, 4);
}

} // namespace afk::server
