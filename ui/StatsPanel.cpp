#include "StatsPanel.h"

#include "HostedStreamsTable.h"
#include "NostrPresence.h"
#include "Restreamer.h"
#include "Stream.h"
#include "Studio.h"
#include "UploadQueue.h"

#include <QDateTime>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace afk::ui {

StatsPanel::StatsPanel(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_state = new QLabel(tr("not live"), this);
    m_state->setObjectName(QStringLiteral("streamState"));
    m_encoder = new QLabel(QStringLiteral("–"), this);
    m_encoder->setObjectName(QStringLiteral("encoderStats"));
    m_viewers = new QLabel(QStringLiteral("–"), this);
    m_viewers->setObjectName(QStringLiteral("viewerStats"));
    m_relays = new QLabel(tr("none configured"), this);
    m_relays->setObjectName(QStringLiteral("relayStats"));
    m_relays->setWordWrap(true);
    m_uploads = new QLabel(tr("none configured"), this);
    m_uploads->setObjectName(QStringLiteral("uploadStats"));
    m_uploads->setWordWrap(true);
    m_restreams = new QLabel(tr("none configured"), this);
    m_restreams->setObjectName(QStringLiteral("restreamStats"));
    m_restreams->setWordWrap(true);
    m_eventLoop = new QLabel(QStringLiteral("–"), this);
    m_eventLoop->setObjectName(QStringLiteral("eventLoopStats"));
    m_eventLoop->setToolTip(tr("How late this window's event loop serves a 10 ms timer (the last "
                               "10 s): anything over a few ms shows as a stutter"));
    form->addRow(tr("Stream"), m_state);
    form->addRow(tr("Encoder"), m_encoder);
    form->addRow(tr("Viewers"), m_viewers);
    form->addRow(tr("Relays"), m_relays);
    form->addRow(tr("Uploads"), m_uploads);
    form->addRow(tr("Restream"), m_restreams);
    form->addRow(tr("GUI latency"), m_eventLoop);
    layout->addLayout(form);
    m_renditions = new QTableWidget(0, 4, this);
    m_renditions->setObjectName(QStringLiteral("renditionTable"));
    m_renditions->setHorizontalHeaderLabels({tr("Rendition"), tr("Size"), tr("kbps"), tr("Segments")});
    m_renditions->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_renditions->verticalHeader()->hide();
    m_renditions->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_renditions);
    m_hosted = new HostedStreamsTable(this);
    m_hosted->hide();
    layout->addWidget(m_hosted);
}

void StatsPanel::refresh(const studio::Studio &studio)
{
    const session::Stream *stream = studio.liveStream();
    if (!stream) {
        m_state->setText(tr("not live"));
        m_encoder->setText(QStringLiteral("–"));
        m_viewers->setText(QStringLiteral("–"));
        m_renditions->setRowCount(0);
        m_renditions->hide(); // room for the hosted streams
    } else {
        m_renditions->show();
        const media::PipelineStats stats = stream->stats();
        const QString reason = stream->lastError().isEmpty() ? QString()
                                                             : QStringLiteral(" (%1)").arg(stream->lastError());
        m_state->setText(stream->stateName() + reason);
        m_encoder->setText(tr("in %1 fps · out %2 fps · speed %3× · dropped %4 · repeated %5 · "
                              "queue %6/%7")
                               .arg(stats.inputFps, 0, 'f', 1)
                               .arg(stats.outputFps, 0, 'f', 1)
                               .arg(stats.encoderSpeed, 0, 'f', 2)
                               .arg(stats.videoFramesDropped)
                               .arg(stats.videoFramesDuplicated)
                               .arg(stats.inputQueueDepth)
                               .arg(stats.inputQueueCapacity));
        const int httpViewers = studio.httpViewerCount(stream->key());
        m_viewers->setText(tr("%1 Socket.IO · %2 HLS clients").arg(stream->viewerCount()).arg(httpViewers));
        m_renditions->setRowCount(int(stats.renditions.size()));
        for (int row = 0; row < stats.renditions.size(); ++row) {
            const media::RenditionStats &rendition = stats.renditions[row];
            const QStringList cells{rendition.name,
                                    QStringLiteral("%1×%2").arg(rendition.width).arg(rendition.height),
                                    QString::number(qRound(rendition.lastSegmentKbps)),
                                    QString::number(rendition.segmentsWritten)};
            for (int column = 0; column < cells.size(); ++column)
                m_renditions->setItem(row, column, new QTableWidgetItem(cells[column]));
        }
    }
    refreshTargets(studio, stream ? stream->key() : studio.options().streamKey);
    m_hosted->refresh(studio);
    m_hosted->setVisible(m_hosted->rowCount() > 0);
    const studio::EventLoopLatency::Summary latency = studio.eventLoopLatency().summary();
    m_eventLoop->setText(tr("p50 %1 ms · p99 %2 ms · max %3 ms")
                             .arg(latency.p50Ms, 0, 'f', 1)
                             .arg(latency.p99Ms, 0, 'f', 1)
                             .arg(latency.maxMs, 0, 'f', 1));
    if (const studio::NostrPresence *nostr = studio.nostr()) {
        QStringList relays;
        for (const QJsonValue &value : nostr->relayStatus()) {
            const QJsonObject relay = value.toObject();
            relays << QStringLiteral("%1: %2").arg(relay.value(QStringLiteral("url")).toString(),
                                                   relay.value(QStringLiteral("state")).toString());
        }
        m_relays->setText(relays.join(u'\n'));
    }
}

