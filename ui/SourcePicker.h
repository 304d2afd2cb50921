// What the studio streams: the test pattern, the screen, a video file or a camera (each camera by
// its description), and the microphone that goes with a camera. Cameras and microphones are the
// ones Qt Multimedia knows, refreshed when devices come and go; without any, a disabled entry
// says so. A saved device that is not connected now stays chosen ("not connected") rather than
// being silently replaced, so going live says what is missing.
#pragma once

#include <QWidget>
#include <memory>

class QComboBox;
class QLineEdit;
class QMediaDevices;
class QPushButton;
class QSettings;

namespace afk::media {
class MediaSource;
}

namespace afk::ui {

class SourcePicker : public QWidget
{
    Q_OBJECT
public:
    explicit SourcePicker(QWidget *parent = nullptr);
    ~SourcePicker() override;

    // The chosen source, ready for Studio::goLive; null with *error when it cannot be used.
    // Call on the GUI thread (a camera's QCamera lives there).
    std::unique_ptr<media::MediaSource> createSource(QString *error) const;
    // "test-pattern", "screen", "file" or "camera:<id>".
    QString sourceValue() const;
    // The microphone's id; empty for none.
    QByteArray microphoneId() const;

    // In the settings' current group: keys source, file, microphone.
    void load(const QSettings &settings);
    void save(QSettings &settings) const;

private:
    void refreshCameras();
    void refreshMicrophones();
    void updateFields();

    QComboBox *m_source = nullptr;
    QLineEdit *m_file = nullptr;
    QPushButton *m_browse = nullptr;
    QComboBox *m_microphone = nullptr;
    std::unique_ptr<QMediaDevices> m_devices;
};

} // namespace afk::ui
