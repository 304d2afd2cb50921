// The audio level meter: a horizontal bar from -60 to 0 dBFS, green below -18, yellow to -6, red
// above; the RMS solid, the peak lighter beyond it, and the highest peak held for 1.5 s as a tick.
// "No audio" when the source has no sound.
#pragma once

#include <QElapsedTimer>
#include <QWidget>

namespace afk::ui {

class AudioMeter : public QWidget
{
    Q_OBJECT
public:
    static constexpr double floorDbfs = -60;
    static constexpr double yellowFromDbfs = -18;
    static constexpr double redFromDbfs = -6;
    static constexpr qint64 peakHoldMs = 1500;

    explicit AudioMeter(QWidget *parent = nullptr);

    void setLevel(double peakDbfs, double rmsDbfs);
    // The source has no sound (reason: what to say, e.g. "No audio").
    void setNoAudio(const QString &reason);

    bool hasAudio() const { return m_hasAudio; }
    double peakDbfs() const { return m_peakDbfs; }
    double rmsDbfs() const { return m_rmsDbfs; }
    double heldPeakDbfs() const { return m_heldPeakDbfs; }
    QSize sizeHint() const override { return {240, 22}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    // x of a level on the bar.
    int position(double dbfs, int width) const;

    bool m_hasAudio = false;
    QString m_noAudioText;
    double m_peakDbfs = floorDbfs;
    double m_rmsDbfs = floorDbfs;
    double m_heldPeakDbfs = floorDbfs;
    QElapsedTimer m_heldSince;
};

} // namespace afk::ui
