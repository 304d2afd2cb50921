#include "ByteStreamSource.h"

#include <QDateTime>
#include <chrono>
#include <cstring>
#include <utility>

namespace afk::media {
namespace {

constexpr int avioBufferBytes = 64 * 1024;
// MediaRecorder's first one-second chunk holds the header, the tracks and a cluster of frames:
// enough to open. Allow several seconds of data, and of waiting for it, before giving up.
constexpr qint64 maxOpeningBytes = 4 * 1024 * 1024;
constexpr std::chrono::seconds maxOpeningTime{8};
constexpr qint64 assumedFrameUs = 1000000 / 30; // the gap left at a recorder restart
// The still picture of audio-only streams: small and slow, it costs next to nothing to encode.
constexpr int stillWidth = 640;
constexpr int stillHeight = 360;
constexpr int stillFramesPerSecond = 10;

} // namespace

ByteStreamSource::ByteStreamSource(QString description, qsizetype maxBufferedBytes,
                                   Container container)
    : m_description(std::move(description)), m_maxBufferedBytes(maxBufferedBytes),
      m_container(container)
{
    // Not dropped under load: the decoder waits instead, bytes pile up in the bounded buffer,
    // and a publisher that outruns the encoders is refused there (append() fails).
    m_info.isLive = false;
    m_info.description = m_description;
}

ByteStreamSource::~ByteStreamSource()
{
    // The demuxer reads through m_io: close it first.
    m_decoder.reset();
}

const QByteArray &ByteStreamSource::ebmlMagic()
{
    static const QByteArray magic = QByteArray::fromHex("1a45dfa3");
    return magic;
}

bool ByteStreamSource::startsWithEbmlHeader(const QByteArray &chunk)
{
    return chunk.startsWith(ebmlMagic());
}

bool ByteStreamSource::startsWithFlvHeader(const QByteArray &chunk)
{
    return chunk.startsWith("FLV");
}

bool ByteStreamSource::append(const QByteArray &chunk, QString *error)
{
    std::lock_guard lock(m_mutex);
    if (m_isInputFinished || m_isInterrupted) {
        *error = QStringLiteral("the stream has ended");
        return false;
    }
    // Browsers may split even the four bytes of a new recording's EBML header over chunks (a
    // one-byte first chunk happens): bytes that could be the start of one wait for the next
    // chunk, so that a restart is recognised at its first byte.
    const bool isWebM = m_container == Container::WebM;
    QByteArray bytes = m_heldPrefix + chunk;
    m_heldPrefix.clear();
    if (bytes.isEmpty())
        return true;
    if (isWebM && bytes.size() < 4 && ebmlMagic().startsWith(bytes)) {
        m_heldPrefix = bytes;
        return true;
    }
    if (isWebM && m_chunksReceived == 0 && !startsWithEbmlHeader(bytes)) {
        *error = QStringLiteral("not a WebM recording: the first chunk must start with its EBML "
                                "header (1A 45 DF A3)");
        return false;
    }
    if (!isWebM && m_chunksReceived == 0 && !startsWithFlvHeader(bytes)) {
        *error = QStringLiteral("not an FLV stream: the first chunk must start with \"FLV\"");
        return false;
    }
    if (m_bytesBuffered + bytes.size() > m_maxBufferedBytes) {
        *error = QStringLiteral("ingest buffer full (%1 bytes waiting): data arrives faster than "
                                "it can be encoded")
                     .arg(m_bytesBuffered);
        return false;
    }
    Chunk entry;
    entry.isRestart =
        m_chunksReceived > 0 && (isWebM ? startsWithEbmlHeader(bytes) : startsWithFlvHeader(bytes));
    entry.bytes = std::move(bytes);
    entry.receivedWallMs = QDateTime::currentMSecsSinceEpoch();
    m_bytesBuffered += entry.bytes.size();
    m_bytesReceived += entry.bytes.size();
    m_chunks.push_back(std::move(entry));
    ++m_chunksReceived;
    m_hasData.notify_all();
    return true;
}

void ByteStreamSource::finishInput()
{
    std::lock_guard lock(m_mutex);
    if (!m_heldPrefix.isEmpty() && m_chunksReceived > 0) {
        // A few trailing bytes that were not a header after all.
        m_bytesBuffered += m_heldPrefix.size();
        m_bytesReceived += m_heldPrefix.size();
        m_chunks.push_back(Chunk{std::exchange(m_heldPrefix, {}), 0, false,
                                 QDateTime::currentMSecsSinceEpoch()});
    }
    m_isInputFinished = true;
    m_hasData.notify_all();
}

void ByteStreamSource::interrupt()
{
    std::lock_guard lock(m_mutex);
    m_isInterrupted = true;
    m_hasData.notify_all();
}

qint64 ByteStreamSource::bytesReceived() const
{
    std::lock_guard lock(m_mutex);
    return m_bytesReceived;
}

qsizetype ByteStreamSource::bytesBuffered() const
{
    std::lock_guard lock(m_mutex);
    return m_bytesBuffered;
}

int ByteStreamSource::restartCount() const
{
    std::lock_guard lock(m_mutex);
    return m_restartCount;
}

int ByteStreamSource::readPacket(void *opaque, uint8_t *buffer, int size)
{
    return static_cast<ByteStreamSource *>(opaque)->read(buffer, size);
}

int ByteStreamSource::read(uint8_t *buffer, int size)
{
    std::unique_lock lock(m_mutex);
    const auto isReady = [&] { return m_isInterrupted || m_isInputFinished || !m_chunks.empty(); };
    if (m_isOpening) {
        // A recording that cannot be opened within this much data or time is not one we can
        // play (damaged or not WebM at all): fail rather than wait for the idle timeout.
        if (m_bytesReadWhileOpening > maxOpeningBytes
            || !m_hasData.wait_until(lock, m_openingDeadline, isReady))
            return AVERROR_INVALIDDATA;
    } else {
        m_hasData.wait(lock, isReady);
    }
    if (m_isInterrupted)
        return AVERROR_EXIT;
    if (m_chunks.empty())
        return AVERROR_EOF;
    Chunk &chunk = m_chunks.front();
    // A new recording begins: the current demuxer's input ends here (a restart chunk larger than
    // one read is taken by the new demuxer in several reads).
    if (chunk.isRestart && chunk.offset == 0 && m_hasReadSinceOpen)
        return AVERROR_EOF;
    if (!m_hasReadSinceOpen) {
        m_sessionWallMs = chunk.receivedWallMs;
        if (m_isOpening)
            m_openingDeadline = std::chrono::steady_clock::now() + maxOpeningTime;
    }
    m_hasReadSinceOpen = true;
    const int count = int(std::min<qsizetype>(size, chunk.bytes.size() - chunk.offset));
    if (m_isOpening)
        m_bytesReadWhileOpening += count;
    std::memcpy(buffer, chunk.bytes.constData() + chunk.offset, size_t(count));
    chunk.offset += count;
    m_bytesBuffered -= count;
    if (chunk.offset == chunk.bytes.size())
        m_chunks.pop_front();
    return count;
}

bool ByteStreamSource::openDemuxer(QString *error)
{
    m_decoder.reset();
    m_io.reset();
    {
        std::lock_guard lock(m_mutex);
        m_hasReadSinceOpen = false;
    }
    AvMemoryPtr buffer(static_cast<unsigned char *>(av_malloc(avioBufferBytes)));
    if (buffer)
        m_io.reset(avio_alloc_context(buffer.get(), avioBufferBytes, 0, this,
                                      &ByteStreamSource::readPacket, nullptr, nullptr));
    if (!m_io) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    buffer.release(); // m_io owns it now
    m_io->seekable = 0;
    m_decoder = std::make_unique<DemuxDecoder>();
    {
        std::lock_guard lock(m_mutex);
        m_isOpening = true;
        m_bytesReadWhileOpening = 0;
        // Counted from the first byte, not from now: open() waits for the publisher's first
        // chunk as long as the stream lives.
        m_openingDeadline = std::chrono::steady_clock::time_point::max();
    }
    // FLV is named: its probe wants more bytes than the first messages of a publisher.
    const bool isOpen = m_container == Container::Flv
                            ? m_decoder->openAs("flv", m_description, m_io.get(), error)
                            : m_decoder->open(m_description, m_io.get(), error);
    std::lock_guard lock(m_mutex);
    m_isOpening = false;
    return isOpen;
}

bool ByteStreamSource::open(QString *error)
{
    if (!openDemuxer(error)) {
        std::lock_guard lock(m_mutex);
        if (m_isInterrupted || (m_isInputFinished && m_bytesReceived == 0))
            *error = QStringLiteral("%1 ended before any media arrived").arg(m_description);
        return false;
    }
    const DemuxDecoder::StreamFacts &facts = m_decoder->facts();
    m_info.hasVideo = true;
    m_info.hasAudio = facts.hasAudio;
    m_isAudioOnly = !facts.hasVideo;
    if (m_isAudioOnly) {
        m_info.width = stillWidth;
        m_info.height = stillHeight;
        m_info.framesPerSecond = stillFramesPerSecond;
        m_info.description = m_description + QStringLiteral(" (audio only)");
        return true;
    }
    m_info.width = facts.width;
    m_info.height = facts.height;
    m_info.framesPerSecond = facts.framesPerSecond;
    // An RTMP publisher's video may be copied as it came (--rtmp-passthrough). WebM is not
    // offered: a recorder restart would change the stream under a copied rung.
    if (m_container == Container::Flv) {
        std::shared_ptr<AVCodecParameters> parameters(avcodec_parameters_alloc(),
                                                      [](AVCodecParameters *unused) {
                                                          avcodec_parameters_free(&unused);
                                                      });
        if (parameters && avcodec_parameters_copy(parameters.get(), m_decoder->videoParameters()) >= 0)
            m_info.videoCodec = std::move(parameters);
    }
    return true;
}

bool ByteStreamSource::pushStillFramesUntil(qint64 untilUs, qint64 wallMs, FrameSink &sink)
{
    if (!m_stillPool)
        m_stillPool = std::make_unique<VideoFramePool>(AV_PIX_FMT_YUV420P, stillWidth, stillHeight);
    m_nextStillUs = std::max(m_nextStillUs, m_offsetUs);
    while (m_nextStillUs <= untilUs) {
        FramePtr still = m_stillPool->get();
        if (!still)
            return false;
        // Black in limited-range YUV.
        for (int plane = 0; plane < 3; ++plane) {
            const int rows = plane == 0 ? stillHeight : stillHeight / 2;
            std::memset(still->data[plane], plane == 0 ? 16 : 128,
                        size_t(still->linesize[plane]) * size_t(rows));
        }
        still->pts = m_nextStillUs;
        m_nextStillUs += 1000000 / stillFramesPerSecond;
        TimedFrame timed{std::move(still), wallMs};
        timed.isDiscontinuity = std::exchange(m_isNextVideoDiscontinuity, false);
        if (!sink.pushVideo(std::move(timed)))
            return false;
    }
    return true;
}

bool ByteStreamSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    const auto deliver = [&](FramePtr frame, bool isVideo) {
        const qint64 ptsUs = frame->pts + m_offsetUs;
        const qint64 wallMs = m_sessionWallMs + frame->pts / 1000;
        m_nextFreeUs = std::max(m_nextFreeUs, ptsUs + assumedFrameUs);
        if (isVideo) {
            frame->pts = ptsUs;
            TimedFrame timed{std::move(frame), wallMs};
            timed.isDiscontinuity = std::exchange(m_isNextVideoDiscontinuity, false);
            return sink.pushVideo(std::move(timed));
        }
        if (m_isAudioOnly && !pushStillFramesUntil(ptsUs, wallMs, sink))
            return false;
        frame->pts = av_rescale_q(ptsUs, AV_TIME_BASE_Q, AVRational{1, frame->sample_rate});
        return sink.pushAudio({std::move(frame), wallMs});
    };
    if (m_info.videoCodec && sink.wantsVideoPackets()) {
        m_decoder->setVideoPacketHandler([&](PacketPtr packet) {
            const qint64 wallMs = m_sessionWallMs + packet->dts / 1000;
            packet->pts += m_offsetUs;
            packet->dts += m_offsetUs;
            return sink.pushVideoPacket({std::move(packet), wallMs});
        });
    }
    while (true) {
        const DemuxDecoder::RunResult result = m_decoder->run(stopRequested, deliver, error);
        if (result == DemuxDecoder::RunResult::Failed) {
            std::lock_guard lock(m_mutex);
            if (m_isInterrupted) // AVERROR_EXIT from our own read: a stop, not a failure
                return true;
        }
        if (result != DemuxDecoder::RunResult::Ended)
            return result != DemuxDecoder::RunResult::Failed;
        {
            std::lock_guard lock(m_mutex);
            if (m_chunks.empty() || !m_chunks.front().isRestart)
                return true; // the input is over
            ++m_restartCount;
        }
        // The recorder restarted: a fresh demuxer for the new recording, timestamps continuing.
        m_offsetUs = m_nextFreeUs;
        if (!openDemuxer(error))
            return false;
        m_isAudioOnly = !m_decoder->facts().hasVideo;
        m_isNextVideoDiscontinuity = true;
    }
}

} // namespace afk::media
