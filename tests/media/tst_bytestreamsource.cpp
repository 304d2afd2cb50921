// Browser-style WebM arriving in chunks: demuxed through our AVIOContext into the ladder,
// a recorder restart becoming a discontinuity, garbage and overflow refused with clear reasons.
#include "ByteStreamSource.h"
#include "Pipeline.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace afk::media;

namespace {

enum class Tracks { VideoAndAudio, VideoOnly, AudioOnly };

// A WebM like MediaRecorder's: VP8 and/or Opus, made by the ffmpeg program (test input only).
QByteArray makeWebm(const QString &dir, int seconds, Tracks tracks = Tracks::VideoAndAudio)
{
    const QString path = dir + QStringLiteral("/input-%1-%2.webm").arg(seconds).arg(int(tracks));
    QStringList arguments{"-v", "error", "-y"};
    if (tracks != Tracks::AudioOnly)
        arguments << "-f" << "lavfi" << "-i"
                  << QStringLiteral("testsrc2=size=320x240:rate=30:duration=%1").arg(seconds);
    if (tracks != Tracks::VideoOnly)
        arguments << "-f" << "lavfi" << "-i"
                  << QStringLiteral("sine=frequency=440:sample_rate=48000:duration=%1").arg(seconds);
    if (tracks != Tracks::AudioOnly)
        arguments << "-c:v" << "libvpx" << "-b:v" << "500k" << "-deadline" << "realtime" << "-cpu-used" << "8";
    if (tracks != Tracks::VideoOnly)
        arguments << "-c:a" << "libopus";
    arguments << "-f" << "webm" << path;
    QProcess ffmpeg;
    ffmpeg.start(QStringLiteral("ffmpeg"), arguments);
    if (!ffmpeg.waitForFinished(60000) || ffmpeg.exitCode() != 0)
        return {};
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// An RTMP publisher's media as the studio rebuilds it: FLV with H.264 and AAC (test input only).
QByteArray makeFlv(const QString &dir, int seconds)
{
    const QString path = dir + QStringLiteral("/input-%1.flv").arg(seconds);
    QProcess ffmpeg;
    ffmpeg.start(QStringLiteral("ffmpeg"),
                 {"-v", "error", "-y", "-f", "lavfi", "-i",
                  QStringLiteral("testsrc2=size=320x240:rate=30:duration=%1").arg(seconds), "-f",
                  "lavfi", "-i", QStringLiteral("sine=sample_rate=44100:duration=%1").arg(seconds),
                  "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-c:a", "aac", "-f", "flv",
                  path});
    if (!ffmpeg.waitForFinished(60000) || ffmpeg.exitCode() != 0)
        return {};
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

PipelineConfig configFor(const QString &outputDir)
{
    PipelineConfig config;
    QString error;
    config.ladder = parseLadder(QStringLiteral("240p"), &error);
    config.outputDir = outputDir;
    config.x264Preset = QStringLiteral("ultrafast");
    return config;
}

// Appends in odd-sized slices, as chunk boundaries never line up with WebM elements.
bool appendInSlices(ByteStreamSource &source, const QByteArray &bytes, QString *error)
{
    constexpr qsizetype slice = 37 * 1024 + 11;
    for (qsizetype offset = 0; offset < bytes.size(); offset += slice)
        if (!source.append(bytes.mid(offset, slice), error))
            return false;
    return true;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestByteStreamSource : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void chunksBecomeSegments();
    void restartBecomesDiscontinuity();
    void flvRestartBecomesDiscontinuity();
    void garbageFailsWithReason();
    void fullBufferRefusesMore();
    void audioOnlyGetsStillPicture();
    void videoOnlyHasNoAudioTrack();
    void ebmlHeaderDetection();

private:
    QTemporaryDir m_inputs;
    QByteArray m_webm;
};

void TestByteStreamSource::initTestCase()
{
    av_log_set_level(AV_LOG_ERROR);
    m_webm = makeWebm(m_inputs.path(), 5);
    QVERIFY2(!m_webm.isEmpty(), "the ffmpeg program could not make the test input");
    QVERIFY(ByteStreamSource::startsWithEbmlHeader(m_webm));
}

void TestByteStreamSource::chunksBecomeSegments()
{
    QTemporaryDir dir;
    auto owned = std::make_unique<ByteStreamSource>(QStringLiteral("test host"));
    ByteStreamSource &source = *owned;
    Pipeline pipeline(configFor(dir.path()), std::move(owned));
    QSignalSpy started(&pipeline, &Pipeline::started);
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    // Even the header may come split: two bytes first.
    QVERIFY2(source.append(m_webm.left(2), &error), qPrintable(error));
    QVERIFY2(appendInSlices(source, m_webm.mid(2), &error), qPrintable(error));
    source.finishInput();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toString(), QString());
    QCOMPARE(started.size(), 1);
    QCOMPARE(pipeline.sourceInfo().width, 320);
    QVERIFY(pipeline.sourceInfo().hasAudio);
    const QByteArray playlist = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QCOMPARE(playlist.count("#EXTINF:"), 3); // 2 s + 2 s + 1 s
    QVERIFY(playlist.endsWith("#EXT-X-ENDLIST\n"));
    QVERIFY(!playlist.contains("#EXT-X-DISCONTINUITY\n"));
    QCOMPARE(source.bytesReceived(), m_webm.size());
    QCOMPARE(source.bytesBuffered(), 0);
    QCOMPARE(pipeline.stats().videoFramesIn, 150);
}

void TestByteStreamSource::restartBecomesDiscontinuity()
{
    QTemporaryDir dir;
    auto owned = std::make_unique<ByteStreamSource>(QStringLiteral("test host"));
    ByteStreamSource &source = *owned;
    Pipeline pipeline(configFor(dir.path()), std::move(owned));
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    // The recorder is restarted after 5 s: its new chunks start with a fresh EBML header. The
    // new recording's first chunk is far larger than one read of the demuxer.
    QVERIFY2(appendInSlices(source, m_webm, &error), qPrintable(error));
    QVERIFY(m_webm.size() > 256 * 1024);
    // Chromium may send a new recording's first byte on its own (seen: a 1-byte chunk 1A).
    QVERIFY2(source.append(m_webm.left(1), &error), qPrintable(error));
    QVERIFY2(source.append(m_webm.mid(1), &error), qPrintable(error));
    source.finishInput();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toString(), QString());
    QCOMPARE(source.restartCount(), 1);
    const QByteArray playlist = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QCOMPARE(playlist.count("#EXT-X-DISCONTINUITY\n"), 1);
    // 2 + 2 + 1 s, then the new recording starts its own segments: 2 + 2 + 1 s.
    QCOMPARE(playlist.count("#EXTINF:"), 6);
    const qsizetype marker = playlist.indexOf("#EXT-X-DISCONTINUITY\n");
    QVERIFY(playlist.indexOf("segment_2.ts") < marker);
    QVERIFY(playlist.indexOf("segment_3.ts") > marker);
    QCOMPARE(pipeline.stats().videoFramesIn, 300);
    QCOMPARE(pipeline.stats().videoFramesDropped, 0);
    QVERIFY2(playlist.contains("#EXTINF:1.000,\nsegment_2.ts\n#EXT-X-DISCONTINUITY\n"), playlist.constData());
}

void TestByteStreamSource::flvRestartBecomesDiscontinuity()
{
    // An RTMP publisher that reconnected: its new session's first chunk starts with a new FLV
    // header and its timestamps start from zero again.
    const QByteArray flv = makeFlv(m_inputs.path(), 3);
    QVERIFY2(ByteStreamSource::startsWithFlvHeader(flv), "the ffmpeg program could not make the FLV");
    QTemporaryDir dir;
    auto owned = std::make_unique<ByteStreamSource>(
        QStringLiteral("test publisher"), ByteStreamSource::defaultMaxBufferedBytes,
        ByteStreamSource::Container::Flv);
    ByteStreamSource &source = *owned;
    Pipeline pipeline(configFor(dir.path()), std::move(owned));
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    QVERIFY(pipeline.start(&error));
    QVERIFY2(source.append(flv, &error), qPrintable(error));
    QVERIFY2(source.append(flv, &error), qPrintable(error));
    source.finishInput();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toString(), QString());
    QCOMPARE(source.restartCount(), 1);
    const QByteArray playlist = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QCOMPARE(playlist.count("#EXT-X-DISCONTINUITY\n"), 1);
    // 2 + 1 s, then the new session's own segments: 2 + 1 s.
    QCOMPARE(playlist.count("#EXTINF:"), 4);
    QCOMPARE(pipeline.stats().videoFramesIn, 180);
}

