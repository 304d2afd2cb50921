// One place the top rendition is pushed to (a --rtmp-push URL, or Cloudinary's ingest once its
// live stream exists), and what the push reports about it. Shared by the studio, which shows it,
// and the push thread of the running stream, which updates it; every member is thread-safe.
#pragma once

#include <QString>
#include <mutex>

namespace afk::restream {

struct RtmpPushStatus {
    QString label;  // "rtmp-push 1", "cloudinary"
    QString target; // redacted: never the stream key
    // idle, waiting-for-url, connecting, live, backoff, ended
    QString state = QStringLiteral("idle");
    double bytesPerSecond = 0;
    qint64 bytesSent = 0;
    int connections = 0; // successful connects; reconnects = connections - 1 when positive
    int reconnects = 0;
    qint64 packetsDropped = 0; // by the bounded queue (whole GOPs) or while not connected
    QString lastError;         // redacted too
};

class RtmpPushTarget
{
public:
    // url may be empty: it arrives later (setUrl), and the push waits for it.
    RtmpPushTarget(QString label, QString url);

    QString url() const;
    void setUrl(const QString &url);
    RtmpPushStatus status() const;

    // For the push thread.
    void setState(const QString &state);
    void setError(const QString &error); // the caller redacts
    void addConnection();
    void addDropped(qint64 packets);
    void setThroughput(qint64 bytesSent, double bytesPerSecond);

private:
    mutable std::mutex m_mutex;
    QString m_url;
    RtmpPushStatus m_status;
};

} // namespace afk::restream
