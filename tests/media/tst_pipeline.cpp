// The whole pipeline in-process on a short, unpaced test pattern: files, playlists, master,
// segment announcements, stats, and a clean end with #EXT-X-ENDLIST.
#include "FileSource.h"
#include "LowLatencyPresentation.h"
#include "MediaIndex.h"
#include "Pipeline.h"
#include "PipelineWorker.h"
#include "TestPatternSource.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <condition_variable>
#include <cstring>
#include <mutex>

extern "C" {
#include <libavutil/imgutils.h>
}

using namespace afk::media;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

PipelineConfig configFor(const QString &outputDir, const QString &ladder)
{
    PipelineConfig config;
    QString error;
    config.ladder = parseLadder(ladder, &error);
    config.segmentSeconds = 2;
    config.outputDir = outputDir;
    config.x264Preset = QStringLiteral("ultrafast");
    return config;
}

} // namespace

class TestPipeline : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { av_log_set_level(AV_LOG_ERROR); }
    void encodesLadderToEndedPlaylists();
    void stopEndsPlaylistsEarly();
    void publishesToTheMediaIndex();
    void publishesListedLowLatencyPartsOnly();
    void reusedFolderContinuesSegmentNumbers();
    void refusesBadSegmentDuration();
    void unreadableFileEndsWithError();
    void resolutionChangeMidStreamKeepsRenditionSizes();
    void stopWhileSourceWaitsEndsCleanly();
    void fastSourceHoldsFewFramesInFlight();
};

void TestPipeline::encodesLadderToEndedPlaylists()
{
    QTemporaryDir dir;
    // 5 s at 480x270: segments of 2 s, 2 s and 1 s; 360p is above the source and skipped.
    Pipeline pipeline(configFor(dir.path(), QStringLiteral("720p,360p,240p")),
                      std::make_unique<TestPatternSource>(480, 270, 30, false, 5));
    QSignalSpy started(&pipeline, &Pipeline::started);
    QSignalSpy segments(&pipeline, &Pipeline::segmentCompleted);
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY2(pipeline.start(&error), qPrintable(error));
    QVERIFY(pipeline.isRunning());
    QVERIFY(started.wait(20000));
    QCOMPARE(pipeline.renditions().size(), 1);
    QCOMPARE(pipeline.renditions()[0].name, QStringLiteral("240p"));
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toString(), QString());
    QCOMPARE(segments.size(), 3);
    QCOMPARE(segments.last().first().toLongLong(), 3);

    const QByteArray media = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QCOMPARE(media.count("#EXTINF:"), 3);
    QVERIFY(media.contains("#EXTINF:2.000,\nsegment_0.ts\n"));
    QVERIFY(media.contains("#EXTINF:2.000,\nsegment_1.ts\n"));
    QVERIFY(media.contains("#EXTINF:1.000,\nsegment_2.ts\n"));
    QVERIFY(media.endsWith("#EXT-X-ENDLIST\n"));
    QCOMPARE(media.count("#EXT-X-PROGRAM-DATE-TIME:"), 3);
    QCOMPARE(readAll(dir.path() + QStringLiteral("/stream.m3u8")), media);
    for (int index = 0; index < 3; ++index) {
        const QString segment = dir.path() + QStringLiteral("/240p/segment_%1.ts").arg(index);
        const QByteArray bytes = readAll(segment);
        QVERIFY2(bytes.size() > 188 && bytes.size() % 188 == 0, qPrintable(segment));
        QCOMPARE(bytes[0], char(0x47)); // MPEG-TS sync byte
    }
    QVERIFY(QDir(dir.path() + QStringLiteral("/240p"))
                .entryList(QStringList{QStringLiteral(".*partial")}, QDir::Files | QDir::Hidden)
                .isEmpty());

    const QByteArray master = readAll(dir.path() + QStringLiteral("/master.m3u8"));
    QCOMPARE(master.count("#EXT-X-STREAM-INF:"), 1);
    QVERIFY(master.contains("RESOLUTION=426x240"));
    QVERIFY(master.contains("CODECS=\"avc1."));
    QVERIFY(master.contains(",mp4a.40.2\""));
    QVERIFY(master.contains("240p/index.m3u8\n"));

    const PipelineStats stats = pipeline.stats();
    QVERIFY(!stats.isRunning);
    QCOMPARE(stats.segmentsProduced, 3);
    QCOMPARE(stats.videoFramesIn, 150);
    QCOMPARE(stats.videoFramesDropped, 0);
    QCOMPARE(stats.renditions.size(), 1);
    QCOMPARE(stats.renditions[0].framesEncoded, 150);
    QCOMPARE(stats.renditions[0].segmentsWritten, 3);
}

