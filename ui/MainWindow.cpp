#include "MainWindow.h"

#include "ChatDock.h"
#include "FileSource.h"
#include "KeyManagerDialog.h"
#include "Ladder.h"
#include "NostrPresence.h"
#include "RelaysDialog.h"
#include "ScreenSource.h"
#include "ShareBox.h"
#include "StatsPanel.h"
#include "StorageDialog.h"
#include "Studio.h"
#include "StudioPaths.h"
#include "TestPatternSource.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>

namespace afk::ui {
namespace {

const QString sourceTestPattern = QStringLiteral("test-pattern");
const QString sourceFile = QStringLiteral("file");
const QString sourceScreen = QStringLiteral("screen");

// Ladder presets offered in the form (rungs above the source are skipped anyway).
const QList<std::pair<QString, QString>> ladderPresets = {
    {QStringLiteral("720p, 480p, 360p (default)"), QStringLiteral("720p,480p,360p")},
    {QStringLiteral("1080p, 720p, 480p, 360p"), QStringLiteral("1080p,720p,480p,360p")},
    {QStringLiteral("480p, 360p (slow machine)"), QStringLiteral("480p,360p")},
    {QStringLiteral("360p, 240p (slow link)"), QStringLiteral("360p,240p")},
};

} // namespace

MainWindow::MainWindow(studio::Studio &studio, const QString &settingsFile, QWidget *parent)
    : QMainWindow(parent), m_studio(studio),
      m_settings(std::make_unique<QSettings>(settingsFile, QSettings::IniFormat))
{
    setWindowTitle(QStringLiteral("AFK Host Studio"));
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);

    auto *left = new QVBoxLayout;
    auto *sourceBox = new QGroupBox(tr("Source"), central);
    auto *sourceForm = new QFormLayout(sourceBox);
    m_source = new QComboBox(sourceBox);
    m_source->setObjectName(QStringLiteral("sourcePicker"));
    m_source->addItem(tr("Test pattern"), sourceTestPattern);
    m_source->addItem(tr("Screen"), sourceScreen);
    m_source->addItem(tr("Video file"), sourceFile);
    sourceForm->addRow(tr("Source"), m_source);
    auto *fileRow = new QWidget(sourceBox);
    auto *fileLayout = new QHBoxLayout(fileRow);
    fileLayout->setContentsMargins(0, 0, 0, 0);
    m_file = new QLineEdit(fileRow);
    m_file->setObjectName(QStringLiteral("filePath"));
    m_browse = new QPushButton(tr("Browse…"), fileRow);
    fileLayout->addWidget(m_file, 1);
    fileLayout->addWidget(m_browse);
    sourceForm->addRow(tr("File"), fileRow);
    left->addWidget(sourceBox);

    auto *streamBox = new QGroupBox(tr("Stream"), central);
    auto *streamForm = new QFormLayout(streamBox);
    m_title = new QLineEdit(streamBox);
    m_title->setObjectName(QStringLiteral("streamTitle"));
    m_title->setPlaceholderText(tr("What is this stream about?"));
    streamForm->addRow(tr("Title"), m_title);
    m_ladder = new QComboBox(streamBox);
    m_ladder->setObjectName(QStringLiteral("ladderPreset"));
    for (const auto &[label, rungs] : ladderPresets)
        m_ladder->addItem(label, rungs);
    streamForm->addRow(tr("Quality ladder"), m_ladder);
    left->addWidget(streamBox);

    m_goLive = new QPushButton(tr("Go Live"), central);
    m_goLive->setObjectName(QStringLiteral("goLiveButton"));
    m_goLive->setMinimumHeight(40);
    left->addWidget(m_goLive);
    m_error = new QLabel(central);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    left->addWidget(m_error);

    auto *shareBox = new QGroupBox(tr("Share"), central);
    auto *shareLayout = new QVBoxLayout(shareBox);
    m_share = new ShareBox(shareBox);
    shareLayout->addWidget(m_share);
    left->addWidget(shareBox);
    left->addStretch(1);
    layout->addLayout(left, 3);

    auto *statsBox = new QGroupBox(tr("Live stats"), central);
    auto *statsLayout = new QVBoxLayout(statsBox);
    m_stats = new StatsPanel(statsBox);
    statsLayout->addWidget(m_stats);
    layout->addWidget(statsBox, 2);
    setCentralWidget(central);
    statusBar()->showMessage(tr("Serving on %1").arg(m_studio.baseUrl()));

    connect(m_source, &QComboBox::currentIndexChanged, this, &MainWindow::updateSourceFields);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Stream a video file"), m_file->text());
        if (!path.isEmpty())
            m_file->setText(path);
    });
    connect(m_goLive, &QPushButton::clicked, this, &MainWindow::onGoLiveClicked);
    connect(&m_studio, &studio::Studio::liveEnded, this, &MainWindow::onLiveEnded);
    connect(&m_studio, &studio::Studio::streamAnnounced, this,
            [this](const QString &streamKey, const QString &naddr) {
                if (m_studio.liveStream() && m_studio.liveStream()->key() == streamKey)
                    m_share->setNostrAddress(naddr);
            });
    connect(&m_statsTimer, &QTimer::timeout, this, &MainWindow::refreshStats);
    m_statsTimer.start(1000);
    loadForm();
    updateSourceFields();
    refreshStats();
    setUpSettingsMenus();
}

