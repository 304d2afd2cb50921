#include "RtmpPushTarget.h"

#include "RtmpUrl.h"

namespace afk::restream {

RtmpPushTarget::RtmpPushTarget(QString label, QString url) : m_url(std::move(url))
{
    m_status.label = std::move(label);
    m_status.target = m_url.isEmpty() ? QString() : redactRtmpUrl(m_url);
}

QString RtmpPushTarget::url() const
{
    std::lock_guard lock(m_mutex);
    return m_url;
}

void RtmpPushTarget::setUrl(const QString &url)
{
    std::lock_guard lock(m_mutex);
    m_url = url;
    m_status.target = url.isEmpty() ? QString() : redactRtmpUrl(url);
}

RtmpPushStatus RtmpPushTarget::status() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

void RtmpPushTarget::setState(const QString &state)
{
    std::lock_guard lock(m_mutex);
    m_status.state = state;
    if (state != u"live")
        m_status.bytesPerSecond = 0;
}

void RtmpPushTarget::setError(const QString &error)
{
    std::lock_guard lock(m_mutex);
    m_status.lastError = error;
}

void RtmpPushTarget::addConnection()
{
    std::lock_guard lock(m_mutex);
    ++m_status.connections;
    m_status.reconnects = std::max(0, m_status.connections - 1);
}

void RtmpPushTarget::addDropped(qint64 packets)
{
    std::lock_guard lock(m_mutex);
    m_status.packetsDropped += packets;
}

void RtmpPushTarget::setThroughput(qint64 bytesSent, double bytesPerSecond)
{
    std::lock_guard lock(m_mutex);
    m_status.bytesSent = bytesSent;
    m_status.bytesPerSecond = bytesPerSecond;
}

} // namespace afk::restream
