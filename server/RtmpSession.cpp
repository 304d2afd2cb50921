#include "RtmpSession.h"

#include "Amf0.h"
#include "FlvTagWriter.h"

#include <QDebug>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QtEndian>

#include <algorithm>

namespace afk::server {
namespace {

constexpr qsizetype handshakePacketBytes = 1536; // C1, C2, S1, S2 (specification 5.2)
constexpr quint8 rtmpVersion = 3;
constexpr quint32 windowAcknowledgementSize = 2500000;
constexpr quint32 outgoingChunkSize = 4096;
// Chunk streams of our messages: protocol control on 2 (the specification's), commands on 3,
// a message stream's status on 5 (what FMS-style servers use and clients expect nothing of).
constexpr quint32 controlChunkStream = 2;
constexpr quint32 commandChunkStream = 3;
constexpr quint32 statusChunkStream = 5;
// The application of rtmp://<host>:<port>/live/<key>.
constexpr QStringView ingestApplication = u"live";

QByteArray u32Bytes(quint32 value)
{
    QByteArray bytes(4, Qt::Uninitialized);
    qToBigEndian(value, bytes.data());
    return bytes;
}

// "name?query" → "name": encoders append tokens that are not part of the key or application.
QString withoutQuery(const QString &text)
{
    const qsizetype query = text.indexOf(u'?');
    return query < 0 ? text : text.left(query);
}

} // namespace

RtmpSession::RtmpSession(QTcpSocket *socket, const RtmpServerOptions &options,
                         const RtmpKeyBook &keys, const RtmpPublishHandler &handler,
                         QObject *parent)
    : QObject(parent), m_socket(socket), m_options(options), m_keys(keys), m_handler(handler),
      m_reader(options.limits)
{
    m_socket->setParent(this);
    m_peerAddress = m_socket->peerAddress();
    m_peer = QStringLiteral("%1:%2").arg(m_peerAddress.toString()).arg(m_socket->peerPort());
    m_deadline.setSingleShot(true);
}

RtmpSession::~RtmpSession()
{
    if (!m_streamId.isEmpty())
        endPublishing(QStringLiteral("the RTMP server stopped"), true);
}

void RtmpSession::start()
{
    connect(m_socket, &QTcpSocket::readyRead, this, &RtmpSession::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        if (m_state != State::Closing)
            close(m_state == State::Publishing ? QStringLiteral("the publisher disconnected")
                                               : QString());
        emit closed();
    });
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        close(
            m_state < State::Connected
                ? QStringLiteral("no RTMP handshake and connect within %1 s")
                      .arg(m_options.handshakeTimeoutMs / 1000)
                : QStringLiteral("nothing received for %1 s").arg(m_options.idleTimeoutMs / 1000));
    });
    m_deadline.start(m_options.handshakeTimeoutMs);
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        close({});
        emit closed();
        return;
    }
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void RtmpSession::close(const QString &reason)
{
    if (m_state == State::Closing)
        return;
    if (!reason.isEmpty())
        qWarning().noquote() << "[rtmp]" << m_peer << "closed:" << reason;
    if (!m_streamId.isEmpty())
        endPublishing(reason.isEmpty() ? QStringLiteral("the publisher disconnected") : reason,
                      false);
    m_state = State::Closing;
    m_deadline.stop();
    // Answers already written (an onStatus error) still go out before the FIN.
    m_socket->disconnectFromHost();
}

