#include "AudioMeter.h"

#include <QPainter>

namespace afk::ui {
namespace {

const QColor green(0x2e, 0xb8, 0x4b);
const QColor yellow(0xe6, 0xc2, 0x1a);
const QColor red(0xe0, 0x32, 0x2b);

} // namespace

AudioMeter::AudioMeter(QWidget *parent) : QWidget(parent), m_noAudioText(tr("No audio"))
{
    setMinimumSize(120, 18);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(m_noAudioText);
}

void AudioMeter::setLevel(double peakDbfs, double rmsDbfs)
{
    m_hasAudio = true;
    m_peakDbfs = std::max(floorDbfs, std::min(0.0, peakDbfs));
    m_rmsDbfs = std::max(floorDbfs, std::min(m_peakDbfs, rmsDbfs));
    if (m_peakDbfs >= m_heldPeakDbfs || !m_heldSince.isValid() ||
        m_heldSince.elapsed() > peakHoldMs) {
        m_heldPeakDbfs = m_peakDbfs;
        m_heldSince.start();
    }
    setToolTip(
        tr("peak %1 dBFS · RMS %2 dBFS").arg(m_peakDbfs, 0, 'f', 1).arg(m_rmsDbfs, 0, 'f', 1));
    update();
}

void AudioMeter::setNoAudio(const QString &reason)
{
    if (!m_hasAudio && reason == m_noAudioText)
        return;
    m_hasAudio = false;
    m_noAudioText = reason;
    m_peakDbfs = m_rmsDbfs = m_heldPeakDbfs = floorDbfs;
    m_heldSince.invalidate();
    setToolTip(reason);
    update();
}

int AudioMeter::position(double dbfs, int width) const
{
    return int((dbfs - floorDbfs) / -floorDbfs * width);
}

void AudioMeter::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.fillRect(rect(), QColor(0x1e, 0x1e, 0x22));
    if (!m_hasAudio) {
        painter.setPen(QColor(0xa0, 0xa0, 0xa8));
        painter.drawText(rect(), Qt::AlignCenter, m_noAudioText);
        return;
    }
    const int width = this->width();
    const int height = this->height();
    const int yellowX = position(yellowFromDbfs, width);
    const int redX = position(redFromDbfs, width);
    // Each zone's part of [0, x), solid (RMS) or light (peak).
    const auto fillTo = [&](int x, int alpha) {
        const auto zone = [&](int from, int to, QColor colour) {
            if (x <= from)
                return;
            colour.setAlpha(alpha);
            painter.fillRect(QRect(from, 0, std::min(x, to) - from, height), colour);
        };
        zone(0, yellowX, green);
        zone(yellowX, redX, yellow);
        zone(redX, width, red);
    };
    fillTo(position(m_peakDbfs, width), 110);
    fillTo(position(m_rmsDbfs, width), 255);
    const int heldX = std::min(width - 2, position(m_heldPeakDbfs, width));
    painter.fillRect(QRect(heldX, 0, 2, height), Qt::white);
}

} // namespace afk::ui
