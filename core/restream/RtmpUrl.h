// RTMP target URLs: checked before use, and shown without their stream key (the key is the
// publishing credential, and RTMP URLs carry it in the path: rtmp://host/app/<key>).
#pragma once

#include <QString>

namespace afk::restream {

// True for rtmp:// or rtmps:// with a host, an application and a stream name; else *error says why.
bool isValidRtmpUrl(const QString &url, QString *error);
// rtmp://host:port/app/… — scheme, host, port and the first path segment (when a key follows it)
// only; user info, the stream key and any query are left out.
QString redactRtmpUrl(const QString &url);
// What redactRtmpUrl leaves out of the path (the stream key and anything after the application).
QString rtmpUrlSecret(const QString &url);

} // namespace afk::restream