void RtmpSession::onReadyRead()
{
    if (m_state == State::Closing) {
        m_socket->readAll(); // a closing peer's leftovers
        return;
    }
    const QByteArray bytes = m_socket->readAll();
    m_bytesReceived += quint64(bytes.size());
    if (m_state >= State::Connected)
        m_deadline.start(m_options.idleTimeoutMs);
    QString error;
    QByteArray chunkBytes = bytes;
    if (m_state == State::AwaitingC0C1 || m_state == State::AwaitingC2) {
        m_handshakeBytes.append(bytes);
        if (!readHandshake(&error)) {
            close(error);
            return;
        }
        if (m_state == State::AwaitingC0C1 || m_state == State::AwaitingC2)
            return;
        chunkBytes = std::exchange(m_handshakeBytes, {}); // what came after C2
    }
    QList<RtmpMessage> messages;
    const bool isParsed = m_reader.feed(chunkBytes, &messages, &error);
    // The messages before a protocol error are handled (an unpublish may be among them).
    for (const RtmpMessage &message : std::as_const(messages)) {
        QString messageError;
        if (m_state == State::Closing)
            return;
        if (!handleMessage(message, &messageError)) {
            close(messageError);
            return;
        }
    }
    if (!isParsed) {
        close(error);
        return;
    }
    if (!m_flvOut.isEmpty() && !m_streamId.isEmpty()) {
        using Outcome = RtmpPublishHandler::MediaOutcome;
        const Outcome outcome = m_handler.media(m_streamId, std::exchange(m_flvOut, {}), &error);
        if (outcome == Outcome::Refused) {
            close(QStringLiteral("stream %1 refused the media: %2").arg(m_streamId, error));
            return;
        }
        if (outcome == Outcome::Dropped)
            dropBatch(error);
    }
    m_isBatchWithHeader = false;
    m_batchVideoFrames = 0;
    updateRates();
    sendAcknowledgementIfDue();
}

bool RtmpSession::readHandshake(QString *error)
{
    if (m_state == State::AwaitingC0C1) {
        if (m_handshakeBytes.isEmpty())
            return true;
        const quint8 version = quint8(m_handshakeBytes[0]);
        if (version != rtmpVersion) {
            // 6 and 8 are RTMPE's encrypted variants; anything else is not RTMP at all.
            *error = QStringLiteral("not an RTMP handshake: version byte 0x%1 (3 expected)")
                         .arg(version, 2, 16, QLatin1Char('0'));
            return false;
        }
        if (m_handshakeBytes.size() < 1 + handshakePacketBytes)
            return true;
        const QByteArray c1 = m_handshakeBytes.mid(1, handshakePacketBytes);
        m_handshakeBytes.remove(0, 1 + handshakePacketBytes);
        // S1: our time, zeros (version 0: clients then skip checking a digest), random bytes.
        QByteArray s1(handshakePacketBytes, Qt::Uninitialized);
        qToBigEndian(quint32(0), s1.data());
        qToBigEndian(quint32(0), s1.data() + 4);
        auto *random = reinterpret_cast<quint32 *>(s1.data() + 8);
        QRandomGenerator::global()->fillRange(random, (handshakePacketBytes - 8) / 4);
        // S2 echoes C1, as the simple handshake asks; the digest variant's clients accept it.
        m_socket->write(QByteArray(1, char(rtmpVersion)) + s1 + c1);
        m_state = State::AwaitingC2;
    }
    if (m_state == State::AwaitingC2) {
        if (m_handshakeBytes.size() < handshakePacketBytes)
            return true;
        m_handshakeBytes.remove(0, handshakePacketBytes); // C2: an echo of S1, nothing to act on
        m_state = State::Connecting;
    }
    return true;
}

bool RtmpSession::handleMessage(const RtmpMessage &message, QString *error)
{
    switch (message.typeId) {
    case RtmpMessage::WindowAcknowledgementSize:
        if (message.payload.size() >= 4)
            m_peerWindowSize = qFromBigEndian<quint32>(message.payload.constData());
        return true;
    case RtmpMessage::CommandAmf0:
    case RtmpMessage::CommandAmf3: {
        // An AMF3 command message starts with one format byte, then AMF0 values.
        const QByteArrayView payload =
            message.typeId == RtmpMessage::CommandAmf3
                ? QByteArrayView(message.payload)
                      .sliced(std::min<qsizetype>(1, message.payload.size()))
                : QByteArrayView(message.payload);
        QVariantList values;
        if (!Amf0::decodeAll(payload, &values, error))
            return false;
        return handleCommand(values, message.streamId, error);
    }
    case RtmpMessage::Audio:
    case RtmpMessage::Video:
    case RtmpMessage::DataAmf0:
        return handleMedia(message, error);
    default:
        // Set Chunk Size and Abort are the reader's; acknowledgements, user control (pings),
        // bandwidth and AMF3 data need no answer from an ingest server.
        return true;
    }
}