void TestByteStreamSource::garbageFailsWithReason()
{
    QByteArray garbage(256 * 1024, '\0');
    for (qsizetype i = 0; i < garbage.size(); ++i)
        garbage[i] = char((i * 7919) >> 3);

    // Not a recording at all: refused at the first chunk.
    ByteStreamSource refused(QStringLiteral("test host"));
    QString error;
    QVERIFY(!refused.append(garbage, &error));
    QVERIFY2(error.contains(QStringLiteral("not a WebM recording")), qPrintable(error));

    // A real header, then garbage that never becomes a playable recording: the stream fails
    // with a reason (within the opening limits), it does not wait for more forever.
    QTemporaryDir dir;
    auto owned = std::make_unique<ByteStreamSource>(QStringLiteral("test host"));
    ByteStreamSource &source = *owned;
    Pipeline pipeline(configFor(dir.path()), std::move(owned));
    QSignalSpy started(&pipeline, &Pipeline::started);
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QVERIFY(pipeline.start(&error));
    QVERIFY2(source.append(m_webm.left(100), &error), qPrintable(error));
    QVERIFY2(source.append(garbage, &error), qPrintable(error));
    QVERIFY(finished.wait(30000));
    QVERIFY(started.isEmpty());
    const QString reason = finished.first().first().toString();
    QVERIFY2(reason.contains(QStringLiteral("test host")), qPrintable(reason));
}

