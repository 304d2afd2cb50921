#include "PipelineWorker.h"

#include <QDebug>
#include <QDir>
#include <QSaveFile>
#include <chrono>

namespace afk::media {
namespace {

qint64 steadyNowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Transport-stream overhead over the elementary streams' bitrates, for the master playlist.
constexpr double peakOverhead = 1.10;
constexpr double averageOverhead = 1.05;

// A level older than this is stale (the source stopped sending sound): the meter shows silence.
constexpr qint64 audioLevelMaxAgeUs = 500000;

// The N this run's segment_N.ts files start at: one past the highest any earlier run of the
// stream's key left in its folder, in any rendition (or the folder itself, the one-rendition
// layout), so no URL ever names two different segments — caches keep segments for an hour.
qint64 nextSegmentNumber(const QString &streamDir)
{
    static const QString prefix = QStringLiteral("segment_");
    static const QString suffix = QStringLiteral(".ts");
    const QDir root(streamDir);
    QStringList folders{streamDir};
    for (const QString &name : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        folders << root.filePath(name);
    qint64 next = 0;
    for (const QString &folder : folders) {
        const QStringList names =
            QDir(folder).entryList(QStringList{prefix + u'*' + suffix}, QDir::Files);
        for (const QString &name : names) {
            bool isNumber = false;
            const qint64 number =
                QStringView(name).mid(prefix.size(), name.size() - prefix.size() - suffix.size())
                    .toLongLong(&isNumber);
            if (isNumber && number >= 0)
                next = std::max(next, number + 1);
        }
    }
    return next;
}

// Why the top rung is encoded although --rtmp-passthrough asks for a copy; empty: copy it. Only
// a source that offers its compressed video (RTMP) is considered.
QString passthroughRefusal(const PipelineConfig &config, const SourceInfo &source,
                           const QList<Rendition> &renditions, int framesPerSecond)
{
    if (!config.videoPassthrough || !source.videoCodec)
        return QStringLiteral("off");
    return VideoPassthrough::refusal(source, renditions.first(), framesPerSecond);
}

bool writeFileAtomically(const QString &path, const QByteArray &text)
{
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(text) == text.size() && file.commit())
        return true;
    qWarning("[media] cannot write %s: %s", qPrintable(path), qPrintable(file.errorString()));
    return false;
}

} // namespace

int PipelineWorker::inputQueueCapacity(bool isLive, int framesPerSecond)
{
    // Items are video frames and audio frames (up to 50 a second: Opus's 20 ms frames).
    // Live: two seconds, a jitter buffer for a ladder that falls briefly behind the clock (the
    // oldest video is dropped beyond it, so it never stalls the capture).
    // Not live (a file read as fast as it decodes): the decoder outruns the encoders, so this
    // queue is always full and each 720p frame in it is 1.4 MB; it only has to keep the ladder
    // thread from waiting for the decoder between two frames, which a few frames do.
    return isLive ? 2 * (framesPerSecond + 50) : 6;
}

PipelineWorker::PipelineWorker(const PipelineConfig &config, MediaSource &source,
                               const QList<Rendition> &renditions, int framesPerSecond,
                               Callbacks callbacks)
    : m_config(config), m_source(source), m_renditions(renditions),
      m_framesPerSecond(framesPerSecond), m_gopFrames(config.segmentSeconds * framesPerSecond),
      m_passthroughRefusal(passthroughRefusal(config, source.info(), renditions, framesPerSecond)),
      m_isPassthrough(m_passthroughRefusal.isEmpty()), m_callbacks(std::move(callbacks)),
      // A copied rung adds its compressed packets to the frames (two seconds of them).
      m_input(inputQueueCapacity(source.info().isLive, framesPerSecond) +
              (m_isPassthrough ? 2 * framesPerSecond : 0)),
      m_frameRateConverter(framesPerSecond, 1)
{
}

PipelineWorker::~PipelineWorker()
{
    requestStop();
    join();
}

bool PipelineWorker::open(QString *error)
{
    if (m_source.info().hasAudio) {
        m_audioEncoder = std::make_unique<AudioEncoder>();
        if (!m_audioEncoder->open(m_config.audioBitrateKbps, error))
            return false;
    }
    if (m_isPassthrough)
        qInfo().noquote() << QStringLiteral("[media] %1: the %2 rung copies the publisher's H.264 "
                                            "(--rtmp-passthrough); the others are encoded")
                                 .arg(m_source.info().description, m_renditions.first().name);
    else if (m_passthroughRefusal != QStringLiteral("off"))
        qWarning().noquote() << QStringLiteral("[media] %1: no passthrough, the %2 rung is encoded: %3")
                                    .arg(m_source.info().description, m_renditions.first().name,
                                         m_passthroughRefusal);
    const QString outputDir = QDir::cleanPath(m_config.outputDir);
    // Read here, on the pipeline's launcher thread: the folder may hold many segments.
    const qint64 firstSequence = nextSegmentNumber(outputDir);
    for (int index = 0; index < m_renditions.size(); ++index) {
        const Rendition &rendition = m_renditions[index];
        VideoEncoderSettings settings;
        settings.framesPerSecond = m_framesPerSecond;
        // Beside a copied rung, keyframes come only where the ladder asks (the publisher's).
        settings.gopFrames = m_isPassthrough ? 0 : m_gopFrames;
        settings.preset = m_config.x264Preset;
        // The largest encoded rung (the second beside a copied one) gets the second thread.
        const int largestEncoded = m_isPassthrough ? 1 : 0;
        settings.threadCount = m_config.x264Threads > 0 ? m_config.x264Threads
                                                        : (index == largestEncoded ? 2 : 1);
        HlsPackagerSettings packaging;
        packaging.directory = outputDir + u'/' + rendition.name;
        packaging.livePlaylistPaths << packaging.directory + QStringLiteral("/index.m3u8");
        if (index == 0)
            packaging.livePlaylistPaths << outputDir + QStringLiteral("/stream.m3u8");
        packaging.recordingPlaylistPath = packaging.directory + QStringLiteral("/recording.m3u8");
        packaging.segmentSeconds = m_config.segmentSeconds;
        packaging.liveWindowSeconds = m_config.liveWindowSeconds;
        packaging.firstSequence = firstSequence;
        packaging.mediaIndex = m_config.mediaIndex;
        if (index == 0)
            packaging.segmentAliasFolders << outputDir; // stream.m3u8 names segment_N.ts there
        auto worker = std::make_unique<RenditionWorker>(
            rendition, settings, std::move(packaging),
            RenditionWorker::queueCapacity(m_source.info().isLive));
        worker->onSegmentCompleted = [this, index](const CompletedSegment &segment,
                                                   const QString &videoCodecString) {
            onSegmentCompleted(index, segment, videoCodecString);
        };
        if (index == 0 && m_isPassthrough)
            worker->setPassthrough(*m_source.info().videoCodec);
        if (m_config.packetSinks) {
            for (auto &sink : m_config.packetSinks(rendition, index))
                worker->addPacketSink(std::move(sink));
        }
        if (!worker->open(m_audioEncoder ? m_audioEncoder->context() : nullptr, error))
            return false;
        m_workers.push_back(std::move(worker));
        m_scalers.emplace_back(rendition.width, rendition.height, m_config.scaleFilter);
    }
    m_segmentsPerRendition.assign(m_renditions.size(), 0);
    m_codecStrings.assign(m_renditions.size(), QString());
    return true;
}

void PipelineWorker::start()
{
    m_isRunning = true;
    for (auto &worker : m_workers)
        worker->start();
    m_ladderThread = std::thread([this] { runLadder(); });
    m_sourceThread = std::thread([this] { runSource(); });
}

void PipelineWorker::join()
{
    if (m_sourceThread.joinable())
        m_sourceThread.join();
    if (m_ladderThread.joinable())
        m_ladderThread.join();
}

bool PipelineWorker::pushVideo(TimedFrame frame)
{
    ++m_videoFramesIn;
    InputItem item{std::move(frame), true, {}};
    if (m_source.info().isLive) {
        // Live: never fall behind the clock. Drop the oldest queued video frame (raw frames are
        // never keyframes — those are chosen later by slot) rather than stall the capture;
        // audio is never dropped.
        // Beside a copied rung the source's keyframes are the segment boundaries: never dropped.
        return m_input.pushDroppingOldest(std::move(item), [this](const InputItem &queued) {
            return queued.isVideo && !queued.timed.isDiscontinuity
                   && !(m_isPassthrough && queued.timed.frame->key_frame);
        });
    }
    return m_input.push(std::move(item));
}

bool PipelineWorker::pushVideoPacket(TimedPacket packet)
{
    // Never dropped: a copied stream with a hole would not decode until the next keyframe.
    InputItem item;
    item.copied = std::move(packet);
    return m_input.push(std::move(item));
}

bool PipelineWorker::pushAudio(TimedFrame frame)
{
    ++m_audioFramesIn;
    return m_input.push(InputItem{std::move(frame), false, {}});
}

void PipelineWorker::runSource()
{
    QString error;
    if (!m_source.run(*this, m_isStopRequested, &error))
        m_sourceError = error.isEmpty() ? QStringLiteral("the source failed") : error;
    m_input.close();
}

void PipelineWorker::runLadder()
{
    QString error;
    while (std::optional<InputItem> item = m_input.pop()) {
        if (item->copied.packet) {
            handleCopiedPacket(item->copied);
            continue;
        }
        const bool isOk = item->isVideo ? handleVideo(item->timed, &error)
                                        : handleAudio(*item->timed.frame, &error);
        if (!isOk) {
            // Stop the source but keep draining, so it never blocks on a full queue.
            requestStop();
            while (m_input.pop()) {
            }
            break;
        }
    }
    if (error.isEmpty() && m_audioEncoder) {
        std::vector<PacketPtr> packets;
        if (m_audioEncoder->flush(&packets, &error))
            distributeAudio(packets);
    }
    for (auto &worker : m_workers)
        worker->finishInput();
    for (auto &worker : m_workers) {
        worker->join();
        if (error.isEmpty())
            error = worker->error();
    }
    if (m_sourceThread.joinable())
        m_sourceThread.join();
    if (error.isEmpty())
        error = m_sourceError;
    {
        std::lock_guard lock(m_segmentMutex);
        if (!m_isMasterWritten && m_segmentsAnnounced == 0
            && std::any_of(m_codecStrings.begin(), m_codecStrings.end(),
                           [](const QString &codec) { return !codec.isEmpty(); }))
            writeMasterPlaylist();
    }
    m_isRunning = false;
    if (m_callbacks.finished)
        m_callbacks.finished(error);
}

bool PipelineWorker::handleVideo(TimedFrame &timed, QString *error)
{
    updateRates();
    if (m_preview)
        m_preview->offer(*timed.frame, steadyNowUs());
    FrameRateConverter::Placement placement = m_frameRateConverter.place(timed.frame->pts);
    if (m_isPassthrough && m_lastForcedKeySlot == AV_NOPTS_VALUE && placement.slotCount > 1) {
        // The first picture starts where the copied rung starts (its first keyframe's slot),
        // not earlier on repeats of itself: every rung's first segment begins on one frame.
        placement.firstSlot += placement.slotCount - 1;
        placement.slotCount = 1;
    }
    if (placement.slotCount == 0) {
        ++m_videoFramesLate;
        return true;
    }
    // Decode once, scale each rung straight from the source: a cascade (each rung made from the
    // one above) adds each step's error for under 1 ms a frame (see ScaleFilter.h).
    // A copied top rung needs no picture of its own.
    const size_t firstEncoded = m_isPassthrough ? 1 : 0;
    std::vector<FramePtr> scaled(firstEncoded);
    scaled.reserve(m_scalers.size());
    for (size_t index = firstEncoded; index < m_scalers.size(); ++index) {
        FramePtr output = m_scalers[index].scale(*timed.frame, error);
        if (!output)
            return false;
        scaled.push_back(std::move(output));
    }
    // A restarted source begins a new segment (and GOP) at once, in every rendition alike.
    if (timed.isDiscontinuity)
        m_gopPhase = placement.firstSlot;
    const qint64 copiedKeySlot =
        m_isPassthrough ? passthroughKeyframeSlot(*timed.frame, placement) : -1;
    for (int slotIndex = 0; slotIndex < placement.slotCount; ++slotIndex) {
        const qint64 slot = placement.firstSlot + slotIndex;
        const bool isDiscontinuity = timed.isDiscontinuity && slotIndex == 0;
        const bool isKeyframe =
            m_isPassthrough ? slot == copiedKeySlot : (slot - m_gopPhase) % m_gopFrames == 0;
        for (size_t index = firstEncoded; index < m_workers.size(); ++index) {
            FramePtr frame = cloneFrame(*scaled[index]);
            frame->pts = slot;
            frame->pict_type = isKeyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
            m_workers[index]->pushVideo(std::move(frame), timed.captureWallMs, isDiscontinuity);
        }
    }
    m_videoFramesOut += placement.slotCount;
    m_videoFramesDuplicated += placement.duplicateCount();
    return true;
}

qint64 PipelineWorker::passthroughKeyframeSlot(const AVFrame &frame,
                                               const FrameRateConverter::Placement &placement)
{
    // The frame's own slot is the last it fills (the earlier ones repeat it over a gap), and the
    // slot its packet was copied at. The encoders open every stream with a keyframe anyway.
    const qint64 ownSlot = placement.firstSlot + placement.slotCount - 1;
    if (m_lastForcedKeySlot == AV_NOPTS_VALUE) {
        m_lastForcedKeySlot = ownSlot;
        return ownSlot;
    }
    // The packagers' rule: a keyframe a segment after the segment's start cuts it. Only those
    // publisher keyframes become keyframes here, so every rung cuts on the same frames.
    if (!frame.key_frame || ownSlot - m_lastForcedKeySlot < m_gopFrames)
        return -1;
    m_lastForcedKeySlot = ownSlot;
    return ownSlot;
}

void PipelineWorker::handleCopiedPacket(TimedPacket &copied)
{
    AVPacket &packet = *copied.packet;
    const bool isKeyframe = packet.flags & AV_PKT_FLAG_KEY;
    if (!m_hasCopiedKeyframe && !isKeyframe)
        return; // the first segment must start on a keyframe
    m_hasCopiedKeyframe = true;
    // On the slot grid of the encoded rungs (the frame rate matched), so a keyframe lands on the
    // slot its decoded frame takes there.
    qint64 dts = m_frameRateConverter.gridSlotOf(packet.dts);
    qint64 pts = m_frameRateConverter.gridSlotOf(packet.pts);
    // Jittered timestamps must never give two packets one decode time.
    if (m_lastCopiedDts != AV_NOPTS_VALUE && dts <= m_lastCopiedDts)
        dts = m_lastCopiedDts + 1;
    m_lastCopiedDts = dts;
    packet.dts = dts;
    packet.pts = std::max(pts, dts);
    packet.duration = 1;
    packet.time_base = AVRational{1, m_framesPerSecond};
    if (isKeyframe)
        noteCopiedKeyframe(packet.pts);
    m_workers.front()->pushVideoPacket(std::move(copied.packet), copied.captureWallMs);
}

void PipelineWorker::noteCopiedKeyframe(qint64 slot)
{
    const qint64 previous = std::exchange(m_lastCopiedKeySlot, slot);
    if (previous == AV_NOPTS_VALUE || m_isGopWarned)
        return;
    const qint64 interval = slot - previous;
    // Keyframes that divide the segment length end every segment on time; others stretch them.
    if (interval > 0 && m_gopFrames % interval == 0)
        return;
    m_isGopWarned = true;
    qWarning().noquote()
        << QStringLiteral("[media] %1: the publisher's keyframes come every %2 s, which does not "
                          "divide the %3 s segments: every rung's segments are cut on its "
                          "keyframes and run longer. Set the encoder's keyframe interval to %3 s "
                          "(OBS: Output → Keyframe Interval).")
               .arg(m_source.info().description)
               .arg(double(interval) / m_framesPerSecond, 0, 'f', 2)
               .arg(m_config.segmentSeconds);
}

bool PipelineWorker::handleAudio(const AVFrame &frame, QString *error)
{
    if (!m_audioEncoder)
        return true;
    // For the level meter: one pass over a frame of ~1024 samples, next to its AAC encoding.
    if (AudioLevel level; measureAudioLevel(frame, &level)) {
        m_audioPeakDbfs = level.peakDbfs;
        m_audioRmsDbfs = level.rmsDbfs;
        m_audioLevelAtUs = steadyNowUs();
    }
    std::vector<PacketPtr> packets;
    if (!m_audioEncoder->encode(frame, &packets, error))
        return false;
    distributeAudio(packets);
    return true;
}

void PipelineWorker::distributeAudio(std::vector<PacketPtr> &packets)
{
    // Audio is encoded once; every rendition muxes a reference to the same packet data.
    for (PacketPtr &packet : packets)
        for (size_t index = 0; index < m_workers.size(); ++index)
            m_workers[index]->pushAudio(index + 1 == m_workers.size() ? std::move(packet)
                                                                     : clonePacket(*packet));
}

void PipelineWorker::updateRates()
{
    const qint64 nowUs = steadyNowUs();
    if (m_rateWindowStartUs == 0) {
        m_rateWindowStartUs = nowUs;
        return;
    }
    const qint64 elapsedUs = nowUs - m_rateWindowStartUs;
    if (elapsedUs < 1000000)
        return;
    const double seconds = elapsedUs / 1e6;
    const double outputFps = (m_videoFramesOut - m_rateWindowFramesOut) / seconds;
    m_inputFps = (m_videoFramesIn - m_rateWindowFramesIn) / seconds;
    m_outputFps = outputFps;
    m_encoderSpeed = outputFps / m_framesPerSecond;
    m_rateWindowStartUs = nowUs;
    m_rateWindowFramesIn = m_videoFramesIn;
    m_rateWindowFramesOut = m_videoFramesOut;
}

void PipelineWorker::onSegmentCompleted(int renditionIndex, const CompletedSegment &segment,
                                        const QString &videoCodecString)
{
    qint64 announce = 0;
    {
        std::lock_guard lock(m_segmentMutex);
        ++m_segmentsPerRendition[renditionIndex];
        m_codecStrings[renditionIndex] = videoCodecString;
        if (renditionIndex == 0 && m_isPassthrough && segment.durationSeconds > 0) {
            m_copiedBytes += segment.bytes;
            m_copiedSeconds += segment.durationSeconds;
            m_copiedPeakBitsPerSecond =
                std::max(m_copiedPeakBitsPerSecond,
                         qint64(segment.bytes * 8 / segment.durationSeconds));
            // The publisher's bitrate is only known as it comes: a master that understates the
            // peak by much is written again (for players that load it from now on).
            if (m_isMasterWritten && m_copiedPeakBitsPerSecond > m_advertisedCopiedPeak * 11 / 10)
                writeMasterPlaylist();
        }
        const qint64 everywhere = *std::min_element(m_segmentsPerRendition.begin(),
                                                    m_segmentsPerRendition.end());
        if (everywhere <= m_segmentsAnnounced)
            return;
        m_segmentsAnnounced = everywhere;
        if (!m_isMasterWritten)
            writeMasterPlaylist();
        announce = everywhere;
    }
    if (m_callbacks.segmentCompleted)
        m_callbacks.segmentCompleted(announce);
}

void PipelineWorker::writeMasterPlaylist()
{
    // The same renditions twice: live (their sliding playlists) and the recording.
    QList<MasterVariant> variants;
    const QString audioCodec = m_audioEncoder ? QStringLiteral("mp4a.40.2") : QString();
    const int audioKbps = m_audioEncoder ? m_config.audioBitrateKbps : 0;
    for (int index = 0; index < m_renditions.size(); ++index) {
        const Rendition &rendition = m_renditions[index];
        MasterVariant variant;
        variant.uri = rendition.name + QStringLiteral("/index.m3u8");
        variant.width = rendition.width;
        variant.height = rendition.height;
        variant.framesPerSecond = m_framesPerSecond;
        variant.peakBitsPerSecond = qint64((rendition.maxBitrateKbps + audioKbps) * 1000 * peakOverhead);
        variant.averageBitsPerSecond =
            qint64((rendition.videoBitrateKbps + audioKbps) * 1000 * averageOverhead);
        QStringList codecs;
        if (!m_codecStrings[index].isEmpty())
            codecs << m_codecStrings[index];
        if (!audioCodec.isEmpty())
            codecs << audioCodec;
        variant.codecs = codecs.join(u',');
        if (index == 0 && m_isPassthrough && m_copiedSeconds > 0) {
            // Measured on the segments themselves: audio and TS overhead are in it.
            variant.peakBitsPerSecond = m_copiedPeakBitsPerSecond;
            variant.averageBitsPerSecond = qint64(m_copiedBytes * 8 / m_copiedSeconds);
            m_advertisedCopiedPeak = m_copiedPeakBitsPerSecond;
        }
        variants << variant;
    }
    const QString outputDir = QDir::cleanPath(m_config.outputDir);
    if (!writeFileAtomically(outputDir + QStringLiteral("/master.m3u8"),
                             masterPlaylistText(variants)))
        return;
    for (int index = 0; index < variants.size(); ++index)
        variants[index].uri = m_renditions[index].name + QStringLiteral("/recording.m3u8");
    m_isMasterWritten = writeFileAtomically(outputDir + QStringLiteral("/recording.m3u8"),
                                            masterPlaylistText(variants));
}

QByteArray PipelineWorker::topLivePlaylist() const
{
    return m_workers.empty() ? QByteArray() : m_workers.front()->livePlaylist();
}

PipelineStats PipelineWorker::stats() const
{
    PipelineStats stats;
    stats.isRunning = m_isRunning;
    stats.inputFps = m_inputFps;
    stats.outputFps = m_outputFps;
    stats.encoderSpeed = m_encoderSpeed;
    stats.mediaSeconds = double(m_videoFramesOut) / m_framesPerSecond;
    stats.videoFramesIn = m_videoFramesIn;
    stats.audioFramesIn = m_audioFramesIn;
    stats.videoFramesDropped = m_input.droppedCount();
    stats.videoFramesDuplicated = m_videoFramesDuplicated;
    stats.videoFramesLate = m_videoFramesLate;
    stats.inputQueueDepth = m_input.size();
    stats.inputQueueCapacity = m_input.capacity();
    stats.hasAudio = m_audioEncoder != nullptr;
    if (stats.hasAudio && steadyNowUs() - m_audioLevelAtUs < audioLevelMaxAgeUs) {
        stats.audioPeakDbfs = m_audioPeakDbfs;
        stats.audioRmsDbfs = m_audioRmsDbfs;
    }
    for (const auto &worker : m_workers) {
        stats.encoderQueueDepth = std::max(stats.encoderQueueDepth, worker->queueDepth());
        stats.encoderQueueCapacity = worker->queueCapacity();
        stats.renditions << worker->stats();
    }
    {
        std::lock_guard lock(m_segmentMutex);
        stats.segmentsProduced = m_segmentsAnnounced;
    }
    return stats;
}

} // namespace afk::media
