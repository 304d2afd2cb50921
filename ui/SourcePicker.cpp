#include "SourcePicker.h"

#include "StudioOptions.h"

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
const QString defaultMicrophone = QStringLiteral("default");

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
    const QString current = microphoneValue();
    const QSignalBlocker blocker(m_microphone);
    m_microphone->clear();
    m_microphone->addItem(tr("No microphone"), QString());
    const QList<QAudioDevice> microphones = QMediaDevices::audioInputs();
    if (!microphones.isEmpty())
        m_microphone->addItem(tr("Default microphone"), defaultMicrophone);
    for (const QAudioDevice &microphone : microphones)
        m_microphone->addItem(microphone.description(), QString::fromUtf8(microphone.id()));
    if (microphones.isEmpty()) {
        m_microphone->addItem(tr("No microphone found"), noDeviceFound);
        setItemEnabled(m_microphone, m_microphone->count() - 1, false);
    }
    if (!current.isEmpty())
        selectOrKeep(m_microphone, current, tr("Microphone (not connected)"));
}

void SourcePicker::updateFields()
{
    const QString source = sourceValue();
    const bool isFile = source == sourceFile;
    m_file->setEnabled(isFile);
    m_browse->setEnabled(isFile);
}

QString SourcePicker::sourceValue() const
{
    return m_source->currentData().toString();
}

QString SourcePicker::microphoneValue() const
{
    const QString value = m_microphone->currentData().toString();
    return value == noDeviceFound ? QString() : value;
}

QString SourcePicker::filePath() const
{
    return m_file->text();
}

bool SourcePicker::fillOptions(studio::StudioOptions *options, QString *error) const
{
    using Kind = studio::StudioOptions::SourceKind;
    const QString source = sourceValue();
    if (source == noDeviceFound) {
        *error = tr("no camera found: connect one or pick another source");
        return false;
    }
    if (source == sourceFile) {
        const QString path = m_file->text().trimmed();
        if (path.isEmpty()) {
            *error = tr("no video file chosen: pick one or another source");
            return false;
        }
        options->sourceKind = Kind::File;
        options->sourceFile = path;
    } else if (source == sourceScreen) {
        options->sourceKind = Kind::Screen;
        options->screenSpec = m_screenSpec;
    } else if (source.startsWith(cameraPrefix)) {
        options->sourceKind = Kind::Camera;
        options->cameraId = source.mid(cameraPrefix.size()).toUtf8();
    } else {
        options->sourceKind = Kind::TestPattern;
    }
    const QString microphone = microphoneValue();
    options->isMicrophoneUsed = !microphone.isEmpty();
    options->microphoneId = microphone == defaultMicrophone ? QByteArray() : microphone.toUtf8();
    return true;
}

void SourcePicker::preset(const studio::StudioOptions &options, const QStringList &flags)
{
    using Kind = studio::StudioOptions::SourceKind;
    if (flags.contains(QStringLiteral("source"))) {
        switch (options.sourceKind) {
        case Kind::TestPattern:
            m_source->setCurrentIndex(m_source->findData(sourceTestPattern));
            break;
        case Kind::File:
            m_source->setCurrentIndex(m_source->findData(sourceFile));
            m_file->setText(options.sourceFile);
            break;
        case Kind::Screen:
            m_source->setCurrentIndex(m_source->findData(sourceScreen));
            m_screenSpec = options.screenSpec;
            break;
        case Kind::Camera: {
            // --source camera: the default camera, i.e. the first Qt Multimedia lists.
            QString id = QString::fromUtf8(options.cameraId);
            if (id.isEmpty())
                id = QString::fromUtf8(QMediaDevices::defaultVideoInput().id());
            if (!id.isEmpty())
                selectOrKeep(m_source, cameraPrefix + id, tr("Camera (not connected)"));
            else if (const int none = m_source->findData(noDeviceFound); none >= 0)
                m_source->setCurrentIndex(none); // going live says "no camera found"
            break;
        }
        case Kind::None: // the form always streams something: keep its choice
        case Kind::Invalid:
            break;
        }
    }
    if (flags.contains(QStringLiteral("mic"))) {
        if (!options.isMicrophoneUsed)
            m_microphone->setCurrentIndex(0);
        else if (options.microphoneId.isEmpty())
            selectOrKeep(m_microphone, defaultMicrophone, tr("Default microphone"));
        else
            selectOrKeep(m_microphone, QString::fromUtf8(options.microphoneId),
                         tr("Microphone (not connected)"));
    }
    updateFields();
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
    settings.setValue(keyMicrophone, microphoneValue());
}

} // namespace afk::ui
