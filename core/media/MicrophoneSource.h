// The microphone alone, as the sound of a CompositeSource (beside the screen's or the test
// pattern's pictures). Created and destroyed on the Qt event loop's thread, like the device.
#pragma once

#include "CaptureSource.h"
#include "Microphone.h"

namespace afk::media {

class MicrophoneSource : public CaptureSource
{
public:
    // deviceId: of --list-devices; empty: the default microphone. A missing or failing device
    // makes open() (or run()) fail with the reason.
    explicit MicrophoneSource(const QByteArray &deviceId)
        : CaptureSource(deviceId.isEmpty()
                            ? QStringLiteral("microphone")
                            : QStringLiteral("microphone %1").arg(QString::fromUtf8(deviceId))),
          m_microphone(*this, deviceId)
    {
    }

private:
    Microphone m_microphone;
};

} // namespace afk::media
