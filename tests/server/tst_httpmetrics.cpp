// HttpMetrics: counters and the Prometheus text exposition format 0.0.4.
#include "HttpMetrics.h"

#include <QRegularExpression>
#include <QTest>

using afk::server::HttpMetrics;
using afk::server::HttpRoute;
using afk::server::StreamMetricsSample;

class TestHttpMetrics : public QObject
{
    Q_OBJECT
private slots:
    void routeLabels_data();
    void routeLabels();
    void countsByRouteAndCode();
    void exposition();
    void labelValuesAreEscaped();
    void refusalsAndConnections();
};

void TestHttpMetrics::routeLabels_data()
{
    QTest::addColumn<HttpRoute>("route");
    QTest::addColumn<QByteArray>("label");
    QTest::newRow("stream playlist") << HttpRoute::StreamPlaylist << QByteArray("stream_playlist");
    QTest::newRow("master playlist") << HttpRoute::MasterPlaylist << QByteArray("master_playlist");
    QTest::newRow("segment") << HttpRoute::Segment << QByteArray("segment");
    QTest::newRow("rendition file") << HttpRoute::RenditionFile << QByteArray("rendition_file");
    QTest::newRow("status") << HttpRoute::Status << QByteArray("status");
    QTest::newRow("control") << HttpRoute::Control << QByteArray("control");
    QTest::newRow("health") << HttpRoute::Health << QByteArray("health");
    QTest::newRow("metrics") << HttpRoute::Metrics << QByteArray("metrics");
    QTest::newRow("web page") << HttpRoute::WebPage << QByteArray("web_page");
    QTest::newRow("not found") << HttpRoute::NotFound << QByteArray("not_found");
    QTest::newRow("invalid") << HttpRoute::Invalid << QByteArray("not_found");
}

void TestHttpMetrics::routeLabels()
{
    QFETCH(HttpRoute, route);
    QFETCH(QByteArray, label);
    QCOMPARE(afk::server::routeLabel(route), label);
}

void TestHttpMetrics::countsByRouteAndCode()
{
    HttpMetrics metrics;
    metrics.recordResponse(HttpRoute::Segment, 200, 1000);
    metrics.recordResponse(HttpRoute::Segment, 200, 500);
    metrics.recordResponse(HttpRoute::Segment, 404, 30);
    QCOMPARE(metrics.requestCount(HttpRoute::Segment, 200), quint64(2));
    QCOMPARE(metrics.requestCount(HttpRoute::Segment, 404), quint64(1));
    QCOMPARE(metrics.requestCount(HttpRoute::Status, 200), quint64(0));
    QCOMPARE(metrics.bodyBytes(HttpRoute::Segment), quint64(1530));
}

void TestHttpMetrics::exposition()
{
    HttpMetrics metrics;
    metrics.recordResponse(HttpRoute::StreamPlaylist, 200, 120);
    StreamMetricsSample sample;
    sample.streamKey = QStringLiteral("abc");
    sample.viewers = 3;
    sample.httpViewers = 2;
    sample.segmentCount = 7;
    sample.stats.encoderSpeed = 1.25;
    sample.stats.videoFramesDropped = 4;
    sample.stats.inputQueueDepth = 5;
    sample.stats.inputQueueCapacity = 60;
    sample.stats.renditions.append({QStringLiteral("720p"), 1280, 720, 10, 4096, 7, 2480.5});
    const QByteArray text = metrics.render({sample}, 1, 12.5);

    QVERIFY(text.endsWith('\n'));
    const QStringList expectedLines{
        "afk_uptime_seconds 12.5",
        "afk_streams_active 1",
        R"(afk_stream_viewers{stream="abc"} 3)",
        R"(afk_stream_http_viewers{stream="abc"} 2)",
        R"(afk_stream_segments_produced_total{stream="abc"} 7)",
        R"(afk_stream_encoder_speed_ratio{stream="abc"} 1.25)",
        R"(afk_stream_video_frames_dropped_total{stream="abc"} 4)",
        R"(afk_stream_queue_depth{stream="abc",queue="input"} 5)",
        R"(afk_stream_queue_capacity{stream="abc",queue="input"} 60)",
        R"(afk_stream_rendition_bitrate_kbps{stream="abc",rendition="720p"} 2480.5)",
        R"(afk_http_requests_total{route="stream_playlist",code="200"} 1)",
        R"(afk_http_response_body_bytes_total{route="stream_playlist"} 120)",
    };
    const QStringList lines = QString::fromUtf8(text).split(u'\n');
    for (const QString &line : expectedLines)
        QVERIFY2(lines.contains(line), qPrintable(line));

    // Every sample belongs to a family announced by HELP and TYPE before it, names are afk_.
    static const QRegularExpression sampleLine(
        QStringLiteral(R"(^(afk_[a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? \S+$)"));
    QString family;
    for (const QString &line : lines) {
        if (line.isEmpty())
            continue;
        if (line.startsWith(u"# HELP ")) {
            family = line.section(u' ', 2, 2);
            continue;
        }
        if (line.startsWith(u"# TYPE ")) {
            QCOMPARE(line.section(u' ', 2, 2), family);
            QVERIFY(line.endsWith(u" gauge") || line.endsWith(u" counter"));
            continue;
        }
        const auto match = sampleLine.match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));
        QCOMPARE(match.captured(1), family);
    }
}

void TestHttpMetrics::labelValuesAreEscaped()
{
    StreamMetricsSample sample;
    sample.streamKey = QStringLiteral("k");
    sample.stats.renditions.append({QStringLiteral("a\"b\\c\nd"), 0, 0, 0, 0, 0, 0});
    const QByteArray text = HttpMetrics().render({sample}, 1, 0);
    // a"b\c<newline>d is written as a\"b\\c\nd.
    QVERIFY(text.contains("rendition=\"a\\\"b\\\\c\\nd\""));
}

void TestHttpMetrics::refusalsAndConnections()
{
    HttpMetrics metrics;
    // Without a gate there is no connection gauge, but every refusal reason shows as 0.
    QByteArray text = metrics.render({}, 0, 0);
    QVERIFY(text.contains("afk_http_refused_total{reason=\"body_too_large\"} 0\n"));
    QVERIFY(text.contains("afk_http_refused_total{reason=\"too_many_connections\"} 0\n"));
    QVERIFY(!text.contains("afk_http_connections "));

    metrics.recordRefusal(afk::server::HttpRefusal::BodyTooLarge);
    metrics.recordRefusal(afk::server::HttpRefusal::BodyTooLarge);
    metrics.recordRefusal(afk::server::HttpRefusal::RequestTimeout);
    metrics.recordIdleClose();
    metrics.setConnections(7, 20);
    QCOMPARE(metrics.refusalCount(afk::server::HttpRefusal::BodyTooLarge), quint64(2));
    text = metrics.render({}, 0, 0);
    QVERIFY(text.contains("afk_http_refused_total{reason=\"body_too_large\"} 2\n"));
    QVERIFY(text.contains("afk_http_refused_total{reason=\"request_timeout\"} 1\n"));
    QVERIFY(text.contains("afk_http_refused_total{reason=\"headers_too_large\"} 0\n"));
    QVERIFY(text.contains("afk_http_idle_closed_total 1\n"));
    QVERIFY(text.contains("afk_http_connections 7\n"));
    QVERIFY(text.contains("afk_http_connections_limit 20\n"));
}

QTEST_GUILESS_MAIN(TestHttpMetrics)
#include "tst_httpmetrics.moc"
