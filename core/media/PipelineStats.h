// Live counters of one media pipeline, copied out as a plain value for status and metrics.
#pragma once

#include <QList>
#include <QString>

namespace afk::media {

struct RenditionStats {
    QString name;
    int width = 0;
    int height = 0;
    qint64 framesEncoded = 0;
    qint64 bytesWritten = 0;
    qint64 segmentsWritten = 0;
    double lastSegmentKbps = 0; // measured bitrate of the newest complete segment
    bool isPassthrough = false; // copies the source's H.264 instead of encoding (--rtmp-passthrough)
};

struct PipelineStats {
    bool isRunning = false;
    double inputFps = 0;         // decoded source frames per wall second (last few seconds)
    double outputFps = 0;        // ladder frames per wall second (top rendition)
    double encoderSpeed = 0;     // media seconds encoded per wall second (1.0 = real time)
    double mediaSeconds = 0;     // media time encoded so far
    qint64 videoFramesIn = 0;
    qint64 audioFramesIn = 0;
    qint64 videoFramesDropped = 0;    // dropped by the queue policy (never audio, never key)
    qint64 videoFramesDuplicated = 0; // repeated to keep a constant frame rate (late source)
    qint64 videoFramesLate = 0;       // arrived after their output slot had passed
    int inputQueueDepth = 0;      // source frames (video and audio) waiting for the ladder
    int inputQueueCapacity = 0;
    int encoderQueueDepth = 0;    // the fullest rendition encoder's queue
    int encoderQueueCapacity = 0;
    qint64 segmentsProduced = 0;      // complete segments of the top rendition
    bool hasAudio = false;            // the source has sound (else the level is meaningless)
    double audioPeakDbfs = -96;       // the latest sound's sample peak (0 = full scale)
    double audioRmsDbfs = -96;        // and its RMS; both -96 for silence or no recent sound
    QList<RenditionStats> renditions;
};

} // namespace afk::media
