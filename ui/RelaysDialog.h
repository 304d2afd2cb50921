// Settings → Relays: the relays the studio announces on and chats through, kept as the `relay`
// key of studio.conf (what --relay reads), each shown with its live state while the studio runs.
#pragma once

#include <QDialog>
#include <QJsonArray>
#include <QTimer>

#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace afk::ui {

class RelaysDialog : public QDialog
{
    Q_OBJECT
public:
    // Per relay {"url","state","lastError",…} (NostrPresence::relayStatus()); empty when Nostr
    // is off.
    using StatusProvider = std::function<QJsonArray()>;

    RelaysDialog(const QString &settingsFile, StatusProvider statusProvider,
                 QWidget *parent = nullptr);

    QStringList relays() const;
    QString errorText() const;
    // ws:// or wss:// with a host, no credentials, no spaces; empty, else the reason.
    static QString checkRelayUrl(const QString &url);

    // Saves the list (OK); stays open with the error shown if the file cannot be written.
    void accept() override;

private:
    void addRelay();
    void removeSelected();
    void refreshStates();
    void showError(const QString &error);

    QString m_settingsFile;
    StatusProvider m_statusProvider;
    QTableWidget *m_table = nullptr;
    QLineEdit *m_url = nullptr;
    QPushButton *m_add = nullptr;
    QPushButton *m_remove = nullptr;
    QLabel *m_error = nullptr;
    QTimer m_refreshTimer;
};

} // namespace afk::ui
