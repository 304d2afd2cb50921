// A camera through Qt Multimedia (QCamera → QMediaCaptureSession → QVideoSink): its pictures go
// into the CaptureSource queue from whatever thread the sink delivers on. Created and destroyed
// on the Qt event loop's thread (QCamera lives there); the pipeline reads it on its own.
#pragma once

#include "CaptureSource.h"
#include "Microphone.h"

#include <QCamera>
#include <QMediaCaptureSession>
#include <QVideoSink>
#include <memory>

namespace afk::media {

class CameraSource : public CaptureSource
{
public:
    // deviceId: a QCameraDevice id (see listCameras()); empty: the system's default camera.
    // With a microphone (isMicrophoneUsed; microphoneId empty: the default one) its sound is the
    // stream's audio.
    CameraSource(const QByteArray &deviceId, bool isMicrophoneUsed = false,
                 const QByteArray &microphoneId = {});
    ~CameraSource() override;

    // "<id>  <description>" per camera, the default first; empty without cameras.
    static QStringList listCameras();

private:
    std::unique_ptr<QCamera> m_camera;
    std::unique_ptr<QMediaCaptureSession> m_session;
    std::unique_ptr<QVideoSink> m_sink;
    std::unique_ptr<Microphone> m_microphone;
};

} // namespace afk::media