void TestPipeline::stopEndsPlaylistsEarly()
{
    QTemporaryDir dir;
    // A live (paced) pattern stopped after its first segment.
    Pipeline pipeline(configFor(dir.path(), QStringLiteral("240p")),
                      std::make_unique<TestPatternSource>(320, 240, 30, true, 0));
    QSignalSpy segments(&pipeline, &Pipeline::segmentCompleted);
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY2(pipeline.start(&error), qPrintable(error));
    QVERIFY(segments.wait(20000));
    pipeline.stop();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().first().toString(), QString());
    const QByteArray media = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QVERIFY(media.endsWith("#EXT-X-ENDLIST\n"));
    QVERIFY(media.count("#EXTINF:") >= 1);
}

void TestPipeline::publishesToTheMediaIndex()
{
    QTemporaryDir dir;
    auto index = std::make_shared<MediaIndex>();
    {
        PipelineConfig config = configFor(dir.path(), QStringLiteral("240p"));
        config.mediaIndex = index;
        Pipeline pipeline(config, std::make_unique<TestPatternSource>(320, 240, 30, true, 0));
        QSignalSpy segments(&pipeline, &Pipeline::segmentCompleted);
        QSignalSpy finished(&pipeline, &Pipeline::finished);
        QString error;
        QVERIFY2(pipeline.start(&error), qPrintable(error));
        QVERIFY(segments.wait(20000));
        // The finished segment, at its path and at the root (stream.m3u8 names it there), is the
        // file's bytes; the live playlists are the files' current versions.
        const QByteArray onDisk = readAll(dir.path() + QStringLiteral("/240p/segment_0.ts"));
        QVERIFY(onDisk.size() > 188);
        const auto segment = index->find(dir.path() + QStringLiteral("/240p/segment_0.ts"));
        QVERIFY(segment);
        QCOMPARE(segment->bytes, onDisk);
        QCOMPARE(segment->etag, MediaIndex::entityTagOf(onDisk));
        const auto alias = index->find(dir.path() + QStringLiteral("/segment_0.ts"));
        QVERIFY(alias);
        QCOMPARE(alias->bytes.constData(), segment->bytes.constData()); // one buffer
        QTRY_COMPARE(index->find(dir.path() + QStringLiteral("/240p/index.m3u8"))->bytes,
                     readAll(dir.path() + QStringLiteral("/240p/index.m3u8")));
        QTRY_COMPARE(index->find(dir.path() + QStringLiteral("/stream.m3u8"))->bytes,
                     readAll(dir.path() + QStringLiteral("/stream.m3u8")));
        QVERIFY(!index->find(dir.path() + QStringLiteral("/240p/recording.m3u8"))); // from disk
        pipeline.stop();
        QVERIFY(finished.wait(10000));
    }
    // The pipeline is gone: the files on disk answer from now on.
    QCOMPARE(index->entryCount(), 0);
    QCOMPARE(index->segmentBytes(), qint64(0));
}

