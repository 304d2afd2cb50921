// --rtmp-passthrough: which publisher's video may stand in for the top rung (and why not), and
// the copy itself — AVCC in, Annex B with the publisher's own SPS/PPS before the keyframe out.
#include "Playlist.h"
#include "VideoPassthrough.h"

#include <QTest>

using namespace afk::media;

namespace {

// An avcC record (version 1, High profile 0x64, level 3.1) with one tiny SPS and PPS.
const QByteArray sps = QByteArray::fromHex("6764001facd9405005bb0110");
const QByteArray pps = QByteArray::fromHex("68ebe3cb22c0");

QByteArray avcc()
{
    QByteArray record = QByteArray::fromHex("0164001fff");
    record += char(0xe1);
    record += char(sps.size() >> 8);
    record += char(sps.size() & 0xff);
    record += sps;
    record += char(1);
    record += char(pps.size() >> 8);
    record += char(pps.size() & 0xff);
    record += pps;
    return record;
}

std::shared_ptr<AVCodecParameters> h264(int width, int height)
{
    std::shared_ptr<AVCodecParameters> parameters(avcodec_parameters_alloc(), [](AVCodecParameters *p) {
        avcodec_parameters_free(&p);
    });
    parameters->codec_type = AVMEDIA_TYPE_VIDEO;
    parameters->codec_id = AV_CODEC_ID_H264;
    parameters->width = width;
    parameters->height = height;
    parameters->format = AV_PIX_FMT_YUV420P;
    parameters->profile = FF_PROFILE_H264_HIGH;
    parameters->level = 31;
    const QByteArray record = avcc();
    parameters->extradata =
        static_cast<uint8_t *>(av_mallocz(size_t(record.size()) + AV_INPUT_BUFFER_PADDING_SIZE));
    memcpy(parameters->extradata, record.constData(), size_t(record.size()));
    parameters->extradata_size = int(record.size());
    return parameters;
}

SourceInfo source(std::shared_ptr<AVCodecParameters> video, double framesPerSecond = 30)
{
    SourceInfo info;
    info.hasVideo = true;
    info.width = video->width;
    info.height = video->height;
    info.framesPerSecond = framesPerSecond;
    info.videoCodec = std::move(video);
    return info;
}

Rendition rung(int width, int height)
{
    Rendition rendition;
    rendition.name = QStringLiteral("%1p").arg(height);
    rendition.width = width;
    rendition.height = height;
    return rendition;
}

} // namespace

class TestVideoPassthrough : public QObject
{
    Q_OBJECT
private slots:
    void acceptsTheTopRungsSizeAndRate();
    void refusesWithTheReason();
    void copiesAsAnnexBWithTheParameterSets();
};

void TestVideoPassthrough::acceptsTheTopRungsSizeAndRate()
{
    QCOMPARE(VideoPassthrough::refusal(source(h264(1280, 720)), rung(1280, 720), 30), QString());
    // 29.97 on a 30 grid: within the 1 % a copied frame's timestamp may move to its slot.
    QCOMPARE(VideoPassthrough::refusal(source(h264(1280, 720), 29.97), rung(1280, 720), 30), QString());
}

void TestVideoPassthrough::refusesWithTheReason()
{
    const Rendition top = rung(1280, 720);
    SourceInfo noPackets = source(h264(1280, 720));
    noPackets.videoCodec.reset();
    QVERIFY(VideoPassthrough::refusal(noPackets, top, 30).contains(u"no compressed video"));
    QCOMPARE(VideoPassthrough::refusal(source(h264(1920, 1080)), top, 30),
             QStringLiteral("the video is 1920x1080, the top rung 720p is 1280x720"));
    QCOMPARE(VideoPassthrough::refusal(source(h264(1280, 720), 25), top, 30),
             QStringLiteral("the video is 25.00 fps, the ladder 30 fps"));
    QVERIFY(VideoPassthrough::refusal(source(h264(1280, 720), 0), top, 30).contains(u"frame rate"));

    auto hevc = h264(1280, 720);
    hevc->codec_id = AV_CODEC_ID_HEVC;
    QCOMPARE(VideoPassthrough::refusal(source(hevc), top, 30), QStringLiteral("the video is hevc, not H.264"));
    auto highTenBit = h264(1280, 720);
    highTenBit->profile = FF_PROFILE_H264_HIGH_10;
    QVERIFY(VideoPassthrough::refusal(source(highTenBit), top, 30).contains(u"profile 110"));
    auto fourTwoTwo = h264(1280, 720);
    fourTwoTwo->format = AV_PIX_FMT_YUV422P;
    QVERIFY(VideoPassthrough::refusal(source(fourTwoTwo), top, 30).contains(u"yuv422p"));
    auto noHeader = h264(1280, 720);
    noHeader->extradata_size = 0;
    QVERIFY(VideoPassthrough::refusal(source(noHeader), top, 30).contains(u"sequence header"));
}

void TestVideoPassthrough::copiesAsAnnexBWithTheParameterSets()
{
    VideoPassthrough passthrough;
    QString error;
    QVERIFY2(passthrough.open(*h264(1280, 720), 30, &error), qPrintable(error));
    const AVCodecContext &context = *passthrough.context();
    QCOMPARE(context.codec_id, AV_CODEC_ID_H264);
    QCOMPARE(context.width, 1280);
    QCOMPARE(context.time_base.den, 30);
    QCOMPARE(context.extradata_size, 0); // the parameter sets travel in the keyframes

    // One IDR slice NAL in AVCC framing (4-byte length).
    const QByteArray slice = QByteArray::fromHex("65888400aabbccdd");
    QByteArray avccFrame;
    avccFrame += QByteArray::fromHex("00000008");
    avccFrame += slice;
    PacketPtr packet = allocPacket();
    QCOMPARE(av_new_packet(packet.get(), int(avccFrame.size())), 0);
    memcpy(packet->data, avccFrame.constData(), size_t(avccFrame.size()));
    packet->flags |= AV_PKT_FLAG_KEY;
    packet->pts = packet->dts = 7;
    std::vector<PacketPtr> out;
    QVERIFY2(passthrough.convert(std::move(packet), &out, &error), qPrintable(error));
    QCOMPARE(out.size(), size_t(1));
    const QByteArray annexB(reinterpret_cast<const char *>(out[0]->data), out[0]->size);
    QVERIFY2(annexB.contains(sps), annexB.toHex().constData());
    QVERIFY(annexB.contains(pps));
    QVERIFY(annexB.endsWith(QByteArray::fromHex("000001") + slice));
    QVERIFY(annexB.indexOf(sps) < annexB.indexOf(slice));
    QCOMPARE(out[0]->pts, 7);
    QCOMPARE(h264CodecString(annexB), QStringLiteral("avc1.64001f"));
}

QTEST_GUILESS_MAIN(TestVideoPassthrough)
#include "tst_videopassthrough.moc"
