// The desktop studio's main window over the Studio core: source and stream form, Go Live / End,
// what to share, live stats and errors. It never encodes or waits on I/O: the core's pipelines do
// that on their own threads; this window only reads counters once a second.
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
class ShareBox;
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
    void updateSourceFields();
    void refreshStats();
    void loadForm();
    void saveForm() const;
    // Settings → Keys, Relays, Storage; View → Chat.
    void setUpSettingsMenus();
    void updateChat();

    studio::Studio &m_studio;
    std::unique_ptr<QSettings> m_settings;
    QComboBox *m_source = nullptr;
    QLineEdit *m_file = nullptr;
    QPushButton *m_browse = nullptr;
    QLineEdit *m_title = nullptr;
    QComboBox *m_ladder = nullptr;
    QPushButton *m_goLive = nullptr;
    QLabel *m_error = nullptr;
    ShareBox *m_share = nullptr;
    StatsPanel *m_stats = nullptr;
    QTimer m_statsTimer;
    ChatDock *m_chat = nullptr;
};

} // namespace afk::ui
