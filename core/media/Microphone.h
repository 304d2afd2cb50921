// A microphone through Qt Multimedia (QAudioSource in its own format): its sound goes into a
// CaptureSource's audio path, which the pipeline's AAC encoder resamples with swresample to 48 kHz
// stereo. Created and destroyed on the Qt event loop's thread (the device delivers there).
#pragma once

#include <QAudioSource>
#include <QByteArray>
#include <memory>

namespace afk::media {

class CaptureSource;

class Microphone
{
public:
    // Starts the device (deviceId of --list-devices; empty: the default one). When there is no
    // such device, it cannot start, or it fails later, target.failDevice() gets the reason: the
    // stream ends with it rather than going on silent.
    Microphone(CaptureSource &target, const QByteArray &deviceId);
    ~Microphone();
    Microphone(const Microphone &) = delete;
    Microphone &operator=(const Microphone &) = delete;

    bool isStarted() const { return m_input != nullptr; }

private:
    CaptureSource &m_target;
    std::unique_ptr<QAudioSource> m_device;
    QIODevice *m_input = nullptr; // owned by m_device
};

} // namespace afk::media
