// View → Chat: the live stream's NIP-53 chat (kind 1311) — read and send as the studio's
// identity. Messages from the network are shown as plain text only; the newest maxMessages
// are kept, oldest on top.
#pragma once

#include <QDockWidget>
#include <QPointer>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace afk::nostr {
struct Event;
class LiveChat;
}

namespace afk::ui {

class ChatDock : public QDockWidget
{
    Q_OBJECT
public:
    static constexpr int defaultMaxMessages = 200;

    explicit ChatDock(QWidget *parent = nullptr, int maxMessages = defaultMaxMessages);

    // The chat to show and send to (not owned; when it is deleted the dock says so). Null:
    // unavailable, with hint saying why.
    void setChat(nostr::LiveChat *chat, const QString &hint = {});
    nostr::LiveChat *chat() const;

    // Rows as shown, "HH:mm author: text", oldest first.
    QStringList shownMessages() const;
    QString errorText() const;
    QString hintText() const;

private:
    void addMessage(const nostr::Event &event);
    void send();
    void showError(const QString &error);
    void setAvailable(bool isAvailable, const QString &hint);

    QPointer<nostr::LiveChat> m_chat;
    int m_maxMessages;
    QLabel *m_hint = nullptr;
    QListWidget *m_messages = nullptr;
    QLineEdit *m_input = nullptr;
    QPushButton *m_send = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace afk::ui
