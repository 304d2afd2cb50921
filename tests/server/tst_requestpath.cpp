// RequestPath: valid paths split and decode; every traversal form is refused.
#include "RequestPath.h"

#include <QTest>

using afk::server::RequestPath;

class TestRequestPath : public QObject
{
    Q_OBJECT
private slots:
    void validPaths_data();
    void validPaths();
    void refusedPaths_data();
    void refusedPaths();
    void segmentLimits();
};

void TestRequestPath::validPaths_data()
{
    QTest::addColumn<QString>("encoded");
    QTest::addColumn<QStringList>("segments");

    QTest::newRow("root") << "/" << QStringList{};
    QTest::newRow("health") << "/health" << QStringList{"health"};
    QTest::newRow("stream playlist") << "/livestream/abc_DEF-123/stream.m3u8"
                                     << QStringList{"livestream", "abc_DEF-123", "stream.m3u8"};
    QTest::newRow("rendition segment") << "/livestream/k/720p/segment_3.ts"
                                       << QStringList{"livestream", "k", "720p", "segment_3.ts"};
    QTest::newRow("percent-encoded letters")
        << "/livestream/%61bc/status" << QStringList{"livestream", "abc", "status"};
    QTest::newRow("encoded space") << "/a%20b" << QStringList{"a b"};
    QTest::newRow("dot inside a name") << "/a..b/c.d" << QStringList{"a..b", "c.d"};
    QTest::newRow("utf-8") << "/caf%C3%A9" << QStringList{QString::fromUtf8("caf\xc3\xa9")};
}

void TestRequestPath::validPaths()
{
    QFETCH(QString, encoded);
    QFETCH(QStringList, segments);
    const RequestPath path = RequestPath::parse(encoded);
    QVERIFY2(path.isValid(), qPrintable(path.error()));
    QVERIFY(path.error().isEmpty());
    QCOMPARE(path.segments(), segments);
    QCOMPARE(path.size(), segments.size());
}

void TestRequestPath::refusedPaths_data()
{
    QTest::addColumn<QString>("encoded");

    QTest::newRow("empty") << "";
    QTest::newRow("relative") << "livestream/a/stream.m3u8";
    QTest::newRow("dot-dot") << "/livestream/a/../../etc/passwd";
    QTest::newRow("dot-dot last") << "/livestream/a/..";
    QTest::newRow("dot") << "/livestream/./a/stream.m3u8";
    QTest::newRow("encoded dot-dot lower") << "/livestream/a/%2e%2e/%2e%2e/etc/passwd";
    QTest::newRow("encoded dot-dot mixed") << "/livestream/a/%2E%2e/secret.txt";
    QTest::newRow("half-encoded dot-dot") << "/livestream/a/.%2e/secret.txt";
    QTest::newRow("encoded dot") << "/livestream/%2e/a";
    QTest::newRow("encoded slash") << "/livestream/a%2f..%2f..%2fsecret.txt/stream.m3u8";
    QTest::newRow("encoded slash upper") << "/livestream/a/720p%2Fsegment_0.ts";
    QTest::newRow("encoded backslash") << "/livestream/a/..%5c..%5csecret.txt";
    QTest::newRow("encoded backslash upper") << "/livestream/a/%5C";
    QTest::newRow("raw backslash") << "/livestream/a/..\\..\\secret.txt";
    QTest::newRow("encoded NUL") << "/livestream/a/stream.m3u8%00.ts";
    QTest::newRow("encoded newline") << "/livestream/a/x%0ay";
    QTest::newRow("encoded DEL") << "/livestream/a/x%7f";
    QTest::newRow("absolute double slash") << "//etc/passwd";
    QTest::newRow("empty segment") << "/livestream//stream.m3u8";
    QTest::newRow("trailing slash") << "/livestream/a/";
    QTest::newRow("hidden file") << "/livestream/a/.hidden";
    QTest::newRow("encoded hidden file") << "/livestream/a/%2ehidden";
    QTest::newRow("three dots") << "/livestream/a/...";
    QTest::newRow("bad escape") << "/livestream/a/%zz";
    QTest::newRow("truncated escape") << "/livestream/a/%2";
    QTest::newRow("lone percent") << "/livestream/a/%";
    QTest::newRow("invalid utf-8") << "/livestream/a/%ff%fe";
    QTest::newRow("overlong utf-8 dot") << "/livestream/a/%c0%ae%c0%ae";
    QTest::newRow("over-long path")
        << "/" + QStringList(QList<QString>(200, QStringLiteral("abcdefgh"))).join(u'/');
    QTest::newRow("over-long segment") << "/" + QString(RequestPath::maxSegmentLength + 1, u'x');
    QTest::newRow("too many segments") << QString("/a").repeated(RequestPath::maxSegmentCount + 1);
}

void TestRequestPath::refusedPaths()
{
    QFETCH(QString, encoded);
    const RequestPath path = RequestPath::parse(encoded);
    QVERIFY2(!path.isValid(), qPrintable(encoded));
    QVERIFY(!path.error().isEmpty());
    QVERIFY(path.segments().isEmpty());
}

void TestRequestPath::segmentLimits()
{
    const QString longest(RequestPath::maxSegmentLength, u'x');
    QVERIFY(RequestPath::parse(u'/' + longest).isValid());
    QVERIFY(RequestPath::parse(QString("/a").repeated(RequestPath::maxSegmentCount)).isValid());
    // The whole path may be exactly maxEncodedLength characters long, not one more.
    const int segmentCount = RequestPath::maxSegmentCount;
    const QString segment(RequestPath::maxEncodedLength / segmentCount - 1, u'y');
    const QString longestPath = (u'/' + segment).repeated(segmentCount);
    QCOMPARE(longestPath.size(), RequestPath::maxEncodedLength);
    QVERIFY(RequestPath::parse(longestPath).isValid());
    QVERIFY(!RequestPath::parse(longestPath + u'y').isValid());
    // Percent escapes are decoded before the segment checks.
    QCOMPARE(RequestPath::parse(QStringLiteral("/%78%79")).segments(), QStringList{"xy"});
}

QTEST_GUILESS_MAIN(TestRequestPath)
#include "tst_requestpath.moc"
