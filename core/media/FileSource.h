// Anything libavformat reads, decoded once; paced at its native rate like a live source, or as
// fast as the pipeline takes it (not real time).
#pragma once

#include "MediaSource.h"

namespace afk::media {

class FileSource : public MediaSource
{
public:
    FileSource(QString path, bool isRealtime);

    bool open(QString *error) override;
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

private:
    bool openDecoder(int streamIndex, CodecContextPtr *decoder, QString *error);
    // Sends one packet (or nullptr to flush) and pushes every frame it yields.
    bool decodeAndPush(AVCodecContext &decoder, const AVPacket *packet, bool isVideo,
                       FrameSink &sink, QString *error);
    void pace(qint64 mediaUs) const;

    QString m_path;
    bool m_isRealtime;
    SourceInfo m_info;
    InputFormatPtr m_input;
    CodecContextPtr m_videoDecoder;
    CodecContextPtr m_audioDecoder;
    int m_videoStream = -1;
    int m_audioStream = -1;
    qint64 m_originUs = AV_NOPTS_VALUE; // first timestamp of the file, in microseconds
    qint64 m_startWallMs = 0;
    qint64 m_startSteadyUs = 0;
    FramePtr m_decoded;
};

} // namespace afk::media