namespace {

// "12:34:56" of an ISO time in /status, local; "never" for null.
QString timeOf(const QJsonValue &isoTime)
{
    const QDateTime time = QDateTime::fromString(isoTime.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toLocalTime().toString(QStringLiteral("HH:mm:ss"))
                          : StatsPanel::tr("never");
}

// One push target of Restreamer's /status JSON (its target is already redacted).
QString pushText(const QJsonObject &push)
{
    QString text =
        StatsPanel::tr("%1 %2: %3 · %4 KB/s · %5 reconnects")
            .arg(push.value(QStringLiteral("label")).toString(),
                 push.value(QStringLiteral("target")).toString(),
                 push.value(QStringLiteral("state")).toString())
            .arg(push.value(QStringLiteral("bytesPerSecond")).toDouble() / 1000, 0, 'f', 0)
            .arg(push.value(QStringLiteral("reconnects")).toInteger());
    if (const QString error = push.value(QStringLiteral("lastError")).toString(); !error.isEmpty())
        text += StatsPanel::tr(" · last error: %1").arg(error);
    return text;
}

} // namespace

void StatsPanel::refreshTargets(const studio::Studio &studio, const QString &streamKey)
{
    // One line (and its last error) per upload target: R2 and Cloudinary may both be on.
    QStringList targets;
    for (const auto &uploads : studio.uploadQueues()) {
        const QJsonObject status = uploads->status(streamKey);
        QString text = tr("%1: backlog %2 · stored %3 · last success %4")
                           .arg(status.value(QStringLiteral("target")).toString())
                           .arg(status.value(QStringLiteral("backlog")).toInteger())
                           .arg(status.value(QStringLiteral("stored")).toInteger())
                           .arg(timeOf(status.value(QStringLiteral("lastSuccessAt"))));
        if (const QString error = status.value(QStringLiteral("lastError")).toString();
            !error.isEmpty())
            text += tr("\nlast error (%1): %2")
                        .arg(timeOf(status.value(QStringLiteral("lastErrorAt"))), error);
        targets << text;
    }
    if (!targets.isEmpty())
        m_uploads->setText(targets.join(u'\n'));
    if (const restream::Restreamer *restreamer = studio.restreamer()) {
        QStringList lines;
        for (const QJsonValue &push : restreamer->pushStatusJson())
            lines << pushText(push.toObject());
        const QJsonObject cloudinary = restreamer->cloudinaryStatusJson();
        if (cloudinary.value(QStringLiteral("configured")).toBool()) {
            QString line = tr("Cloudinary %1: %2")
                               .arg(cloudinary.value(QStringLiteral("cloudName")).toString(),
                                    cloudinary.value(QStringLiteral("state")).toString(tr("idle")));
            if (const QString error = cloudinary.value(QStringLiteral("lastError")).toString();
                !error.isEmpty())
                line += tr(" · last error: %1").arg(error);
            lines << line;
        }
        m_restreams->setText(lines.join(u'\n'));
    }
}

} // namespace afk::ui
