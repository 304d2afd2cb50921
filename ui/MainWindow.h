// The desktop studio's main window over the Studio core: live preview and audio meter, source,
// layout and stream form (preset by the run's flags), Go Live / End, what to share, live stats,
// status bar and errors. It never encodes or waits on I/O: the core's pipelines do that on their
// own threads (and make the preview's small picture); this window only reads the latest picture
// and level ~12 times a second and the counters once a second.
#pragma once

#include <QMainWindow>
#include <QTimer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;

namespace afk::studio {
class Studio;
}

namespace afk::ui {

class ChatDock;
class AudioMeter;
class LayoutPicker;
class LiveStatusLabel;
class PreviewWidget;
class ShareBox;
class SourcePicker;
class StatsPanel;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // settingsFile: where the stream form is kept (the studio's INI file); studio must outlive
    // the window and be started.
    MainWindow(studio::Studio &studio, const QString &settingsFile, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Go Live with the form's source; false (and the reason shown in the window) when it cannot.
    bool goLive();
    void endLive();
    bool isLive() const;
    QString errorText() const;

private:
    void onGoLiveClicked();
    void onLiveEnded(const QString &error);
    void showError(const QString &error);
    void refreshStats();
    void refreshPreview();
    void loadForm();
    void saveForm() const;
    // The flags given for this run (StudioOptions::explicitFlags) win over the saved form.
    void presetFromFlags();
    // Everything the form says, to tell whether the streamer changed what the flags preset.
    QString formFingerprint() const;
    void onLayoutChanged();
    void showUploadMessage(const QString &line);
    // Settings → Keys, Relays, Storage; View → Chat.
    void setUpSettingsMenus();
    void updateChat();

    studio::Studio &m_studio;
    std::unique_ptr<QSettings> m_settings;
    SourcePicker *m_source = nullptr;
    LayoutPicker *m_layout = nullptr;
    PreviewWidget *m_preview = nullptr;
    AudioMeter *m_audioMeter = nullptr;
    LiveStatusLabel *m_liveStatus = nullptr;
    QLineEdit *m_title = nullptr;
    QLineEdit *m_summary = nullptr;
    QLineEdit *m_imageUrl = nullptr;
    QLineEdit *m_tags = nullptr;
    QComboBox *m_ladder = nullptr;
    QPushButton *m_goLive = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_uploadMessage = nullptr;
    ShareBox *m_share = nullptr;
    StatsPanel *m_stats = nullptr;
    QTimer m_statsTimer;
    ChatDock *m_chat = nullptr;
    QTimer m_previewTimer;
    qint64 m_previewSequence = -1;
    QString m_presetFingerprint; // the form as flags preset it; empty when none did
};

} // namespace afk::ui
