// What the studio streams: the test pattern, the screen, a video file or a camera (each camera by
// its description), and the microphone (with any of them). Cameras and microphones are the
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

namespace afk::studio {
struct StudioOptions;
}

namespace afk::ui {

class SourcePicker : public QWidget
{
    Q_OBJECT
public:
    explicit SourcePicker(QWidget *parent = nullptr);
    ~SourcePicker() override;

    // Writes the chosen source and microphone into *options (for studio::makeStudioSource);
    // false with *error when nothing usable is chosen (no camera found).
    bool fillOptions(studio::StudioOptions *options, QString *error) const;
    // Chooses what --source and --mic of options say; flags names the ones that were given
    // (StudioOptions::explicitFlags), the others keep the form's choice.
    void preset(const studio::StudioOptions &options, const QStringList &flags);
    // "test-pattern", "screen", "file" or "camera:<id>".
    QString sourceValue() const;
    // "" for none, "default" for the default microphone, else its id.
    QString microphoneValue() const;
    QString filePath() const;

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
    QString m_screenSpec; // a region of --source screen:…, for this run only
    std::unique_ptr<QMediaDevices> m_devices;
};

} // namespace afk::ui
