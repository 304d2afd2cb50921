// Byte ranges (ByteRange), ETag revalidation (EntityTag) and the answer they make together
// (MediaResponse): what Safari's range requests and hls.js's revalidations get.
#include "ByteRange.h"
#include "EntityTag.h"
#include "MediaResponse.h"

#include <QTest>

using afk::server::ByteRange;
using afk::server::EntityTag;
using afk::server::MediaRequestHeaders;
using afk::server::MediaResponse;

Q_DECLARE_METATYPE(ByteRange::Kind)

class TestMediaResponse : public QObject
{
    Q_OBJECT
private slots:
    void byteRanges_data();
    void byteRanges();
    void ifNoneMatch_data();
    void ifNoneMatch();
    void wholeBody();
    void partialBody();
    void headKeepsTheLength();
    void notModifiedWinsOverRange();
    void unsatisfiableRange();
    void ifRangeWithAnOldTagSendsEverything();
};

void TestMediaResponse::byteRanges_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<ByteRange::Kind>("kind");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("length");

    using Kind = ByteRange::Kind;
    QTest::newRow("absent") << QByteArray() << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("first bytes") << QByteArray("bytes=0-99") << 1000LL << Kind::Partial << 0LL
                                 << 100LL;
    QTest::newRow("Safari's probe")
        << QByteArray("bytes=0-1") << 1000LL << Kind::Partial << 0LL << 2LL;
    QTest::newRow("middle") << QByteArray("bytes=100-199") << 1000LL << Kind::Partial << 100LL
                            << 100LL;
    QTest::newRow("open end") << QByteArray("bytes=900-") << 1000LL << Kind::Partial << 900LL
                              << 100LL;
    QTest::newRow("last past the end is cut")
        << QByteArray("bytes=900-5000") << 1000LL << Kind::Partial << 900LL << 100LL;
    QTest::newRow("suffix") << QByteArray("bytes=-10") << 1000LL << Kind::Partial << 990LL << 10LL;
    QTest::newRow("suffix longer than the file")
        << QByteArray("bytes=-5000") << 1000LL << Kind::Partial << 0LL << 1000LL;
    QTest::newRow("last byte") << QByteArray("bytes=999-999") << 1000LL << Kind::Partial << 999LL
                               << 1LL;
    QTest::newRow("unit case and spaces")
        << QByteArray(" Bytes= 5 - 9 ") << 1000LL << Kind::Partial << 5LL << 5LL;
    QTest::newRow("starts at the end")
        << QByteArray("bytes=1000-") << 1000LL << Kind::Unsatisfiable << 0LL << 0LL;
    QTest::newRow("starts past the end")
        << QByteArray("bytes=5000-6000") << 1000LL << Kind::Unsatisfiable << 0LL << 0LL;
    QTest::newRow("empty suffix") << QByteArray("bytes=-0") << 1000LL << Kind::Unsatisfiable << 0LL
                                  << 0LL;
    QTest::newRow("empty file") << QByteArray("bytes=0-") << 0LL << Kind::Unsatisfiable << 0LL
                                << 0LL;
    // Ignored (the whole body, as RFC 9110 allows): several ranges, other units, nonsense.
    QTest::newRow("several ranges")
        << QByteArray("bytes=0-1,5-6") << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("other unit") << QByteArray("items=0-1") << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("last before first")
        << QByteArray("bytes=9-5") << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("negative") << QByteArray("bytes=-5-9") << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("not a number") << QByteArray("bytes=a-9") << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("no dash") << QByteArray("bytes=5") << 1000LL << Kind::Whole << 0LL << 0LL;
    QTest::newRow("overflowing number")
        << QByteArray("bytes=99999999999999999999-") << 1000LL << Kind::Whole << 0LL << 0LL;
}

void TestMediaResponse::byteRanges()
{
    QFETCH(QByteArray, header);
    QFETCH(qint64, size);
    QFETCH(ByteRange::Kind, kind);
    QFETCH(qint64, first);
    QFETCH(qint64, length);
    const ByteRange range = ByteRange::parse(header, size);
    QCOMPARE(range.kind, kind);
    if (kind == ByteRange::Kind::Partial) {
        QCOMPARE(range.first, first);
        QCOMPARE(range.length, length);
        QVERIFY(range.first + range.length <= size);
    }
}

