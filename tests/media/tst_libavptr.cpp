// The RAII owners: allocation, shared references, moves, and error text.
#include "LibavPtr.h"

#include <QTest>

using namespace afk::media;

class TestLibavPtr : public QObject
{
    Q_OBJECT
private slots:
    void frameCloneSharesBuffers();
    void packetCloneSharesData();
    void movesTransferOwnership();
    void errorTextIsReadable();
};

void TestLibavPtr::frameCloneSharesBuffers()
{
    FramePtr frame = allocFrame();
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = 64;
    frame->height = 32;
    QCOMPARE(av_frame_get_buffer(frame.get(), 0), 0);
    QCOMPARE(av_buffer_get_ref_count(frame->buf[0]), 1);
    {
        FramePtr copy = cloneFrame(*frame);
        QCOMPARE(copy->data[0], frame->data[0]);
        QCOMPARE(av_buffer_get_ref_count(frame->buf[0]), 2);
    }
    QCOMPARE(av_buffer_get_ref_count(frame->buf[0]), 1);
}

void TestLibavPtr::packetCloneSharesData()
{
    PacketPtr packet = allocPacket();
    QCOMPARE(av_new_packet(packet.get(), 100), 0);
    packet->pts = 42;
    PacketPtr copy = clonePacket(*packet);
    QCOMPARE(copy->data, packet->data);
    QCOMPARE(copy->pts, 42);
    QCOMPARE(av_buffer_get_ref_count(packet->buf), 2);
    copy.reset();
    QCOMPARE(av_buffer_get_ref_count(packet->buf), 1);
}

void TestLibavPtr::movesTransferOwnership()
{
    FramePtr first = allocFrame();
    AVFrame *raw = first.get();
    FramePtr second = std::move(first);
    QVERIFY(!first);
    QCOMPARE(second.get(), raw);

    AVFormatContext *rawOutput = nullptr;
    QCOMPARE(avformat_alloc_output_context2(&rawOutput, nullptr, "mpegts", nullptr), 0);
    OutputFormatPtr output(rawOutput);
    OutputFormatPtr moved = std::move(output);
    QVERIFY(!output);
    QCOMPARE(moved.get(), rawOutput);
}

void TestLibavPtr::errorTextIsReadable()
{
    const QString text = avErrorText(AVERROR_INVALIDDATA);
    QVERIFY2(text.contains(QStringLiteral("Invalid data")), qPrintable(text));
    QVERIFY(text.contains(QString::number(AVERROR_INVALIDDATA)));
    QVERIFY(avErrorText(AVERROR(ENOENT)).contains(QStringLiteral("No such file")));
}

QTEST_APPLESS_MAIN(TestLibavPtr)
#include "tst_libavptr.moc"