// Feeds a whole recording through a pipeline and returns the master playlist.
static QByteArray encodeThroughByteStream(const QString &outputDir, const QByteArray &webm,
                                          QString *finishError)
{
    auto owned = std::make_unique<ByteStreamSource>(QStringLiteral("test host"));
    ByteStreamSource &source = *owned;
    Pipeline pipeline(configFor(outputDir), std::move(owned));
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QString error;
    if (!pipeline.start(&error) || !appendInSlices(source, webm, &error))
        return {};
    source.finishInput();
    if (!finished.wait(60000))
        return {};
    *finishError = finished.first().first().toString();
    return readAll(outputDir + QStringLiteral("/master.m3u8"));
}

void TestByteStreamSource::audioOnlyGetsStillPicture()
{
    QTemporaryDir dir;
    const QByteArray webm = makeWebm(m_inputs.path(), 5, Tracks::AudioOnly);
    QVERIFY(!webm.isEmpty());
    QString error;
    const QByteArray master = encodeThroughByteStream(dir.path(), webm, &error);
    QCOMPARE(error, QString());
    // The 240p rung of a 640x360 still (16:9), with the audio.
    QVERIFY2(master.contains("RESOLUTION=426x240"), master.constData());
    QVERIFY(master.contains("mp4a.40.2"));
    const QByteArray playlist = readAll(dir.path() + QStringLiteral("/240p/index.m3u8"));
    QCOMPARE(playlist.count("#EXTINF:"), 3);
    QVERIFY(playlist.endsWith("#EXT-X-ENDLIST\n"));
}

void TestByteStreamSource::videoOnlyHasNoAudioTrack()
{
    QTemporaryDir dir;
    const QByteArray webm = makeWebm(m_inputs.path(), 5, Tracks::VideoOnly);
    QVERIFY(!webm.isEmpty());
    QString error;
    const QByteArray master = encodeThroughByteStream(dir.path(), webm, &error);
    QCOMPARE(error, QString());
    QVERIFY2(master.contains("RESOLUTION=320x240"), master.constData());
    QVERIFY(!master.contains("mp4a"));
    QCOMPARE(readAll(dir.path() + QStringLiteral("/240p/index.m3u8")).count("#EXTINF:"), 3);
}

void TestByteStreamSource::fullBufferRefusesMore()
{
    ByteStreamSource source(QStringLiteral("test host"), 1000);
    QString error;
    QVERIFY(source.append(QByteArray::fromHex("1a45dfa3") + QByteArray(596, 'a'), &error));
    QVERIFY(!source.append(QByteArray(600, 'a'), &error));
    QVERIFY2(error.contains(QStringLiteral("buffer full")), qPrintable(error));
    QCOMPARE(source.bytesBuffered(), 600);
    source.finishInput();
    QVERIFY(!source.append(QByteArray(1, 'a'), &error));
    QVERIFY(error.contains(QStringLiteral("ended")));
}

void TestByteStreamSource::ebmlHeaderDetection()
{
    QVERIFY(ByteStreamSource::startsWithEbmlHeader(QByteArray::fromHex("1a45dfa3")));
    QVERIFY(!ByteStreamSource::startsWithEbmlHeader(QByteArray::fromHex("1a45df")));
    QVERIFY(!ByteStreamSource::startsWithEbmlHeader(QByteArray::fromHex("1f43b675")));
    QVERIFY(!ByteStreamSource::startsWithEbmlHeader({}));
}

QTEST_GUILESS_MAIN(TestByteStreamSource)
#include "tst_bytestreamsource.moc"
