// Qt Multimedia's video frames (from a camera's QVideoSink) as libav frames for the ladder.
#pragma once

#include "LibavPtr.h"

#include <QString>

class QVideoFrame;

namespace afk::media {

// The frame's picture as an AVFrame, sharing the QVideoFrame's mapped memory where libav has the
// same layout (YUV 4:2:0 / 4:2:2 planar, NV12/NV21, packed YUV and RGB, grey): the AVFrame keeps
// a mapped copy of the QVideoFrame alive and unmaps it when libav lets go. Other formats (MJPEG
// from USB cameras, textures) go through QVideoFrame::toImage() once, as RGBA. pts is left unset.
// Null with *error when the frame cannot be read.
FramePtr toAVFrame(const QVideoFrame &frame, QString *error);

} // namespace afk::media
