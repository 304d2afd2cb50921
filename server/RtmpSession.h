// One RTMP connection: the handshake (C0/C1/C2 answered with S0/S1/S2), the chunk stream, the
// NetConnection and NetStream commands of a publisher (connect, releaseStream, FCPublish,
// createStream, publish, FCUnpublish, deleteStream) and its media, turned into FLV for the
// studio. Any protocol error closes this connection only, with the reason logged.
#pragma once

#include "RtmpChunkReader.h"
#include "RtmpServer.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace afk::server {

class RtmpSession : public QObject
{
    Q_OBJECT
public:
    // Takes the socket over. keys and handler must outlive the session.
    RtmpSession(QTcpSocket *socket, const RtmpServerOptions &options, const RtmpKeyBook &keys,
                const RtmpPublishHandler &handler, QObject *parent = nullptr);
    ~RtmpSession() override;

    void start();
    // Logs the reason (when not empty), ends the publisher, closes once the answers are sent.
    void close(const QString &reason);

    QHostAddress peerAddress() const { return m_peerAddress; }
    bool isPublishing() const { return m_state == State::Publishing; }
    RtmpPublisherStats stats() const;

signals:
    void closed();

private:
    enum class State { AwaitingC0C1, AwaitingC2, Connecting, Connected, Publishing, Closing };

    void onReadyRead();
    bool readHandshake(QString *error);
    bool handleMessage(const RtmpMessage &message, QString *error);
    bool handleCommand(const QVariantList &values, quint32 streamId, QString *error);
    bool handleConnect(const QVariantList &values, QString *error);
    bool handlePublish(const QVariantList &values, quint32 streamId, QString *error);
    bool handleMedia(const RtmpMessage &message, QString *error);
    void endPublishing(const QString &reason, bool isUnpublished);
    // The studio could not take the batch (a full buffer): video up to the next keyframe goes.
    void dropBatch(const QString &why);
    void updateRates();
    void sendAcknowledgementIfDue();
    void sendControl(quint8 typeId, const QByteArray &payload);
    void sendCommand(quint32 streamId, const QVariantList &values);
    void sendStatus(quint32 streamId, const QString &level, const QString &code,
                    const QString &description);

    QTcpSocket *m_socket;
    const RtmpServerOptions &m_options;
    const RtmpKeyBook &m_keys;
    const RtmpPublishHandler &m_handler;
    QString m_peer;
    QHostAddress m_peerAddress;
    State m_state = State::AwaitingC0C1;
    QByteArray m_handshakeBytes;
    RtmpChunkReader m_reader;
    QTimer m_deadline; // the handshake's, then the idle timeout
    quint32 m_outChunkSize = RtmpChunkReader::defaultChunkSize;
    quint64 m_bytesReceived = 0;
    quint64 m_bytesAcknowledged = 0;
    quint32 m_peerWindowSize = 0; // the peer wants an Acknowledgement each time this many came
    quint32 m_nextMessageStreamId = 1;
    QString m_streamId;  // the studio stream being published
    QByteArray m_flvOut; // FLV made from one read's messages, handed over in one piece
    bool m_hasSentFlvHeader = false;
    bool m_isBatchWithHeader = false;
    qint64 m_batchVideoFrames = 0;
    bool m_isSkippingToKeyframe = false;
    // What the publisher sent, for its stats.
    QElapsedTimer m_publishingClock;
    QElapsedTimer m_rateWindowClock;
    qint64 m_bytesIn = 0;
    qint64 m_videoFramesIn = 0;
    qint64 m_videoFramesDropped = 0;
    qint64 m_rateWindowBytes = 0;  // m_bytesIn when the window began
    qint64 m_rateWindowFrames = 0; // m_videoFramesIn when the window began
    double m_kilobitsPerSecondIn = 0;
    double m_framesPerSecondIn = 0;
};

} // namespace afk::server