void TestMediaResponse::ifNoneMatch_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("hits");
    QTest::newRow("same") << QByteArray("\"a-1\"") << true;
    QTest::newRow("weak form matches (weak comparison)") << QByteArray("W/\"a-1\"") << true;
    QTest::newRow("in a list") << QByteArray("\"x\", \"a-1\" ,\"y\"") << true;
    QTest::newRow("star") << QByteArray("*") << true;
    QTest::newRow("other") << QByteArray("\"a-2\"") << false;
    QTest::newRow("unquoted") << QByteArray("a-1") << false;
    QTest::newRow("prefix only") << QByteArray("\"a-") << false;
    QTest::newRow("empty") << QByteArray("") << false;
}

void TestMediaResponse::ifNoneMatch()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, hits);
    QCOMPARE(EntityTag::noneMatchHits(header, "\"a-1\""), hits);
}

namespace
{
QByteArray headerOf(const MediaResponse &response, const QByteArray &name)
{
    for (const auto &[key, value] : response.headers)
        if (key == name)
            return value;
    return {};
}
} // namespace

void TestMediaResponse::wholeBody()
{
    const MediaResponse response = MediaResponse::plan("\"t\"", 1000, MediaRequestHeaders{});
    QCOMPARE(response.statusCode, 200);
    QCOMPARE(response.bodyOffset, 0);
    QCOMPARE(response.bodyLength, 1000);
    QCOMPARE(response.contentLength, 1000);
    QCOMPARE(headerOf(response, "ETag"), QByteArray("\"t\""));
    QCOMPARE(headerOf(response, "Accept-Ranges"), QByteArray("bytes"));
    QVERIFY(headerOf(response, "Content-Range").isEmpty());
}

void TestMediaResponse::partialBody()
{
    MediaRequestHeaders request;
    request.range = "bytes=100-299";
    const MediaResponse response = MediaResponse::plan("\"t\"", 1000, request);
    QCOMPARE(response.statusCode, 206);
    QCOMPARE(response.bodyOffset, 100);
    QCOMPARE(response.bodyLength, 200);
    QCOMPARE(response.contentLength, 200);
    QCOMPARE(headerOf(response, "Content-Range"), QByteArray("bytes 100-299/1000"));
}

void TestMediaResponse::headKeepsTheLength()
{
    MediaRequestHeaders request;
    request.isHead = true;
    const MediaResponse whole = MediaResponse::plan("\"t\"", 1000, request);
    QCOMPARE(whole.statusCode, 200);
    QCOMPARE(whole.bodyLength, 0);
    QCOMPARE(whole.contentLength, 1000);
    request.range = "bytes=-10";
    const MediaResponse partial = MediaResponse::plan("\"t\"", 1000, request);
    QCOMPARE(partial.statusCode, 206);
    QCOMPARE(partial.bodyLength, 0);
    QCOMPARE(partial.contentLength, 10);
}

void TestMediaResponse::notModifiedWinsOverRange()
{
    MediaRequestHeaders request;
    request.ifNoneMatch = "\"t\"";
    request.range = "bytes=0-1";
    const MediaResponse response = MediaResponse::plan("\"t\"", 1000, request);
    QCOMPARE(response.statusCode, 304);
    QCOMPARE(response.bodyLength, 0);
    QCOMPARE(response.contentLength, -1); // no Content-Length on a 304
    QCOMPARE(headerOf(response, "ETag"), QByteArray("\"t\""));

    request.ifNoneMatch = "\"old\"";
    QCOMPARE(MediaResponse::plan("\"t\"", 1000, request).statusCode, 206);
}

void TestMediaResponse::unsatisfiableRange()
{
    MediaRequestHeaders request;
    request.range = "bytes=1000-";
    const MediaResponse response = MediaResponse::plan("\"t\"", 1000, request);
    QCOMPARE(response.statusCode, 416);
    QCOMPARE(response.bodyLength, 0);
    QCOMPARE(headerOf(response, "Content-Range"), QByteArray("bytes */1000"));
}

void TestMediaResponse::ifRangeWithAnOldTagSendsEverything()
{
    MediaRequestHeaders request;
    request.range = "bytes=0-9";
    request.ifRange = "\"old\"";
    QCOMPARE(MediaResponse::plan("\"t\"", 1000, request).statusCode, 200);
    request.ifRange = "\"t\"";
    QCOMPARE(MediaResponse::plan("\"t\"", 1000, request).statusCode, 206);
}

QTEST_GUILESS_MAIN(TestMediaResponse)
#include "tst_mediaresponse.moc"
