#include "Microphone.h"

#include "CaptureSource.h"

#include <QMediaDevices>

namespace afk::media {
namespace {

QAudioDevice findMicrophone(const QByteArray &deviceId)
{
    if (deviceId.isEmpty())
        return QMediaDevices::defaultAudioInput();
    for (const QAudioDevice &input : QMediaDevices::audioInputs())
        if (input.id() == deviceId)
            return input;
    return {};
}

QString errorText(QAudio::Error error)
{
    switch (error) {
    case QAudio::OpenError:
        return QStringLiteral("it could not be opened");
    case QAudio::IOError:
        return QStringLiteral("reading from it failed");
    case QAudio::FatalError:
        return QStringLiteral("it is no longer usable");
    default:
        return QStringLiteral("it stopped");
    }
}

} // namespace

Microphone::Microphone(CaptureSource &target, const QByteArray &deviceId) : m_target(target)
{
    const QAudioDevice device = findMicrophone(deviceId);
    if (device.isNull()) {
        m_target.failDevice(
            deviceId.isEmpty()
                ? QStringLiteral("no microphone found (see afk-studio --list-devices)")
                : QStringLiteral("no microphone '%1' (see afk-studio --list-devices)")
                      .arg(QString::fromUtf8(deviceId)));
        return;
    }
    // The device's own format: the AAC encoder's swresample converts whatever it is, off the
    // event loop.
    const QAudioFormat format = device.preferredFormat();
    m_device = std::make_unique<QAudioSource>(device, format);
    m_input = m_device->start();
    if (!m_input) {
        m_target.failDevice(
            QStringLiteral("cannot open the microphone %1").arg(device.description()));
        return;
    }
    QObject::connect(m_input, &QIODevice::readyRead, m_device.get(),
                     [this, format] { m_target.pushAudioSamples(m_input->readAll(), format); });
    QObject::connect(m_device.get(), &QAudioSource::stateChanged, m_device.get(),
                     [this, name = device.description()](QAudio::State state) {
                         if (state == QAudio::StoppedState && m_device->error() != QAudio::NoError)
                             m_target.failDevice(QStringLiteral("the microphone %1 failed: %2")
                                                     .arg(name, errorText(m_device->error())));
                     });
}

Microphone::~Microphone()
{
    if (m_device) {
        QObject::disconnect(m_device.get(), nullptr, nullptr, nullptr);
        if (m_input)
            QObject::disconnect(m_input, nullptr, nullptr, nullptr);
        m_device->stop();
    }
}

} // namespace afk::media
