#include "HostedStreamsTable.h"

#include "RtmpIngest.h"
#include "Stream.h"
#include "StreamRegistry.h"
#include "Studio.h"

#include <QDateTime>
#include <QHeaderView>

namespace afk::ui {

HostedStreamsTable::HostedStreamsTable(QWidget *parent) : QTableWidget(0, ColumnCount, parent)
{
    setObjectName(QStringLiteral("hostedStreamTable"));
    setHorizontalHeaderLabels({tr("Hosted stream"), tr("Publisher"), tr("State"), tr("In kbps"),
                               tr("In fps"), tr("Out fps"), tr("Dropped"), tr("Viewers")});
    horizontalHeaderItem(Dropped)->setToolTip(
        tr("Video frames dropped by the ladder's queues, plus (RTMP) frames thrown away up to the "
           "next keyframe while the ingest buffer was full"));
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(Key, QHeaderView::Stretch);
    verticalHeader()->hide();
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    // Three rows without scrolling, in the panel's narrow column.
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    setMinimumHeight(horizontalHeader()->sizeHint().height()
                     + 3 * verticalHeader()->defaultSectionSize() + 2 * frameWidth());
}

double HostedStreamsTable::kilobitsPerSecond(const ByteSample &earlier, const ByteSample &now)
{
    if (earlier.atMs == 0 || now.atMs <= earlier.atMs || now.bytes < earlier.bytes)
        return 0;
    return double(now.bytes - earlier.bytes) * 8.0 / double(now.atMs - earlier.atMs);
}

void HostedStreamsTable::refresh(const studio::Studio &studio)
{
    const session::Stream *own = studio.liveStream();
    QList<const session::Stream *> hosted;
    for (const session::Stream *stream : studio.registry().activeStreams()) {
        if (stream != own)
            hosted.append(stream);
    }
    QHash<QString, server::RtmpPublisherStats> rtmpPublishers;
    if (const studio::RtmpIngest *rtmp = studio.rtmpIngest()) {
        for (const server::RtmpPublisherStats &publisher : rtmp->publishers())
            rtmpPublishers.insert(publisher.streamId, publisher);
    }

    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    QHash<QString, ByteSample> samples;
    setRowCount(int(hosted.size()));
    for (int row = 0; row < hosted.size(); ++row) {
        const session::Stream &stream = *hosted[row];
        const media::PipelineStats stats = stream.stats();
        const session::IngestCounters ingest = stream.ingestCounters();
        const auto rtmp = rtmpPublishers.constFind(stream.key());
        const bool isRtmp = rtmp != rtmpPublishers.constEnd();
        // A stream created for a publisher (the PWA's start route, an RTMP key) has no
        // pipeline until its first bytes; one started on the studio has one from the start.
        QString publisher = stream.hasPipeline() ? tr("this studio") : tr("none yet");
        if (isRtmp)
            publisher = tr("RTMP %1").arg(rtmp->remoteAddress);
        else if (ingest.bytesReceived > 0)
            publisher = tr("browser host");
        const ByteSample sample{ingest.bytesReceived, nowMs};
        const double inKbps = kilobitsPerSecond(m_lastBytes.value(stream.key()), sample);
        samples.insert(stream.key(), sample);
        const QString state = stream.lastError().isEmpty()
                                  ? stream.stateName()
                                  : QStringLiteral("%1 (%2)").arg(stream.stateName(),
                                                                  stream.lastError());
        const qint64 dropped = stats.videoFramesDropped + (isRtmp ? rtmp->videoFramesDropped : 0);
        const QStringList cells{
            stream.key(),
            publisher,
            state,
            ingest.bytesReceived > 0 ? QString::number(qRound(inKbps)) : QStringLiteral("–"),
            QString::number(stats.inputFps, 'f', 1),
            QString::number(stats.outputFps, 'f', 1),
            QString::number(dropped),
            QString::number(stream.viewerCount() + studio.httpViewerCount(stream.key()))};
        for (int column = 0; column < cells.size(); ++column)
            setItem(row, column, new QTableWidgetItem(cells[column]));
    }
    m_lastBytes = samples;
}

} // namespace afk::ui
