// How the picture is composed: the scene (the main source only, the overlay as picture-in-picture
// over it in a corner at a size, the overlay only, colour bars) and what the overlay is (a camera
// by its description, the test pattern, or --overlay-source's source). The scene, corner and size
// may change while live (Studio::setLayout); the overlay itself at the next Go Live.
#pragma once

#include "CompositeLayout.h"

#include <QWidget>
#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QMediaDevices;
class QSettings;

namespace afk::studio {
struct StudioOptions;
}

namespace afk::ui {

class LayoutPicker : public QWidget
{
    Q_OBJECT
public:
    explicit LayoutPicker(QWidget *parent = nullptr);
    ~LayoutPicker() override;

    media::CompositeLayout layout() const;
    // "" (no overlay), "camera:<id>", "test-pattern" or another --overlay-source name.
    QString overlayValue() const;
    // Writes the overlay and layout into *options (for studio::makeStudioSource).
    void fillOptions(studio::StudioOptions *options) const;
    // Chooses what --camera-overlay, --camera and --overlay-source of options say; flags names
    // the ones that were given (StudioOptions::explicitFlags).
    void preset(const studio::StudioOptions &options, const QStringList &flags);
    // While live the overlay cannot change (the source is built), the layout can.
    void setLive(bool isLive);

    // In the settings' current group: keys overlay, scene, corner, overlay-size.
    void load(const QSettings &settings);
    void save(QSettings &settings) const;

signals:
    // The scene, corner or size was changed (by the streamer or preset).
    void layoutChanged();

private:
    void refreshCameras();
    void updateFields();
    void setLayout(const media::CompositeLayout &layout);

    QComboBox *m_scene = nullptr;
    QComboBox *m_corner = nullptr;
    QDoubleSpinBox *m_size = nullptr;
    QComboBox *m_overlay = nullptr;
    std::unique_ptr<QMediaDevices> m_devices;
    bool m_isLive = false;
};

} // namespace afk::ui