void TestPipeline::publishesListedLowLatencyPartsOnly()
{
    QTemporaryDir dir;
    auto index = std::make_shared<MediaIndex>();
    LowLatencySettings lowLatency;
    lowLatency.directory = dir.path() + QStringLiteral("/ll");
    lowLatency.partSeconds = 0.333; // 10 frames: 3 parts a segment
    lowLatency.segmentSeconds = 1;
    lowLatency.mediaIndex = index;
    auto presentation = std::make_shared<LowLatencyPresentation>(lowLatency);
    PipelineConfig config = configFor(dir.path(), QStringLiteral("240p"));
    config.segmentSeconds = 1;
    config.mediaIndex = index;
    config.packetSinks = presentation->sinkFactory({});
    const QString rung = lowLatency.directory + QStringLiteral("/240p/");
    {
        Pipeline pipeline(config, std::make_unique<TestPatternSource>(320, 240, 30, true, 0));
        QSignalSpy finished(&pipeline, &Pipeline::finished);
        QString error;
        QVERIFY2(pipeline.start(&error), qPrintable(error));
        // LL segments are numbered from 1. Once the 4th is complete, the playlists list the
        // parts of the 3rd, the 4th and the 5th (in progress).
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(rung + QStringLiteral("seg_4.m4s")), 20000);
        const auto listedPart = index->find(rung + QStringLiteral("part_4_0.m4s"));
        QVERIFY(listedPart);
        QCOMPARE(listedPart->bytes, readAll(rung + QStringLiteral("part_4_0.m4s")));
        QVERIFY(index->find(rung + QStringLiteral("init.mp4")));
        // Parts no playlist lists any more are read from disk, where they stay a while.
        QVERIFY(!index->find(rung + QStringLiteral("part_1_0.m4s")));
        QVERIFY(QFile::exists(rung + QStringLiteral("part_1_0.m4s")));
        // A whole segment is its parts again: only on disk.
        for (int sequence = 1; sequence <= 4; ++sequence)
            QVERIFY(!index->find(rung + QStringLiteral("seg_%1.m4s").arg(sequence)));
        QCOMPARE(readAll(rung + QStringLiteral("seg_4.m4s")),
                 readAll(rung + QStringLiteral("part_4_0.m4s"))
                     + readAll(rung + QStringLiteral("part_4_1.m4s"))
                     + readAll(rung + QStringLiteral("part_4_2.m4s")));
        pipeline.stop();
        QVERIFY(finished.wait(10000));
    }
    presentation.reset();
    QCOMPARE(index->segmentBytes(), qint64(0));
}

void TestPipeline::reusedFolderContinuesSegmentNumbers()
{
    QTemporaryDir dir;
    const auto runOnce = [&] {
        // 5 s: segments of 2 s, 2 s and 1 s.
        Pipeline pipeline(configFor(dir.path(), QStringLiteral("240p")),
                          std::make_unique<TestPatternSource>(480, 270, 30, false, 5));
        QSignalSpy finished(&pipeline, &Pipeline::finished);
        QString error;
        QVERIFY2(pipeline.start(&error), qPrintable(error));
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().first().toString(), QString());
    };
    runOnce();
    const QString rung = dir.path() + QStringLiteral("/240p");
    QList<QByteArray> firstRunSegments;
    for (int index = 0; index < 3; ++index)
        firstRunSegments << readAll(rung + QStringLiteral("/segment_%1.ts").arg(index));
    QVERIFY(readAll(rung + QStringLiteral("/recording.m3u8"))
                .endsWith("segment_2.ts\n#EXT-X-ENDLIST\n"));

    runOnce();
    // The second run numbers on (3, 4, 5) and never touches the first run's files.
    for (int index = 0; index < 3; ++index)
        QCOMPARE(readAll(rung + QStringLiteral("/segment_%1.ts").arg(index)),
                 firstRunSegments[index]);
    const QByteArray live = readAll(rung + QStringLiteral("/index.m3u8"));
    QVERIFY(live.contains("#EXT-X-MEDIA-SEQUENCE:3\n"));
    QVERIFY(!live.contains("#EXT-X-DISCONTINUITY\n"));
    QVERIFY(live.contains("segment_3.ts\n") && live.contains("segment_5.ts\n#EXT-X-ENDLIST\n"));
    QVERIFY(!live.contains("segment_2.ts"));
    QCOMPARE(readAll(dir.path() + QStringLiteral("/stream.m3u8")), live);

    const QByteArray recording = readAll(rung + QStringLiteral("/recording.m3u8"));
    QVERIFY(recording.contains("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n"));
    QCOMPARE(recording.count("#EXTINF:"), 6);
    QCOMPARE(recording.count("#EXT-X-DISCONTINUITY\n"), 1);
    QCOMPARE(recording.count("#EXT-X-ENDLIST\n"), 1);
    QVERIFY(recording.contains("segment_2.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:"));
    QVERIFY(recording.endsWith("segment_5.ts\n#EXT-X-ENDLIST\n"));

    const QByteArray master = readAll(dir.path() + QStringLiteral("/recording.m3u8"));
    QCOMPARE(master.count("#EXT-X-STREAM-INF:"), 1);
    QVERIFY(master.contains("RESOLUTION=426x240"));
    QVERIFY(master.endsWith("\n240p/recording.m3u8\n"));

    // A third run that never gets media: the earlier run's ended live playlists are not served
    // as its own, the recording and segments stay.
    QFile garbage(dir.path() + QStringLiteral("/garbage.webm"));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(4096, 'x'));
    garbage.close();
    Pipeline pipeline(configFor(dir.path(), QStringLiteral("240p")),
                      std::make_unique<FileSource>(garbage.fileName(), false));
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    QVERIFY(finished.wait(20000));
    for (const QString &name : {QStringLiteral("master.m3u8"), QStringLiteral("stream.m3u8"),
                                QStringLiteral("240p/index.m3u8")})
        QVERIFY2(!QFile::exists(dir.path() + u'/' + name), qPrintable(name));
    QCOMPARE(readAll(rung + QStringLiteral("/recording.m3u8")), recording);
    QVERIFY(QFile::exists(rung + QStringLiteral("/segment_5.ts")));
}

