// A libavformat muxer that writes through our own callback (a segment file, memory) rather than
// a URL, with the encoders' video and audio streams added: what the TS and the CMAF packagers
// both start from.
#pragma once

#include "LibavPtr.h"

#include <QString>

namespace afk::media {

struct CustomIoMuxer {
    OutputFormatPtr context;
    AVStream *videoStream = nullptr;
    AVStream *audioStream = nullptr; // null without audio
};

// formatName: "mpegts", "mp4"; label names it in errors ("MPEG-TS"). write gets opaque back with
// each buffer of output. The streams get the time bases asked for (the muxer may still change
// them when the header is written); the header is not written yet (the caller has options for
// it).
bool openCustomIoMuxer(const char *formatName, const QString &label, void *opaque,
                       int (*write)(void *opaque, uint8_t *data, int size),
                       const AVCodecContext &video, AVRational videoTimeBase,
                       const AVCodecContext *audio, AVRational audioTimeBase,
                       CustomIoMuxer *muxer, QString *error);

} // namespace afk::media
