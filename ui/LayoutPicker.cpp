#include "LayoutPicker.h"

#include "StudioOptions.h"

#include <QCameraDevice>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QMediaDevices>
#include <QSettings>

namespace afk::ui {
namespace {

using Layout = media::CompositeLayout;

const QString cameraPrefix = QStringLiteral("camera:");
const QString overlayTestPattern = QStringLiteral("test-pattern");

const QString keyOverlay = QStringLiteral("overlay");
const QString keyScene = QStringLiteral("scene");
const QString keyCorner = QStringLiteral("corner");
const QString keySize = QStringLiteral("overlay-size");

// Selects data in box, adding an entry labelled label when it is not offered now.
void selectOrAdd(QComboBox *box, const QString &data, const QString &label)
{
    int index = box->findData(data);
    if (index < 0) {
        box->addItem(label, data);
        index = box->count() - 1;
    }
    box->setCurrentIndex(index);
}

} // namespace

LayoutPicker::LayoutPicker(QWidget *parent)
    : QWidget(parent), m_devices(std::make_unique<QMediaDevices>())
{
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    m_scene = new QComboBox(this);
    m_scene->setObjectName(QStringLiteral("layoutScene"));
    m_scene->addItem(tr("Main source only"), Layout::sceneName(Layout::Scene::MainOnly));
    m_scene->addItem(tr("Camera picture-in-picture"),
                     Layout::sceneName(Layout::Scene::PictureInPicture));
    m_scene->addItem(tr("Camera only"), Layout::sceneName(Layout::Scene::OverlayOnly));
    m_scene->addItem(tr("Test pattern"), Layout::sceneName(Layout::Scene::TestPattern));
    form->addRow(tr("Layout"), m_scene);
    m_corner = new QComboBox(this);
    m_corner->setObjectName(QStringLiteral("layoutCorner"));
    const QStringList cornerLabels{tr("Top left"), tr("Top right"), tr("Bottom left"),
                                   tr("Bottom right")};
    const QStringList cornerNames = Layout::cornerNames();
    for (int index = 0; index < cornerNames.size(); ++index)
        m_corner->addItem(cornerLabels.value(index), cornerNames[index]);
    form->addRow(tr("Corner"), m_corner);
    m_size = new QDoubleSpinBox(this);
    m_size->setObjectName(QStringLiteral("layoutSize"));
    m_size->setRange(Layout::minimumOverlayWidth * 100, Layout::maximumOverlayWidth * 100);
    m_size->setDecimals(0);
    m_size->setSingleStep(5);
    m_size->setSuffix(tr(" % of the width"));
    form->addRow(tr("Size"), m_size);
    m_overlay = new QComboBox(this);
    m_overlay->setObjectName(QStringLiteral("overlayPicker"));
    form->addRow(tr("Camera"), m_overlay);
    refreshCameras();
    setLayout({});
    // Default to the main source alone: an overlay is something the streamer opts into.
    m_scene->setCurrentIndex(m_scene->findData(Layout::sceneName(Layout::Scene::MainOnly)));

    const auto changed = [this] {
        updateFields();
        emit layoutChanged();
    };
    connect(m_scene, &QComboBox::currentIndexChanged, this, changed);
    connect(m_corner, &QComboBox::currentIndexChanged, this, changed);
    connect(m_size, &QDoubleSpinBox::valueChanged, this, changed);
    connect(m_overlay, &QComboBox::currentIndexChanged, this, [this] {
        // Picking an overlay means wanting to see it.
        if (!overlayValue().isEmpty() && layout().scene == Layout::Scene::MainOnly)
            m_scene->setCurrentIndex(
                m_scene->findData(Layout::sceneName(Layout::Scene::PictureInPicture)));
        updateFields();
    });
    connect(m_devices.get(), &QMediaDevices::videoInputsChanged, this,
            &LayoutPicker::refreshCameras);
    updateFields();
}

LayoutPicker::~LayoutPicker() = default;

void LayoutPicker::refreshCameras()
{
    const QString current = overlayValue();
    const QSignalBlocker blocker(m_overlay);
    m_overlay->clear();
    m_overlay->addItem(tr("No overlay"), QString());
    for (const QCameraDevice &camera : QMediaDevices::videoInputs())
        m_overlay->addItem(tr("Camera: %1").arg(camera.description()),
                           cameraPrefix + QString::fromUtf8(camera.id()));
    m_overlay->addItem(tr("Test pattern"), overlayTestPattern);
    if (!current.isEmpty())
        selectOrAdd(m_overlay, current,
                    current.startsWith(cameraPrefix) ? tr("Camera (not connected)") : current);
    updateFields();
}

void LayoutPicker::updateFields()
{
    const bool isPictureInPicture = layout().scene == Layout::Scene::PictureInPicture;
    m_corner->setEnabled(isPictureInPicture);
    m_size->setEnabled(isPictureInPicture);
    m_overlay->setEnabled(!m_isLive);
    m_overlay->setToolTip(m_isLive ? tr("The overlay changes at the next Go Live") : QString());
}

void LayoutPicker::setLive(bool isLive)
{
    m_isLive = isLive;
    updateFields();
}

Layout LayoutPicker::layout() const
{
    Layout layout;
    Layout::parseScene(m_scene->currentData().toString(), &layout.scene);
    const int corner = Layout::cornerNames().indexOf(m_corner->currentData().toString());
    layout.corner = Layout::Corner(std::max(0, corner));
    layout.overlayWidth = m_size->value() / 100;
    return layout;
}

void LayoutPicker::setLayout(const Layout &layout)
{
    m_scene->setCurrentIndex(m_scene->findData(Layout::sceneName(layout.scene)));
    m_corner->setCurrentIndex(m_corner->findData(Layout::cornerName(layout.corner)));
    m_size->setValue(layout.overlayWidth * 100);
}

QString LayoutPicker::overlayValue() const
{
    return m_overlay->currentData().toString();
}

void LayoutPicker::fillOptions(studio::StudioOptions *options) const
{
    const QString overlay = overlayValue();
    options->isOverlayUsed = !overlay.isEmpty();
    options->overlaySource = overlay.startsWith(cameraPrefix) ? QString() : overlay;
    options->overlayCameraId =
        overlay.startsWith(cameraPrefix) ? overlay.mid(cameraPrefix.size()).toUtf8() : QByteArray();
    options->layout = layout();
}

void LayoutPicker::preset(const studio::StudioOptions &options, const QStringList &flags)
{
    const bool isOverlayGiven = flags.contains(QStringLiteral("camera-overlay")) ||
                                flags.contains(QStringLiteral("overlay-source")) ||
                                flags.contains(QStringLiteral("camera"));
    if (!isOverlayGiven || !options.isOverlayUsed)
        return;
    if (!options.overlaySource.isEmpty() && !options.overlaySource.startsWith(cameraPrefix) &&
        options.overlaySource != u"camera") {
        selectOrAdd(m_overlay, options.overlaySource, options.overlaySource);
    } else {
        QString id = options.overlaySource.startsWith(cameraPrefix)
                         ? options.overlaySource.mid(cameraPrefix.size())
                         : QString::fromUtf8(options.overlayCameraId);
        if (id.isEmpty())
            id = QString::fromUtf8(QMediaDevices::defaultVideoInput().id());
        // Without any camera, going live says "no camera found" rather than dropping the overlay.
        selectOrAdd(m_overlay, cameraPrefix + id, tr("Camera (not connected)"));
    }
    setLayout(options.layout);
}

void LayoutPicker::load(const QSettings &settings)
{
    if (const QString overlay = settings.value(keyOverlay).toString(); !overlay.isEmpty())
        selectOrAdd(m_overlay, overlay,
                    overlay.startsWith(cameraPrefix) ? tr("Camera (not connected)") : overlay);
    Layout layout = this->layout();
    Layout::parseScene(settings.value(keyScene).toString(), &layout.scene);
    const int corner = Layout::cornerNames().indexOf(settings.value(keyCorner).toString());
    if (corner >= 0)
        layout.corner = Layout::Corner(corner);
    bool isNumber = false;
    const double size = settings.value(keySize).toDouble(&isNumber);
    if (isNumber)
        layout.overlayWidth =
            std::clamp(size, Layout::minimumOverlayWidth, Layout::maximumOverlayWidth);
    setLayout(layout);
}

void LayoutPicker::save(QSettings &settings) const
{
    const Layout layout = this->layout();
    settings.setValue(keyOverlay, overlayValue());
    settings.setValue(keyScene, Layout::sceneName(layout.scene));
    settings.setValue(keyCorner, Layout::cornerName(layout.corner));
    settings.setValue(keySize, layout.overlayWidth);
}

} // namespace afk::ui