void TestPipeline::refusesBadSegmentDuration()
{
    QTemporaryDir dir;
    PipelineConfig config = configFor(dir.path(), QStringLiteral("240p"));
    config.segmentSeconds = 0;
    Pipeline pipeline(config, std::make_unique<TestPatternSource>(320, 240, 30, false, 1));
    QString error;
    QVERIFY(!pipeline.start(&error));
    QVERIFY(error.contains(QStringLiteral("segment")));
}

void TestPipeline::unreadableFileEndsWithError()
{
    QTemporaryDir dir;
    QFile garbage(dir.path() + QStringLiteral("/garbage.webm"));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(4096, 'x'));
    garbage.close();
    Pipeline pipeline(configFor(dir.path() + QStringLiteral("/out"), QStringLiteral("240p")),
                      std::make_unique<FileSource>(garbage.fileName(), false));
    QSignalSpy started(&pipeline, &Pipeline::started);
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    QVERIFY(finished.wait(20000));
    QVERIFY(started.isEmpty());
    const QString reason = finished.first().first().toString();
    QVERIFY2(reason.contains(QStringLiteral("garbage.webm")), qPrintable(reason));
    QVERIFY(!pipeline.isRunning());
}

namespace {
// A source that waits in open() until interrupted, like a network source before its first byte.
class WaitingSource : public MediaSource
{
public:
    bool open(QString *error) override
    {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [&] { return m_isInterrupted; });
        *error = QStringLiteral("interrupted");
        return false;
    }
    void interrupt() override
    {
        std::lock_guard lock(m_mutex);
        m_isInterrupted = true;
        m_wake.notify_all();
    }
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &, const std::atomic<bool> &, QString *) override { return true; }

private:
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_isInterrupted = false;
    SourceInfo m_info;
};
} // namespace

void TestPipeline::stopWhileSourceWaitsEndsCleanly()
{
    QTemporaryDir dir;
    Pipeline pipeline(configFor(dir.path(), QStringLiteral("240p")), std::make_unique<WaitingSource>());
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    QVERIFY(pipeline.isRunning());
    pipeline.stop();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().first().toString(), QString()); // a stop is not an error
}

namespace {
// Frames whose size changes mid-stream, as when a browser host's camera or canvas is resized.
class ResizingSource : public MediaSource
{
public:
    ResizingSource()
    {
        m_info.hasVideo = true;
        m_info.width = 320;
        m_info.height = 240;
        m_info.framesPerSecond = 30;
        m_info.isLive = false;
        m_info.description = QStringLiteral("resizing");
    }
    bool open(QString *) override { return true; }
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *) override
    {
        for (int index = 0; index < 120 && !stopRequested; ++index) {
            const bool isLarge = index >= 60;
            FramePtr frame = allocFrame();
            frame->format = AV_PIX_FMT_YUV420P;
            frame->width = isLarge ? 640 : 320;
            frame->height = isLarge ? 360 : 240; // also a different aspect ratio
            if (av_frame_get_buffer(frame.get(), 0) < 0)
                return false;
            for (int plane = 0; plane < 3; ++plane)
                std::memset(frame->data[plane], 100 + plane * 20,
                            size_t(frame->linesize[plane]) * (plane ? frame->height / 2 : frame->height));
            frame->pts = qint64(index) * 1000000 / 30;
            if (!sink.pushVideo({std::move(frame), 0}))
                return false;
        }
        return true;
    }

private:
    SourceInfo m_info;
};
} // namespace

