// Demuxes and decodes one input (a URL or a custom AVIOContext) into frames timed in
// microseconds from the input's first timestamp: the shared core of file and byte-stream sources.
#pragma once

#include "LibavPtr.h"

#include <QByteArray>
#include <QList>

#include <atomic>
#include <functional>

namespace afk::media {

class DemuxDecoder
{
public:
    struct StreamFacts {
        int width = 0;
        int height = 0;
        double framesPerSecond = 0; // 0 when the input does not say (live WebM)
        bool hasVideo = false;
        bool hasAudio = false;
    };
    // isVideo; frame->pts is rewritten to microseconds since the input's first timestamp.
    using FrameHandler = std::function<bool(FramePtr frame, bool isVideo)>;
    // A video packet before it is decoded, pts/dts rewritten to microseconds on the frames'
    // clock; false stops the run (Stopped).
    using PacketHandler = std::function<bool(PacketPtr packet)>;
    enum class RunResult { Ended, Stopped, Failed };

    // io: null to open `name` as a URL/path; else the caller's AVIOContext (it keeps owning it).
    bool open(const QString &name, AVIOContext *io, QString *error);
    // The same with the container named (e.g. "flv") instead of probed.
    bool openAs(const char *formatName, const QString &name, AVIOContext *io, QString *error);
    // A capture device of libavdevice (e.g. "x11grab" on url ":0.0") with its options.
    bool openDevice(const char *formatName, const QString &url,
                    const QList<std::pair<QByteArray, QByteArray>> &options, QString *error);
    const StreamFacts &facts() const { return m_facts; }
    // The video stream's parameters once open (null without video).
    const AVCodecParameters *videoParameters() const;
    // Before run(): also hand every video packet to handler. The clock's origin is then the
    // first packet read rather than the first frame decoded, so packets never precede it.
    void setVideoPacketHandler(PacketHandler handler) { m_videoPacketHandler = std::move(handler); }
    // Reads to the end of input (draining the decoders), until stopRequested, or until handler
    // returns false (Stopped).
    RunResult run(const std::atomic<bool> &stopRequested, const FrameHandler &handler, QString *error);

private:
    bool openInput(const QString &name, AVIOContext *io, const AVInputFormat *format,
                   const QList<std::pair<QByteArray, QByteArray>> &options, QString *error);
    bool openDecoder(int streamIndex, CodecContextPtr *decoder, QString *error);
    // False when the handler refused a frame; a damaged packet is skipped.
    bool handOverVideoPacket(const AVPacket &packet);
    bool decode(AVCodecContext &decoder, const AVPacket *packet, bool isVideo,
                const FrameHandler &handler);

    QString m_name;
    InputFormatPtr m_input;
    CodecContextPtr m_videoDecoder;
    CodecContextPtr m_audioDecoder;
    int m_videoStream = -1;
    int m_audioStream = -1;
    qint64 m_originUs = AV_NOPTS_VALUE;
    StreamFacts m_facts;
    FramePtr m_decoded;
    PacketHandler m_videoPacketHandler;
};

} // namespace afk::media
