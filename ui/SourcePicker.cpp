#include "SourcePicker.h"

#include "CameraSource.h"
#include "FileSource.h"
#include "ScreenSource.h"
#include "TestPatternSource.h"

#include <QAudioDevice>
#include <QCameraDevice>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMediaDevices>
#include <QPushButton>
#include <QSettings>
#include <QStandardItemModel>

namespace afk::ui {
namespace {

const QString sourceTestPattern = QStringLiteral("test-pattern");
const QString sourceFile = QStringLiteral("file");
const QString sourceScreen = QStringLiteral("screen");
const QString cameraPrefix = QStringLiteral("camera:");
// The data of the disabled "No camera found" / "No microphone found" entries.
const QString noDeviceFound = QStringLiteral("no-device");

const QString keySource = QStringLiteral("source");
const QString keyFile = QStringLiteral("file");
const QString keyMicrophone = QStringLiteral("microphone");

void setItemEnabled(QComboBox *box, int index, bool isEnabled)
{
    if (auto *model = qobject_cast<QStandardItemModel *>(box->model()))
        model->item(index)->setEnabled(isEnabled);
}

// Selects data in box, adding a "not connected" entry for a device that is missing now.
void selectOrKeep(QComboBox *box, const QString &data, const QString &missingLabel)
{
    int index = box->findData(data);
    if (index < 0) {
        box->addItem(missingLabel, data);
        index = box->count() - 1;
    }
    box->setCurrentIndex(index);
}

} // namespace

SourcePicker::SourcePicker(QWidget *parent)
    : QWidget(parent), m_devices(std::make_unique<QMediaDevices>())
{
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    m_source = new QComboBox(this);
    m_source->setObjectName(QStringLiteral("sourcePicker"));
    form->addRow(tr("Source"), m_source);
    auto *fileRow = new QWidget(this);
    auto *fileLayout = new QHBoxLayout(fileRow);
    fileLayout->setContentsMargins(0, 0, 0, 0);
    m_file = new QLineEdit(fileRow);
    m_file->setObjectName(QStringLiteral("filePath"));
    m_browse = new QPushButton(tr("Browse…"), fileRow);
    fileLayout->addWidget(m_file, 1);
    fileLayout->addWidget(m_browse);
    form->addRow(tr("File"), fileRow);
    m_microphone = new QComboBox(this);
    m_microphone->setObjectName(QStringLiteral("microphonePicker"));
    form->addRow(tr("Microphone"), m_microphone);
    refreshCameras();
    refreshMicrophones();

    connect(m_source, &QComboBox::currentIndexChanged, this, &SourcePicker::updateFields);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Stream a video file"), m_file->text());
        if (!path.isEmpty())
            m_file->setText(path);
    });
    connect(m_devices.get(), &QMediaDevices::videoInputsChanged, this,
            &SourcePicker::refreshCameras);
    connect(m_devices.get(), &QMediaDevices::audioInputsChanged, this,
            &SourcePicker::refreshMicrophones);
    updateFields();
}

SourcePicker::~SourcePicker() = default;

void SourcePicker::refreshCameras()
{
    const QString current = sourceValue();
    const QSignalBlocker blocker(m_source);
    m_source->clear();
    m_source->addItem(tr("Test pattern"), sourceTestPattern);
    m_source->addItem(tr("Screen"), sourceScreen);
    m_source->addItem(tr("Video file"), sourceFile);
    const QList<QCameraDevice> cameras = QMediaDevices::videoInputs();
    for (const QCameraDevice &camera : cameras)
        m_source->addItem(tr("Camera: %1").arg(camera.description()),
                          cameraPrefix + QString::fromUtf8(camera.id()));
    if (cameras.isEmpty()) {
        m_source->addItem(tr("No camera found"), noDeviceFound);
        setItemEnabled(m_source, m_source->count() - 1, false);
    }
    if (!current.isEmpty())
        selectOrKeep(m_source, current, tr("Camera (not connected)"));
    updateFields();
}

void SourcePicker::refreshMicrophones()
{
    const QByteArray current = microphoneId();
    const QSignalBlocker blocker(m_microphone);
    m_microphone->clear();
    m_microphone->addItem(tr("No microphone"), QString());
    const QList<QAudioDevice> microphones = QMediaDevices::audioInputs();
    for (const QAudioDevice &microphone : microphones)
        m_microphone->addItem(microphone.description(), QString::fromUtf8(microphone.id()));
    if (microphones.isEmpty()) {
        m_microphone->addItem(tr("No microphone found"), noDeviceFound);
        setItemEnabled(m_microphone, m_microphone->count() - 1, false);
    }
    if (!current.isEmpty())
        selectOrKeep(m_microphone, QString::fromUtf8(current), tr("Microphone (not connected)"));
}

void SourcePicker::updateFields()
{
    const QString source = sourceValue();
    const bool isFile = source == sourceFile;
    m_file->setEnabled(isFile);
    m_browse->setEnabled(isFile);
    // The microphone is mixed into a camera's stream only, for now (as --mic with --source camera).
    const bool isCamera = source.startsWith(cameraPrefix);
    m_microphone->setEnabled(isCamera);
    m_microphone->setToolTip(isCamera ? QString() : tr("A microphone goes with a camera source"));
}

QString SourcePicker::sourceValue() const
{
    return m_source->currentData().toString();
}

QByteArray SourcePicker::microphoneId() const
{
    const QString id = m_microphone->currentData().toString();
    return id == noDeviceFound ? QByteArray() : id.toUtf8();
}

std::unique_ptr<media::MediaSource> SourcePicker::createSource(QString *error) const
{
    const QString source = sourceValue();
    if (source == sourceFile) {
        const QString path = m_file->text().trimmed();
        if (!QFileInfo(path).isReadable()) {
            *error = tr("cannot read %1: no such readable file")
                         .arg(path.isEmpty() ? tr("(no file chosen)") : path);
            return nullptr;
        }
        return std::make_unique<media::FileSource>(path, true);
    }
    if (source == sourceScreen) {
        // The whole X11 screen this window is on; its errors (Wayland, no X) end the stream
        // with the reason shown in the window.
        return std::make_unique<media::ScreenSource>(media::ScreenRegion{});
    }
    if (source.startsWith(cameraPrefix)) {
        const QByteArray microphone = microphoneId();
        // A missing device fails the source's open() with a message naming it.
        return std::make_unique<media::CameraSource>(source.mid(cameraPrefix.size()).toUtf8(),
                                                     !microphone.isEmpty(), microphone);
    }
    if (source == noDeviceFound) {
        *error = tr("no camera found: connect one or pick another source");
        return nullptr;
    }
    return std::make_unique<media::TestPatternSource>();
}

void SourcePicker::load(const QSettings &settings)
{
    const QString source = settings.value(keySource).toString();
    // Only a camera may be missing; an unknown value (an older version's) keeps the default.
    if (source.startsWith(cameraPrefix))
        selectOrKeep(m_source, source, tr("Camera (not connected)"));
    else if (const int index = m_source->findData(source); index >= 0 && source != noDeviceFound)
        m_source->setCurrentIndex(index);
    m_file->setText(settings.value(keyFile).toString());
    if (const QString microphone = settings.value(keyMicrophone).toString(); !microphone.isEmpty())
        selectOrKeep(m_microphone, microphone, tr("Microphone (not connected)"));
    updateFields();
}

void SourcePicker::save(QSettings &settings) const
{
    settings.setValue(keySource, sourceValue());
    settings.setValue(keyFile, m_file->text());
    settings.setValue(keyMicrophone, QString::fromUtf8(microphoneId()));
}

} // namespace afk::ui