void TestPipeline::resolutionChangeMidStreamKeepsRenditionSizes()
{
    QTemporaryDir dir;
    Pipeline pipeline(configFor(dir.path(), QStringLiteral("240p")), std::make_unique<ResizingSource>());
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().first().toString(), QString());
    const PipelineStats stats = pipeline.stats();
    QCOMPARE(stats.renditions.size(), 1);
    QCOMPARE(stats.renditions[0].framesEncoded, 120); // every frame, before and after the change
    QCOMPARE(stats.renditions[0].width, 320);
    QCOMPARE(stats.renditions[0].height, 240);
    const QByteArray playlist = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QCOMPARE(playlist.count("#EXTINF:2.000,"), 2);
    QVERIFY(playlist.endsWith("#EXT-X-ENDLIST\n"));
}


namespace {
// An unpaced source (a file read as fast as it decodes) of frames already at the rung's size,
// so the ladder passes them to the encoder by reference: it counts how many of its frame
// buffers are alive at once, i.e. how many raw frames the queues hold.
class FrameCountingSource : public MediaSource
{
public:
    static constexpr int width = 426; // the 240p rung
    static constexpr int height = 240;
    static constexpr int frameCount = 150;

    FrameCountingSource()
    {
        m_info.hasVideo = true;
        m_info.width = width;
        m_info.height = height;
        m_info.framesPerSecond = 30;
        m_info.isLive = false;
        m_info.description = QStringLiteral("counting");
    }
    bool open(QString *) override { return true; }
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *) override
    {
        constexpr int alignment = 64;
        const int size = av_image_get_buffer_size(AV_PIX_FMT_YUV420P, width, height, alignment);
        for (int index = 0; index < frameCount && !stopRequested; ++index) {
            FramePtr frame = allocFrame();
            frame->format = AV_PIX_FMT_YUV420P;
            frame->width = width;
            frame->height = height;
            auto *data = static_cast<uint8_t *>(av_malloc(size));
            frame->buf[0] = av_buffer_create(data, size, &FrameCountingSource::release, this, 0);
            if (!frame->buf[0])
                return false;
            av_image_fill_arrays(frame->data, frame->linesize, data, AV_PIX_FMT_YUV420P, width,
                                 height, alignment);
            std::memset(data, 16 + index % 200, size_t(size));
            frame->pts = qint64(index) * 1000000 / 30;
            const int alive = ++m_alive;
            m_maxAlive = std::max(m_maxAlive.load(), alive);
            if (!sink.pushVideo({std::move(frame), 0}))
                return false;
        }
        return true;
    }
    int maxAlive() const { return m_maxAlive; }
    int alive() const { return m_alive; }

private:
    static void release(void *opaque, uint8_t *data)
    {
        --static_cast<FrameCountingSource *>(opaque)->m_alive;
        av_free(data);
    }
    SourceInfo m_info;
    std::atomic<int> m_alive{0};
    std::atomic<int> m_maxAlive{0};
};
} // namespace

void TestPipeline::fastSourceHoldsFewFramesInFlight()
{
    // A file source outruns the encoders, so its queues stay full: what they may hold is the
    // ladder's memory (1.4 MB a 720p frame). The live jitter buffer is for live sources only.
    QVERIFY(PipelineWorker::inputQueueCapacity(false, 30) < PipelineWorker::inputQueueCapacity(true, 30));
    QVERIFY(RenditionWorker::queueCapacity(false) < RenditionWorker::queueCapacity(true));
    QTemporaryDir dir;
    auto owned = std::make_unique<FrameCountingSource>();
    FrameCountingSource *source = owned.get();
    Pipeline pipeline(configFor(dir.path(), QStringLiteral("240p")), std::move(owned));
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY2(pipeline.start(&error), qPrintable(error));
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toString(), QString());
    const PipelineStats stats = pipeline.stats();
    QCOMPARE(stats.renditions[0].framesEncoded, FrameCountingSource::frameCount);
    QCOMPARE(stats.inputQueueCapacity, PipelineWorker::inputQueueCapacity(false, 30));
    QCOMPARE(stats.encoderQueueCapacity, RenditionWorker::queueCapacity(false));
    // In flight at most: the input queue, the frame the ladder thread holds, the encoder's
    // queue, the frame being encoded (libx264 copies it in) and the one being pushed.
    const int bound = stats.inputQueueCapacity + stats.encoderQueueCapacity + 3;
    QVERIFY2(source->maxAlive() <= bound,
             qPrintable(QStringLiteral("%1 frames alive at once, bound %2").arg(source->maxAlive()).arg(bound)));
    QVERIFY(bound <= 24); // a few frames, not seconds of them
    QCOMPARE(source->alive(), 0); // and none kept after the end
}

QTEST_GUILESS_MAIN(TestPipeline)
#include "tst_pipeline.moc"
