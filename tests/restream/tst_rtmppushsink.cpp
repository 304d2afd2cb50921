// The push queue's drop policy, with the connection held in its backoff: an overflow drops the
// oldest whole GOP (never single frames), and a GOP larger than the queue is dropped entirely until
// the next keyframe. (The push itself, against a real RTMP server, is tests/e2e/restream.test.mjs.)
#include "RtmpPushSink.h"
#include "RtmpPushTarget.h"

#include <QTest>

using namespace afk;
using namespace afk::restream;

namespace {

media::PacketPtr packet(qint64 pts, bool isKeyframe)
{
    media::PacketPtr made = media::allocPacket();
    if (av_new_packet(made.get(), 100) < 0)
        throw std::bad_alloc();
    made->pts = made->dts = pts;
    if (isKeyframe)
        made->flags |= AV_PKT_FLAG_KEY;
    return made;
}

struct Encoders {
    media::CodecContextPtr video{avcodec_alloc_context3(nullptr)};
    media::CodecContextPtr audio{avcodec_alloc_context3(nullptr)};
    Encoders()
    {
        video->codec_type = AVMEDIA_TYPE_VIDEO;
        video->codec_id = AV_CODEC_ID_H264;
        video->time_base = AVRational{1, 30};
        video->width = 640;
        video->height = 360;
        audio->codec_type = AVMEDIA_TYPE_AUDIO;
        audio->codec_id = AV_CODEC_ID_AAC;
        audio->time_base = AVRational{1, 48000};
    }
};

RtmpPushSettings heldInBackoff()
{
    RtmpPushSettings settings;
    settings.maxQueuedPackets = 25;
    settings.firstBackoffMs = 600000; // the first failed connect leaves the queue to the writer
    return settings;
}

// The first keyframe goes in; the connect fails (a packet without SPS/PPS, a closed port) and
// the push waits out its backoff.
void startHeldInBackoff(RtmpPushSink &sink, RtmpPushTarget &target, const Encoders &encoders)
{
    QString error;
    QVERIFY2(sink.open(*encoders.video, encoders.audio.get(), &error), qPrintable(error));
    sink.writeVideo(*packet(0, true), 0, false);
    QTRY_COMPARE_WITH_TIMEOUT(target.status().state, QStringLiteral("backoff"), 20000);
    QVERIFY(!target.status().lastError.isEmpty());
}

} // namespace

class TestRtmpPushSink : public QObject
{
    Q_OBJECT
private slots:
    void overflowDropsWholeGops()
    {
        Encoders encoders;
        auto target = std::make_shared<RtmpPushTarget>(QStringLiteral("t"),
                                                       QStringLiteral("rtmp://127.0.0.1:9/live/k"));
        {
            RtmpPushSink sink(target, heldInBackoff());
            // Audio before the first keyframe has nothing to start with: dropped.
            sink.writeAudio(*packet(0, false));
            startHeldInBackoff(sink, *target, encoders);
            QCOMPARE(target->status().packetsDropped, 1);
            // 1 + 50 packets into 25 places: the lone first keyframe and three 10-packet GOPs go,
            // the newest two GOPs stay.
            for (int gop = 0; gop < 5; ++gop)
                for (int frame = 0; frame < 10; ++frame)
                    sink.writeVideo(*packet(1 + gop * 10 + frame, frame == 0), 0, false);
            QCOMPARE(target->status().packetsDropped, 1 + 31);
            QCOMPARE(target->status().state, QStringLiteral("backoff"));
        }
        QCOMPARE(target->status().state, QStringLiteral("ended"));
        QVERIFY(!target->status().target.contains(u"/k"));
    }

    void gopLargerThanTheQueueWaitsForTheNextKeyframe()
    {
        Encoders encoders;
        auto target = std::make_shared<RtmpPushTarget>(QStringLiteral("t"),
                                                       QStringLiteral("rtmp://127.0.0.1:9/live/k"));
        RtmpPushSink sink(target, heldInBackoff());
        startHeldInBackoff(sink, *target, encoders);
        // The first keyframe and 29 more frames of its GOP: at the 26th the queue is full with no
        // later keyframe, so all 25 go, and the rest of the GOP (5) is dropped on arrival.
        for (int frame = 1; frame < 30; ++frame)
            sink.writeVideo(*packet(frame, false), 0, false);
        QCOMPARE(target->status().packetsDropped, 30);
        sink.writeAudio(*packet(30, false)); // still waiting for a keyframe
        QCOMPARE(target->status().packetsDropped, 31);
        sink.writeVideo(*packet(30, true), 0, false);
        sink.writeVideo(*packet(31, false), 0, false);
        QCOMPARE(target->status().packetsDropped, 31);
    }
};

QTEST_GUILESS_MAIN(TestRtmpPushSink)
#include "tst_rtmppushsink.moc"