bool RtmpSession::handleCommand(const QVariantList &values, quint32 streamId, QString *error)
{
    const QString name = values.value(0).toString();
    const double transactionId = values.value(1).toDouble();
    if (name == u"connect")
        return handleConnect(values, error);
    if (m_state < State::Connected) {
        *error = QStringLiteral("command \"%1\" before connect").arg(name.left(64));
        return false;
    }
    if (name == u"releaseStream" || name == u"FCPublish") {
        // Flash-era preparations of a publish: answered so that clients waiting for them go on.
        sendCommand(0, {QStringLiteral("_result"), transactionId, QVariant(), QVariant()});
        return true;
    }
    if (name == u"createStream") {
        sendCommand(0, {QStringLiteral("_result"), transactionId, QVariant(),
                        double(m_nextMessageStreamId++)});
        return true;
    }
    if (name == u"publish")
        return handlePublish(values, streamId, error);
    if (name == u"FCUnpublish" || name == u"deleteStream" || name == u"closeStream") {
        if (!m_streamId.isEmpty()) {
            endPublishing(QStringLiteral("the publisher unpublished"), true);
            m_state = State::Connected;
        }
        return true;
    }
    if (name == u"play") {
        *error = QStringLiteral("play is not served over RTMP (viewers use HLS)");
        return false;
    }
    return true; // _checkbw, getStreamLength …: nothing to do
}

bool RtmpSession::handleConnect(const QVariantList &values, QString *error)
{
    if (m_state != State::Connecting) {
        *error = QStringLiteral("a second connect");
        return false;
    }
    const QVariantMap properties = values.value(2).toMap();
    const QString application = withoutQuery(properties.value(QStringLiteral("app")).toString());
    if (application != ingestApplication) {
        sendCommand(
            0,
            {QStringLiteral("_error"), values.value(1).toDouble(), QVariant(),
             QVariantMap{{QStringLiteral("level"), QStringLiteral("error")},
                         {QStringLiteral("code"), QStringLiteral("NetConnection.Connect.Rejected")},
                         {QStringLiteral("description"),
                          QStringLiteral("publish to rtmp://<host>:<port>/live/<key>")}}});
        *error = QStringLiteral("connect to application \"%1\" (only \"live\" is served)")
                     .arg(application.left(64));
        return false;
    }
    sendControl(RtmpMessage::WindowAcknowledgementSize, u32Bytes(windowAcknowledgementSize));
    sendControl(RtmpMessage::SetPeerBandwidth, u32Bytes(windowAcknowledgementSize) + char(2));
    sendControl(RtmpMessage::SetChunkSize, u32Bytes(outgoingChunkSize));
    m_outChunkSize = outgoingChunkSize;
    QByteArray streamBegin(6, '\0'); // User Control event 0 (Stream Begin) of message stream 0
    sendControl(RtmpMessage::UserControl, streamBegin);
    sendCommand(
        0, {QStringLiteral("_result"), values.value(1).toDouble(),
            QVariantMap{{QStringLiteral("fmsVer"), QStringLiteral("FMS/3,0,1,123")},
                        {QStringLiteral("capabilities"), 31.0}},
            QVariantMap{{QStringLiteral("level"), QStringLiteral("status")},
                        {QStringLiteral("code"), QStringLiteral("NetConnection.Connect.Success")},
                        {QStringLiteral("description"), QStringLiteral("Connection succeeded.")},
                        {QStringLiteral("objectEncoding"), 0.0}}});
    m_state = State::Connected;
    m_deadline.start(m_options.idleTimeoutMs);
    return true;
}

