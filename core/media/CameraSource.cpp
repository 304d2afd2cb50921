#include "CameraSource.h"

#include <QCameraDevice>
#include <QMediaDevices>
#include <QVideoFrame>
#include <cmath>

namespace afk::media {
namespace {

// The device's format nearest 1280x720 at 30 fps: the default ladder's top rung, without
// upscaling a smaller camera or paying for a 4K one.
QCameraFormat preferredFormat(const QCameraDevice &device)
{
    QCameraFormat best;
    double bestScore = 1e18;
    for (const QCameraFormat &format : device.videoFormats()) {
        const QSize size = format.resolution();
        const double fps = format.maxFrameRate();
        const double score = std::abs(size.width() * size.height() - 1280.0 * 720.0) / 1000.0
                             + std::abs(std::min(fps, 60.0) - 30.0) * 100.0;
        if (score < bestScore) {
            bestScore = score;
            best = format;
        }
    }
    return best;
}

QCameraDevice findCamera(const QByteArray &deviceId)
{
    if (deviceId.isEmpty())
        return QMediaDevices::defaultVideoInput();
    for (const QCameraDevice &device : QMediaDevices::videoInputs())
        if (device.id() == deviceId)
            return device;
    return {};
}

QSize formatSize(const QCameraDevice &device)
{
    return device.isNull() ? QSize() : preferredFormat(device).resolution();
}

} // namespace

CameraSource::CameraSource(const QByteArray &deviceId, bool isMicrophoneUsed,
                           const QByteArray &microphoneId)
    : CaptureSource(QStringLiteral("camera %1").arg(QString::fromUtf8(deviceId)),
                    formatSize(findCamera(deviceId)), 30, isMicrophoneUsed)
{
    if (isMicrophoneUsed) {
        m_microphone = std::make_unique<Microphone>(*this, microphoneId);
        if (!m_microphone->isStarted())
            return;
    }
    const QCameraDevice device = findCamera(deviceId);
    if (device.isNull()) {
        failDevice(deviceId.isEmpty()
                       ? QStringLiteral("no camera found (see afk-studio --list-devices)")
                       : QStringLiteral("no camera '%1' (see afk-studio --list-devices)")
                             .arg(QString::fromUtf8(deviceId)));
        return;
    }
    m_camera = std::make_unique<QCamera>(device);
    m_camera->setCameraFormat(preferredFormat(device));
    m_session = std::make_unique<QMediaCaptureSession>();
    m_sink = std::make_unique<QVideoSink>();
    m_session->setCamera(m_camera.get());
    m_session->setVideoSink(m_sink.get());
    // Direct: the sink may deliver on a thread of the camera backend; the queue is thread-safe.
    QObject::connect(m_sink.get(), &QVideoSink::videoFrameChanged, m_sink.get(),
                     [this](const QVideoFrame &frame) { pushVideoFrame(frame); },
                     Qt::DirectConnection);
    QObject::connect(m_camera.get(), &QCamera::errorOccurred, m_camera.get(),
                     [this](QCamera::Error, const QString &message) {
                         failDevice(QStringLiteral("camera: ") + message);
                     });
    m_camera->start();
}

CameraSource::~CameraSource()
{
    m_microphone.reset();
    if (m_camera)
        m_camera->stop();
    if (m_sink)
        QObject::disconnect(m_sink.get(), nullptr, nullptr, nullptr);
}

QStringList CameraSource::listCameras()
{
    QStringList lines;
    const QCameraDevice preferred = QMediaDevices::defaultVideoInput();
    for (const QCameraDevice &device : QMediaDevices::videoInputs()) {
        const QSize size = preferredFormat(device).resolution();
        const QString line = QStringLiteral("%1  %2 (%3x%4)")
                                 .arg(QString::fromUtf8(device.id()), device.description())
                                 .arg(size.width())
                                 .arg(size.height());
        if (device == preferred)
            lines.prepend(line + QStringLiteral(" [default]"));
        else
            lines.append(line);
    }
    return lines;
}

} // namespace afk::media
