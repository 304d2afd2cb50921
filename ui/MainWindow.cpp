#include "MainWindow.h"

#include "FormWidgets.h"

#include "AudioMeter.h"
#include "ChatDock.h"
#include "KeyManagerDialog.h"
#include "Ladder.h"
#include "LayoutPicker.h"
#include "LiveStatusLabel.h"
#include "NostrPresence.h"
#include "PreviewWidget.h"
#include "RelaysDialog.h"
#include "Restreamer.h"
#include "ShareBox.h"
#include "SourcePicker.h"
#include "StatsPanel.h"
#include "StorageDialog.h"
#include "Studio.h"
#include "StudioPaths.h"
#include "StudioSource.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>
#include <algorithm>

namespace afk::ui {
namespace {

// ~12 pictures a second: the preview tap makes ~15, and the meter moves smoothly at this rate.
constexpr int previewIntervalMs = 80;

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

    // Left: what is streamed and what to do with it; right: the form and the numbers.
    auto *left = new QVBoxLayout;
    auto *previewBox = new QGroupBox(tr("Preview"), central);
    auto *previewLayout = new QVBoxLayout(previewBox);
    m_preview = new PreviewWidget(previewBox);
    m_preview->setObjectName(QStringLiteral("preview"));
    previewLayout->addWidget(m_preview, 1);
    auto *meterRow = new QHBoxLayout;
    meterRow->addWidget(new QLabel(tr("Audio"), previewBox));
    m_audioMeter = new AudioMeter(previewBox);
    m_audioMeter->setObjectName(QStringLiteral("audioMeter"));
    m_audioMeter->setNoAudio(tr("Not live"));
    meterRow->addWidget(m_audioMeter, 1);
    previewLayout->addLayout(meterRow);
    left->addWidget(previewBox, 1);

    m_goLive = new QPushButton(tr("Go Live"), central);
    m_goLive->setObjectName(QStringLiteral("goLiveButton"));
    m_goLive->setMinimumHeight(40);
    left->addWidget(m_goLive);
    m_error = makeErrorLabel(QStringLiteral("errorLabel"), central);
    left->addWidget(m_error);

    auto *shareBox = new QGroupBox(tr("Share"), central);
    auto *shareLayout = new QVBoxLayout(shareBox);
    m_share = new ShareBox(shareBox);
    shareLayout->addWidget(m_share);
    m_uploadMessage = new QLabel(shareBox);
    m_uploadMessage->setObjectName(QStringLiteral("uploadMessage"));
    m_uploadMessage->setWordWrap(true);
    m_uploadMessage->hide();
    shareLayout->addWidget(m_uploadMessage);
    left->addWidget(shareBox);
    layout->addLayout(left, 3);

    auto *right = new QVBoxLayout;
    auto *sourceBox = new QGroupBox(tr("Source"), central);
    auto *sourceLayout = new QVBoxLayout(sourceBox);
    m_source = new SourcePicker(sourceBox);
    sourceLayout->addWidget(m_source);
    right->addWidget(sourceBox);

    auto *layoutBox = new QGroupBox(tr("Layout"), central);
    auto *layoutBoxLayout = new QVBoxLayout(layoutBox);
    m_layout = new LayoutPicker(layoutBox);
    layoutBoxLayout->addWidget(m_layout);
    right->addWidget(layoutBox);

    auto *streamBox = new QGroupBox(tr("Stream"), central);
    auto *streamForm = new QFormLayout(streamBox);
    m_title = new QLineEdit(streamBox);
    m_title->setObjectName(QStringLiteral("streamTitle"));
    m_title->setPlaceholderText(tr("What is this stream about?"));
    streamForm->addRow(tr("Title"), m_title);
    // The rest describes the live event on Nostr (NIP-53 summary, image, t tags).
    m_summary = new QLineEdit(streamBox);
    m_summary->setObjectName(QStringLiteral("streamSummary"));
    m_summary->setPlaceholderText(tr("A line or two for the live event"));
    streamForm->addRow(tr("Summary"), m_summary);
    m_imageUrl = new QLineEdit(streamBox);
    m_imageUrl->setObjectName(QStringLiteral("streamImageUrl"));
    m_imageUrl->setPlaceholderText(tr("https://… (a cover picture)"));
    streamForm->addRow(tr("Image URL"), m_imageUrl);
    m_tags = new QLineEdit(streamBox);
    m_tags->setObjectName(QStringLiteral("streamTags"));
    m_tags->setPlaceholderText(tr("music, coding"));
    streamForm->addRow(tr("Tags"), m_tags);
    m_ladder = new QComboBox(streamBox);
    m_ladder->setObjectName(QStringLiteral("ladderPreset"));
    for (const auto &[label, rungs] : ladderPresets)
        m_ladder->addItem(label, rungs);
    streamForm->addRow(tr("Quality ladder"), m_ladder);
    right->addWidget(streamBox);