bool RtmpSession::handlePublish(const QVariantList &values, quint32 streamId, QString *error)
{
    if (m_state == State::Publishing) {
        *error = QStringLiteral("a second publish on one connection");
        return false;
    }
    const QString key = withoutQuery(values.value(3).toString());
    const QString target = m_keys.streamIdFor(key);
    if (target.isEmpty()) {
        // The key is the publisher's secret: only its length is ever shown.
        sendStatus(streamId, QStringLiteral("error"), QStringLiteral("NetStream.Publish.BadName"),
                   QStringLiteral("unknown stream key"));
        *error =
            QStringLiteral("publish refused: unknown stream key (%1 characters)").arg(key.size());
        return false;
    }
    QString refusal;
    if (!m_handler.begin(target, m_peer, &refusal)) {
        sendStatus(streamId, QStringLiteral("error"), QStringLiteral("NetStream.Publish.BadName"),
                   refusal);
        *error = QStringLiteral("publish to stream %1 refused: %2").arg(target, refusal);
        return false;
    }
    m_streamId = target;
    m_hasSentFlvHeader = false;
    m_isSkippingToKeyframe = false;
    m_state = State::Publishing;
    m_publishingClock.start();
    m_rateWindowClock.start();
    m_rateWindowBytes = m_bytesIn;
    m_rateWindowFrames = m_videoFramesIn;
    QByteArray streamBegin(6, '\0');
    qToBigEndian(streamId, streamBegin.data() + 2);
    sendControl(RtmpMessage::UserControl, streamBegin);
    sendStatus(streamId, QStringLiteral("status"), QStringLiteral("NetStream.Publish.Start"),
               QStringLiteral("publishing stream %1").arg(target));
    qInfo().noquote() << "[rtmp]" << m_peer << "publishes stream" << target;
    return true;
}

bool RtmpSession::handleMedia(const RtmpMessage &message, QString *error)
{
    if (m_state != State::Publishing) {
        if (message.typeId == RtmpMessage::DataAmf0)
            return true; // metadata sent early is harmless
        *error = QStringLiteral("media before publish");
        return false;
    }
    QByteArrayView body(message.payload);
    FlvTagWriter::TagType type = FlvTagWriter::Audio;
    if (message.typeId == RtmpMessage::Video) {
        // Enhanced RTMP sets the top bit and names the codec by FourCC (HEVC, AV1, VP9).
        // (Enhanced RTMP specification: the ExVideoTagHeader's IsExHeader bit, then 4 bytes of
        // FourCC after the first byte.)
        if (!body.isEmpty() && (quint8(body[0]) & 0x80)) {
            QString fourCc = QStringLiteral("?");
            if (body.size() >= 5) {
                const QByteArray code = body.sliced(1, 4).toByteArray();
                const bool isPrintable = std::all_of(code.cbegin(), code.cend(),
                                                     [](char c) { return c >= 0x20 && c < 0x7f; });
                fourCc =
                    isPrintable ? QString::fromLatin1(code) : QString::fromLatin1(code.toHex());
            }
            sendStatus(message.streamId, QStringLiteral("error"),
                       QStringLiteral("NetStream.Publish.Rejected"),
                       QStringLiteral("enhanced RTMP video is not supported: publish H.264"));
            *error = QStringLiteral("enhanced RTMP video (FourCC \"%1\": HEVC, AV1, VP9 …) is not "
                                    "supported yet: set the encoder to H.264 (x264/AVC)")
                         .arg(fourCc);
            return false;
        }
        type = FlvTagWriter::Video;
        // An AVC message is a frame unless it is the sequence header (0) or end of sequence (2).
        constexpr quint8 avcCodecId = 7;
        const bool isFrame =
            body.size() < 2 || (quint8(body[0]) & 0x0f) != avcCodecId || quint8(body[1]) == 1;
        const bool isKeyframe = !body.isEmpty() && (quint8(body[0]) >> 4) == 1;
        if (m_isSkippingToKeyframe && !isKeyframe) {
            m_videoFramesDropped += isFrame ? 1 : 0;
            return true;
        }
        m_isSkippingToKeyframe = false;
        if (isFrame) {
            ++m_videoFramesIn;
            ++m_batchVideoFrames;
        }
    } else if (message.typeId == RtmpMessage::DataAmf0) {
        // "@setDataFrame", "onMetaData", {…} as the ffmpeg program and OBS send it: the FLV
        // script tag is the same without the first string.
        static const QByteArray setDataFrame = Amf0::encode({QStringLiteral("@setDataFrame")});
        if (body.startsWith(setDataFrame))
            body = body.sliced(setDataFrame.size());
        static const QByteArray onMetaData = Amf0::encode({QStringLiteral("onMetaData")});
        if (!body.startsWith(onMetaData))
            return true; // other data (cue points, captions) is not needed for the ladder
        type = FlvTagWriter::Script;
    }
    if (!m_hasSentFlvHeader) {
        m_flvOut += FlvTagWriter::header();
        m_hasSentFlvHeader = true;
        m_isBatchWithHeader = true;
    }
    m_bytesIn += body.size();
    FlvTagWriter::appendTag(&m_flvOut, type, message.timestamp, body);
    return true;
}

