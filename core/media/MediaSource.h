// A live (or file) source of decoded audio and video frames, run on the pipeline's source thread.
#pragma once

#include "LibavPtr.h"

#include <QString>
#include <atomic>
#include <memory>

namespace afk::media {

// Video frames carry pts in microseconds (AV_TIME_BASE) from the stream's start; audio frames
// carry pts in samples at their own sample rate. captureWallMs is when the frame was captured
// or received, for #EXT-X-PROGRAM-DATE-TIME.
struct TimedFrame {
    FramePtr frame;
    qint64 captureWallMs = 0;
    // The first video frame after the source restarted (a new recording): it starts a new
    // segment marked #EXT-X-DISCONTINUITY.
    bool isDiscontinuity = false;
};

// A compressed video packet as the source received it (an RTMP publisher's H.264), for a rung
// that copies it instead of encoding: pts/dts in microseconds on the decoded frames' clock.
struct TimedPacket {
    PacketPtr packet;
    qint64 captureWallMs = 0;
};

struct SourceInfo {
    bool hasVideo = false;
    int width = 0;
    int height = 0;
    double framesPerSecond = 0; // nominal; 0 = unknown (a constant 30 is used)
    bool hasAudio = false;
    bool isLive = true;         // paced by the wall clock (frames may be dropped under load)
    QString description;        // "test pattern 1280x720@30", "file in.webm"
    // The compressed video's parameters when the source can also deliver its packets (RTMP);
    // null otherwise.
    std::shared_ptr<const AVCodecParameters> videoCodec;
};

// Where a source delivers frames. push* may block (back-pressure) and return false when the
// pipeline is stopping.
class FrameSink
{
public:
    virtual ~FrameSink() = default;
    virtual bool pushVideo(TimedFrame frame) = 0;
    virtual bool pushAudio(TimedFrame frame) = 0;
    // A source with SourceInfo::videoCodec also delivers its compressed video, each packet
    // before the frames it decodes to, when the sink wants it (a copied rung).
    virtual bool wantsVideoPackets() const { return false; }
    virtual bool pushVideoPacket(TimedPacket) { return true; }
};

class MediaSource
{
public:
    virtual ~MediaSource() = default;
    // Opens the source and fills info(); a clear error otherwise. Called before run(), on the
    // pipeline's own thread: it may wait for data (a network source).
    virtual bool open(QString *error) = 0;
    // Makes a waiting open() or run() return soon; any thread. Paced sources need nothing more
    // than the stop flag run() polls.
    virtual void interrupt() {}
    virtual const SourceInfo &info() const = 0;
    // Produces frames until the source ends, stopRequested becomes true, or the sink refuses.
    // Returns false with an error when the source failed.
    virtual bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) = 0;
};

} // namespace afk::media
