#include "HeldAudio.h"

#include <QTest>
#include <vector>

using namespace afk::media;

namespace {

// An AAC-like packet: pts in the 48 kHz audio time base.
PacketPtr audioAt(qint64 pts)
{
    PacketPtr packet = allocPacket();
    packet->pts = packet->dts = pts;
    packet->duration = 1024;
    return packet;
}

} // namespace

class TestHeldAudio : public QObject
{
    Q_OBJECT
private slots:
    void writesUpToTheVideoTimeAcrossTimeBases();
    void stopsAtTheFirstFailedWrite();
    void overflowsOnlyBeyondTheBound();
};

void TestHeldAudio::writesUpToTheVideoTimeAcrossTimeBases()
{
    HeldAudio held;
    held.setTimeBases(AVRational{1, 48000}, AVRational{1, 90000});
    for (qint64 pts : {0, 24000, 48000, 72000}) // 0, 0.5, 1.0, 1.5 s
        held.push(audioAt(pts));
    std::vector<qint64> written;
    const auto record = [&](AVPacket &packet) {
        written.push_back(packet.pts);
        return true;
    };
    // 1.0 s of video is 90000: the packet at exactly 1.0 s waits unless inclusive.
    QVERIFY(held.writeUntil(90000, false, record));
    QCOMPARE(written, (std::vector<qint64>{0, 24000}));
    QVERIFY(held.writeUntil(90000, true, record));
    QCOMPARE(written, (std::vector<qint64>{0, 24000, 48000}));
    QVERIFY(!held.isEmpty());
    QVERIFY(held.writeAll(record));
    QCOMPARE(written, (std::vector<qint64>{0, 24000, 48000, 72000}));
    QVERIFY(held.isEmpty());
}

void TestHeldAudio::stopsAtTheFirstFailedWrite()
{
    HeldAudio held;
    held.setTimeBases(AVRational{1, 48000}, AVRational{1, 90000});
    held.push(audioAt(0));
    held.push(audioAt(1024));
    int calls = 0;
    QVERIFY(!held.writeAll([&](AVPacket &) { return ++calls > 1; }));
    QCOMPARE(calls, 1);
    // Nothing is lost: the packet that failed is still the oldest held.
    std::vector<qint64> written;
    QVERIFY(held.writeUntil(90000, true, [&](AVPacket &packet) {
        written.push_back(packet.pts);
        return true;
    }));
    QCOMPARE(written, (std::vector<qint64>{0, 1024}));
}

void TestHeldAudio::overflowsOnlyBeyondTheBound()
{
    HeldAudio held;
    held.setTimeBases(AVRational{1, 48000}, AVRational{1, 90000});
    const qint64 bound = HeldAudio::maxHeldSeconds * 48000;
    held.push(audioAt(0));
    held.push(audioAt(1024));
    held.push(audioAt(bound)); // exactly the bound after the oldest: still held
    QVERIFY(!held.takeOverflowing());
    held.push(audioAt(bound + 2048)); // now the two oldest are too old
    PacketPtr first = held.takeOverflowing();
    QVERIFY(first);
    QCOMPARE(first->pts, qint64(0));
    PacketPtr second = held.takeOverflowing();
    QVERIFY(second);
    QCOMPARE(second->pts, qint64(1024));
    QVERIFY(!held.takeOverflowing());
}

QTEST_GUILESS_MAIN(TestHeldAudio)
#include "tst_heldaudio.moc"