void RtmpSession::endPublishing(const QString &reason, bool isUnpublished)
{
    const QString streamId = std::exchange(m_streamId, {});
    m_flvOut.clear();
    if (!streamId.isEmpty() && m_handler.end)
        m_handler.end(streamId, reason, isUnpublished);
}

void RtmpSession::dropBatch(const QString &why)
{
    if (!m_isSkippingToKeyframe)
        qWarning().noquote() << "[rtmp]" << m_peer << "stream" << m_streamId
                             << "drops video up to the next keyframe:" << why;
    m_isSkippingToKeyframe = true;
    m_videoFramesDropped += m_batchVideoFrames;
    m_videoFramesIn -= m_batchVideoFrames;
    // The FLV header went with the batch: the next one carries it (after a new publish, the
    // stream must see it to start its new demuxer).
    if (m_isBatchWithHeader)
        m_hasSentFlvHeader = false;
}

void RtmpSession::updateRates()
{
    constexpr qint64 rateWindowMs = 2000;
    if (m_state != State::Publishing || m_rateWindowClock.elapsed() < rateWindowMs)
        return;
    const double seconds = double(m_rateWindowClock.restart()) / 1000.0;
    m_kilobitsPerSecondIn = double(m_bytesIn - m_rateWindowBytes) * 8.0 / 1000.0 / seconds;
    m_framesPerSecondIn = double(m_videoFramesIn - m_rateWindowFrames) / seconds;
    m_rateWindowBytes = m_bytesIn;
    m_rateWindowFrames = m_videoFramesIn;
}

RtmpPublisherStats RtmpSession::stats() const
{
    RtmpPublisherStats stats;
    stats.streamId = m_streamId;
    stats.remoteAddress = m_peer;
    // Rates are of the last window; a publisher silent for longer sends nothing now.
    const bool isRecent = m_rateWindowClock.isValid() && m_rateWindowClock.elapsed() < 5000;
    stats.kilobitsPerSecondIn = isRecent ? m_kilobitsPerSecondIn : 0.0;
    stats.framesPerSecondIn = isRecent ? m_framesPerSecondIn : 0.0;
    stats.bytesIn = m_bytesIn;
    stats.videoFramesIn = m_videoFramesIn;
    stats.videoFramesDropped = m_videoFramesDropped;
    stats.publishingMs = m_publishingClock.isValid() ? m_publishingClock.elapsed() : 0;
    return stats;
}

void RtmpSession::sendAcknowledgementIfDue()
{
    if (m_peerWindowSize == 0 || m_bytesReceived - m_bytesAcknowledged < m_peerWindowSize)
        return;
    m_bytesAcknowledged = m_bytesReceived;
    // The sequence number is the byte count, wrapping at 32 bits.
    sendControl(RtmpMessage::Acknowledgement, u32Bytes(quint32(m_bytesReceived)));
}

void RtmpSession::sendControl(quint8 typeId, const QByteArray &payload)
{
    RtmpMessage message;
    message.typeId = typeId;
    message.chunkStreamId = controlChunkStream;
    message.payload = payload;
    m_socket->write(message.toChunks(m_outChunkSize));
}

void RtmpSession::sendCommand(quint32 streamId, const QVariantList &values)
{
    RtmpMessage message;
    message.typeId = RtmpMessage::CommandAmf0;
    message.streamId = streamId;
    message.chunkStreamId = streamId == 0 ? commandChunkStream : statusChunkStream;
    message.payload = Amf0::encode(values);
    m_socket->write(message.toChunks(m_outChunkSize));
}

void RtmpSession::sendStatus(quint32 streamId, const QString &level, const QString &code,
                             const QString &description)
{
    sendCommand(streamId, {QStringLiteral("onStatus"), 0.0, QVariant(),
                           QVariantMap{{QStringLiteral("level"), level},
                                       {QStringLiteral("code"), code},
                                       {QStringLiteral("description"), description}}});
}

} // namespace afk::server