    auto *statsBox = new QGroupBox(tr("Live stats"), central);
    auto *statsLayout = new QVBoxLayout(statsBox);
    m_stats = new StatsPanel(statsBox);
    statsLayout->addWidget(m_stats);
    right->addWidget(statsBox, 1);
    layout->addLayout(right, 2);
    setCentralWidget(central);
    m_liveStatus = new LiveStatusLabel(this);
    statusBar()->addPermanentWidget(m_liveStatus);
    statusBar()->showMessage(tr("Serving on %1").arg(m_studio.baseUrl()));

    connect(m_goLive, &QPushButton::clicked, this, &MainWindow::onGoLiveClicked);
    connect(&m_studio, &studio::Studio::liveEnded, this, &MainWindow::onLiveEnded);
    connect(&m_studio, &studio::Studio::liveStarted, m_liveStatus,
            &LiveStatusLabel::markLiveStarted);
    connect(&m_studio, &studio::Studio::streamAnnounced, this,
            [this](const QString &streamKey, const QString &naddr) {
                if (m_studio.liveStream() && m_studio.liveStream()->key() == streamKey)
                    m_share->setNostrAddress(naddr);
            });
    connect(&m_studio, &studio::Studio::uploadMessage, this, &MainWindow::showUploadMessage);
    connect(&m_statsTimer, &QTimer::timeout, this, &MainWindow::refreshStats);
    m_statsTimer.start(1000);
    connect(&m_previewTimer, &QTimer::timeout, this, &MainWindow::refreshPreview);
    m_previewTimer.start(previewIntervalMs);
    loadForm();
    presetFromFlags();
    connect(m_layout, &LayoutPicker::layoutChanged, this, &MainWindow::onLayoutChanged);
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
    // The live event's image and tags, checked before anything starts.
    const QString imageUrl = m_imageUrl->text().trimmed();
    if (!imageUrl.isEmpty() && !imageUrl.startsWith(u"https://")
        && !imageUrl.startsWith(u"http://")) {
        showError(tr("Image URL: '%1' is not an http(s) URL").arg(imageUrl.left(80)));
        return false;
    }
    QStringList tags;
    for (QString tag : m_tags->text().split(QRegularExpression(QStringLiteral("[,\\s]+")),
                                            Qt::SkipEmptyParts)) {
        while (tag.startsWith(u'#'))
            tag.remove(0, 1);
        if (!tag.isEmpty() && !tags.contains(tag.toLower()))
            tags << tag.toLower();
    }
    // The studio's options carry the run's other settings (--no-realtime, …); the form says
    // what to stream and how to compose it.
    studio::StudioOptions options = m_studio.options();
    if (!m_source->fillOptions(&options, &error)) {
        showError(error);
        return false;
    }
    m_layout->fillOptions(&options);
    std::unique_ptr<media::MediaSource> source = studio::makeStudioSource(options, &error);
    if (!source) {
        showError(error.isEmpty() ? tr("nothing to stream: pick a source") : error);
        return false;
    }
    m_studio.setStreamDescription(m_summary->text().trimmed(), imageUrl, tags);
    m_studio.setLadder(ladder);
    session::Stream *stream = m_studio.goLive(std::move(source), m_title->text().trimmed(), &error);
    if (!stream) {
        showError(error);
        return false;
    }
    m_goLive->setText(tr("End"));
    m_layout->setLive(true);
    m_liveStatus->markGoingLive();
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
    m_layout->setLive(false);
    if (!error.isEmpty())
        showError(error);
    m_liveStatus->markEnded(error);
    refreshStats();
}

void MainWindow::showError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

void MainWindow::onLayoutChanged()
{
    if (!isLive())
        return; // applies at the next Go Live
    if (!m_studio.layout()) {
        showError(tr("The layout cannot change while live: this stream has no overlay or "
                     "microphone composed. Pick an overlay and go live again."));
        return;
    }
    QString error;
    if (!m_studio.setLayout(m_layout->layout(), &error))
        showError(tr("The layout cannot change: %1").arg(error));
    else
        showError({});
}

void MainWindow::showUploadMessage(const QString &line)
{
    m_uploadMessage->setText(line);
    m_uploadMessage->setVisible(!line.isEmpty());
}

void MainWindow::refreshStats()
{
    m_stats->refresh(m_studio);
    m_liveStatus->refresh(m_studio);
    // Where else viewers play: LL-HLS once its master lists every rendition, and the store's or
    // Cloudinary's public URL.
    const session::Stream *stream = m_studio.liveStream();
    const bool isActive = stream && stream->isActive();
    const bool hasLowLatency =
        isActive && stream->lowLatency() && !stream->lowLatency()->masterPlaylist().isEmpty();
    m_share->setLowLatencyUrl(
        hasLowLatency ? m_studio.streamUrl(stream->key()) + QStringLiteral("/ll.m3u8") : QString());
    QString publicUrl;
    if (isActive) {
        publicUrl = m_studio.publicPlaybackUrl(stream->key());
        if (publicUrl.isEmpty() && m_studio.restreamer())
            publicUrl = m_studio.restreamer()->publicPlaybackUrl();
    }
    m_share->setPublicPlaybackUrl(publicUrl);
}

void MainWindow::refreshPreview()
{
    const session::Stream *stream = m_studio.liveStream();
    const bool isActive = stream && stream->isActive();
    const media::PreviewTap *tap = isActive ? stream->preview() : nullptr;
    const media::PipelineStats stats = tap ? stream->stats() : media::PipelineStats{};
    if (!tap || !stats.isRunning) {
        m_previewSequence = -1;
        m_preview->setImage({});
        m_preview->setPlaceholderText(isActive ? tr("Starting the source…")
                                               : tr("The preview appears here when you go live"));
        m_audioMeter->setNoAudio(isActive ? tr("Waiting for the source") : tr("Not live"));
        return;
    }
    // Asking for the picture is what keeps the pipeline making it (see PreviewTap).
    qint64 sequence = 0;
    const QImage image = tap->latest(&sequence);
    if (sequence != m_previewSequence) {
        m_previewSequence = sequence;
        m_preview->setImage(image);
    }
    if (stats.hasAudio)
        m_audioMeter->setLevel(stats.audioPeakDbfs, stats.audioRmsDbfs);
    else
        m_audioMeter->setNoAudio(tr("No audio"));
}

void MainWindow::loadForm()
{
    m_settings->beginGroup(QStringLiteral("stream"));
    m_title->setText(m_settings->value(QStringLiteral("title")).toString());
    m_summary->setText(m_settings->value(QStringLiteral("summary")).toString());
    m_imageUrl->setText(m_settings->value(QStringLiteral("image")).toString());
    m_tags->setText(m_settings->value(QStringLiteral("tags")).toString());
    const int ladder = m_ladder->findData(m_settings->value(QStringLiteral("ladder")).toString());
    if (ladder >= 0)
        m_ladder->setCurrentIndex(ladder);
    m_source->load(*m_settings);
    m_layout->load(*m_settings);
    m_settings->endGroup();
}

void MainWindow::presetFromFlags()
{
    const studio::StudioOptions &options = m_studio.options();
    const QStringList &flags = options.explicitFlags;
    m_source->preset(options, flags);
    m_layout->preset(options, flags);
    if (flags.contains(QStringLiteral("title")))
        m_title->setText(options.nostr.title);
    if (flags.contains(QStringLiteral("summary")))
        m_summary->setText(options.nostr.summary);
    if (flags.contains(QStringLiteral("image")))
        m_imageUrl->setText(options.nostr.imageUrl);
    if (flags.contains(QStringLiteral("tag")))
        m_tags->setText(options.nostr.hashtags.join(QStringLiteral(", ")));
    if (flags.contains(QStringLiteral("ladder"))) {
        const QString rungs = media::ladderToText(options.ladder);
        int index = m_ladder->findData(rungs);
        if (index < 0) {
            m_ladder->addItem(tr("%1 (command line)").arg(rungs), rungs);
            index = m_ladder->count() - 1;
        }
        m_ladder->setCurrentIndex(index);
    }
    static const QStringList formFlags{
        QStringLiteral("source"),         QStringLiteral("mic"),
        QStringLiteral("camera-overlay"), QStringLiteral("overlay-source"),
        QStringLiteral("camera"),         QStringLiteral("title"),
        QStringLiteral("ladder"),         QStringLiteral("summary"),
        QStringLiteral("image"),          QStringLiteral("tag")};
    if (std::any_of(formFlags.begin(), formFlags.end(),
                    [&flags](const QString &flag) { return flags.contains(flag); }))
        m_presetFingerprint = formFingerprint();
}

QString MainWindow::formFingerprint() const
{
    return QStringList{m_source->sourceValue(),           m_source->filePath(),
                       m_source->microphoneValue(),       m_layout->overlayValue(),
                       m_layout->layout().description(),  m_title->text(),
                       m_ladder->currentData().toString(), m_summary->text(),
                       m_imageUrl->text(),                m_tags->text()}
        .join(u'\n');
}

void MainWindow::saveForm() const
{
    // Flags preset the form for their run only: unless the streamer changed it, the saved form
    // stays for the runs without them.
    if (!m_presetFingerprint.isEmpty() && formFingerprint() == m_presetFingerprint)
        return;
    m_settings->beginGroup(QStringLiteral("stream"));
    m_settings->setValue(QStringLiteral("title"), m_title->text());
    m_settings->setValue(QStringLiteral("summary"), m_summary->text());
    m_settings->setValue(QStringLiteral("image"), m_imageUrl->text());
    m_settings->setValue(QStringLiteral("tags"), m_tags->text());
    m_settings->setValue(QStringLiteral("ladder"), m_ladder->currentData().toString());
    m_source->save(*m_settings);
    m_layout->save(*m_settings);
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
