#include "ChatDock.h"

#include "FormWidgets.h"

#include "LiveChat.h"
#include "Nip19.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace afk::ui {
namespace {

constexpr int createdAtRole = Qt::UserRole;
constexpr int idRole = Qt::UserRole + 1;
constexpr qsizetype maxShownCharacters = 2000;

// Other people's text is shown, never interpreted: list items draw plain text, and control
// characters (but line breaks) are dropped so a message cannot fake layout.
QString displayableText(const QString &content)
{
    QString text;
    text.reserve(std::min(content.size(), maxShownCharacters));
    for (const QChar c : content) {
        if (text.size() >= maxShownCharacters) {
            text += u'…';
            break;
        }
        if (c == u'\n' || c.category() != QChar::Other_Control)
            text += c;
    }
    return text;
}

QString shortNpub(const QString &npub)
{
    return npub.size() > 16 ? npub.left(10) + u'…' + npub.right(4) : npub;
}

bool isAfter(qint64 createdAt, const QString &id, const QListWidgetItem *item)
{
    const qint64 itemCreatedAt = item->data(createdAtRole).toLongLong();
    return createdAt != itemCreatedAt ? createdAt > itemCreatedAt
                                      : id > item->data(idRole).toString();
}

} // namespace

ChatDock::ChatDock(QWidget *parent, int maxMessages)
    : QDockWidget(tr("Chat"), parent), m_maxMessages(std::max(1, maxMessages))
{
    setObjectName(QStringLiteral("chatDock"));
    auto *content = new QWidget(this);
    auto *layout = new QVBoxLayout(content);
    m_hint = new QLabel(content);
    m_hint->setObjectName(QStringLiteral("chatHint"));
    m_hint->setWordWrap(true);
    m_hint->setTextFormat(Qt::PlainText);
    layout->addWidget(m_hint);
    m_messages = new QListWidget(content);
    m_messages->setObjectName(QStringLiteral("chatMessages"));
    m_messages->setWordWrap(true);
    m_messages->setSelectionMode(QAbstractItemView::NoSelection);
    layout->addWidget(m_messages, 1);
    auto *sendRow = new QHBoxLayout;
    m_input = new QLineEdit(content);
    m_input->setObjectName(QStringLiteral("chatInput"));
    m_input->setPlaceholderText(tr("Say something to your viewers"));
    m_send = new QPushButton(tr("Send"), content);
    m_send->setObjectName(QStringLiteral("chatSend"));
    sendRow->addWidget(m_input, 1);
    sendRow->addWidget(m_send);
    layout->addLayout(sendRow);
    m_error = makeErrorLabel(QStringLiteral("chatError"), content);
    layout->addWidget(m_error);
    setWidget(content);

    connect(m_send, &QPushButton::clicked, this, &ChatDock::send);
    connect(m_input, &QLineEdit::returnPressed, this, &ChatDock::send);
    setChat(nullptr);
}

void ChatDock::setChat(nostr::LiveChat *chat, const QString &hint)
{
    if (m_chat)
        disconnect(m_chat.data(), nullptr, this, nullptr);
    m_chat = chat;
    m_messages->clear();
    showError({});
    if (!chat) {
        setAvailable(false, hint.isEmpty() ? tr("The chat opens while you are live with Nostr on: "
                                                "relays in Settings → Relays…, a key in "
                                                "Settings → Keys…")
                                           : hint);
        return;
    }
    setAvailable(true, hint);
    for (const nostr::Event &event : chat->messages())
        addMessage(event);
    connect(chat, &nostr::LiveChat::messageAdded, this, &ChatDock::addMessage);
    connect(chat, &nostr::LiveChat::sendFailed, this,
            [this](const QString &relayUrl, const QString &reason) {
                showError(tr("%1 refused your message: %2").arg(relayUrl, reason));
            });
    connect(chat, &QObject::destroyed, this,
            [this] { setAvailable(false, tr("This stream's chat has closed.")); });
}

nostr::LiveChat *ChatDock::chat() const
{
    return m_chat;
}

void ChatDock::setAvailable(bool isAvailable, const QString &hint)
{
    m_hint->setText(hint);
    m_hint->setVisible(!hint.isEmpty());
    m_input->setEnabled(isAvailable);
    m_send->setEnabled(isAvailable);
}

void ChatDock::addMessage(const nostr::Event &event)
{
    const QString id = event.id.toHex();
    int row = m_messages->count();
    while (row > 0 && !isAfter(event.createdAt, id, m_messages->item(row - 1)))
        --row;
    if (row == 0 && m_messages->count() >= m_maxMessages)
        return; // older than everything shown: it would be the one dropped
    const bool isHost = m_chat && event.pubkey == m_chat->hostPublicKey();
    const QString author = isHost ? tr("you") : shortNpub(nostr::Nip19::encodeNpub(event.pubkey));
    const QString time = QDateTime::fromSecsSinceEpoch(event.createdAt).toString(QStringLiteral("HH:mm"));
    auto *item = new QListWidgetItem(
        QStringLiteral("%1 %2: %3").arg(time, author, displayableText(event.content)));
    item->setData(createdAtRole, event.createdAt);
    item->setData(idRole, id);
    item->setToolTip(nostr::Nip19::encodeNpub(event.pubkey));
    const bool isNewest = row == m_messages->count();
    m_messages->insertItem(row, item);
    while (m_messages->count() > m_maxMessages)
        delete m_messages->takeItem(0);
    if (isNewest)
        m_messages->scrollToBottom();
}

void ChatDock::send()
{
    if (!m_chat)
        return;
    QString error;
    if (!m_chat->send(m_input->text(), &error)) {
        showError(error);
        return;
    }
    showError({});
    m_input->clear();
}

void ChatDock::showError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

QStringList ChatDock::shownMessages() const
{
    QStringList rows;
    for (int row = 0; row < m_messages->count(); ++row)
        rows.append(m_messages->item(row)->text());
    return rows;
}

QString ChatDock::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString ChatDock::hintText() const
{
    return m_hint->isHidden() ? QString() : m_hint->text();
}

} // namespace afk::ui