MainWindow::~MainWindow()
{
    saveForm();
}

bool MainWindow::isLive() const
{
    return m_studio.liveStream() && m_studio.liveStream()->isActive();
}

QString MainWindow::errorText() const
{
    return m_error->isVisible() ? m_error->text() : QString();
}

void MainWindow::updateSourceFields()
{
    const bool isFile = m_source->currentData().toString() == sourceFile;
    m_file->setEnabled(isFile);
    m_browse->setEnabled(isFile);
}

void MainWindow::onGoLiveClicked()
{
    if (isLive())
        endLive();
    else
        goLive();
}

bool MainWindow::goLive()
{
    showError({});
    saveForm();
    QString error;
    const QList<media::Rendition> ladder =
        media::parseLadder(m_ladder->currentData().toString(), &error);
    if (ladder.isEmpty()) {
        showError(error);
        return false;
    }
    std::unique_ptr<media::MediaSource> source;
    if (m_source->currentData().toString() == sourceFile) {
        const QString path = m_file->text().trimmed();
        if (!QFileInfo(path).isReadable()) {
            showError(tr("cannot read %1: no such readable file").arg(path.isEmpty() ? tr("(no file chosen)") : path));
            return false;
        }
        source = std::make_unique<media::FileSource>(path, true);
    } else if (m_source->currentData().toString() == sourceScreen) {
        // The whole X11 screen this window is on; its errors (Wayland, no X) end the stream with
        // the reason shown here.
        source = std::make_unique<media::ScreenSource>(media::ScreenRegion{});
    } else {
        source = std::make_unique<media::TestPatternSource>();
    }
    m_studio.setLadder(ladder);
    session::Stream *stream = m_studio.goLive(std::move(source), m_title->text().trimmed(), &error);
    if (!stream) {
        showError(error);
        return false;
    }
    m_goLive->setText(tr("End"));
    m_share->setStreamUrl(m_studio.streamUrl(stream->key()));
    updateChat();
    refreshStats();
    return true;
}

void MainWindow::endLive()
{
    m_goLive->setEnabled(false); // until the stream has ended
    m_studio.endLive();
}

void MainWindow::onLiveEnded(const QString &error)
{
    m_goLive->setText(tr("Go Live"));
    m_goLive->setEnabled(true);
    if (!error.isEmpty())
        showError(error);
    refreshStats();
}

void MainWindow::showError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

void MainWindow::refreshStats()
{
    m_stats->refresh(m_studio);
    statusBar()->showMessage(tr("Serving on %1 · %2").arg(m_studio.baseUrl(), m_stats->summary()));
}

void MainWindow::loadForm()
{
    m_settings->beginGroup(QStringLiteral("stream"));
    m_title->setText(m_settings->value(QStringLiteral("title")).toString());
    const int ladder = m_ladder->findData(m_settings->value(QStringLiteral("ladder")).toString());
    if (ladder >= 0)
        m_ladder->setCurrentIndex(ladder);
    const int source = m_source->findData(m_settings->value(QStringLiteral("source")).toString());
    if (source >= 0)
        m_source->setCurrentIndex(source);
    m_file->setText(m_settings->value(QStringLiteral("file")).toString());
    m_settings->endGroup();
}

void MainWindow::saveForm() const
{
    m_settings->beginGroup(QStringLiteral("stream"));
    m_settings->setValue(QStringLiteral("title"), m_title->text());
    m_settings->setValue(QStringLiteral("ladder"), m_ladder->currentData().toString());
    m_settings->setValue(QStringLiteral("source"), m_source->currentData().toString());
    m_settings->setValue(QStringLiteral("file"), m_file->text());
    m_settings->endGroup();
    m_settings->sync();
}

void MainWindow::setUpSettingsMenus()
{
    m_chat = new ChatDock(this);
    addDockWidget(Qt::RightDockWidgetArea, m_chat);
    m_chat->setVisible(m_studio.nostr() != nullptr);
    updateChat();

    // Each dialog is window-modal and deletes itself when closed; none blocks the event loop.
    const auto openDialog = [this](QDialog *dialog) {
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    };
    QMenu *settings = menuBar()->addMenu(tr("&Settings"));
    settings->addAction(tr("&Keys…"), this, [this, openDialog] { openDialog(new KeyManagerDialog(this)); });
    settings->addAction(tr("&Relays…"), this, [this, openDialog] {
        openDialog(new RelaysDialog(m_settings->fileName(), [this] {
            return m_studio.nostr() ? m_studio.nostr()->relayStatus() : QJsonArray();
        }, this));
    });
    settings->addAction(tr("&Storage…"), this, [this, openDialog] {
        openDialog(new StorageDialog(m_settings->fileName(), studio::configDir(), this));
    });
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_chat->toggleViewAction());
}

void MainWindow::updateChat()
{
    if (!m_studio.nostr()) {
        m_chat->setChat(nullptr, tr("Nostr is off: add relays (Settings → Relays…) and a key "
                                    "(Settings → Keys…), then restart the studio."));
        return;
    }
    session::Stream *stream = m_studio.liveStream();
    m_chat->setChat(stream ? m_studio.nostr()->chat(stream->key()) : nullptr);
}

} // namespace afk::ui
