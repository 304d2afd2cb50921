#include "ShareBox.h"

#include <QApplication>
#include <QClipboard>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>

namespace afk::ui {

ShareBox::ShareBox(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QFormLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_master = addRow(tr("Watch (ABR)"), QStringLiteral("masterUrl"));
    m_stream = addRow(tr("Watch (AFK PWA)"), QStringLiteral("streamUrl"));
    m_lowLatency = addRow(tr("Watch (LL-HLS)"), QStringLiteral("lowLatencyUrl"));
    m_public = addRow(tr("Public playback"), QStringLiteral("publicPlaybackUrl"));
    m_public->setPlaceholderText(tr("with R2 (a public URL) or Cloudinary"));
    m_status = addRow(tr("Status"), QStringLiteral("statusUrl"));
    m_nostr = addRow(tr("Nostr"), QStringLiteral("nostrAddress"));
    m_nostr->setPlaceholderText(tr("announced once live, when relays are set"));
}

QLineEdit *ShareBox::addRow(const QString &label, const QString &objectName)
{
    auto *row = new QWidget(this);
    auto *rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    auto *field = new QLineEdit(row);
    field->setObjectName(objectName);
    field->setReadOnly(true);
    field->setMinimumWidth(360); // a whole URL at a glance
    auto *copy = new QPushButton(tr("Copy"), row);
    copy->setObjectName(objectName + QStringLiteral("Copy"));
    copy->setEnabled(false);
    connect(field, &QLineEdit::textChanged, copy,
            [copy](const QString &text) { copy->setEnabled(!text.isEmpty()); });
    connect(copy, &QPushButton::clicked, field,
            [field] { QApplication::clipboard()->setText(field->text()); });
    rowLayout->addWidget(field, 1);
    rowLayout->addWidget(copy);
    static_cast<QFormLayout *>(layout())->addRow(label, row);
    return field;
}

void ShareBox::setStreamUrl(const QString &streamUrl)
{
    const bool hasUrl = !streamUrl.isEmpty();
    m_master->setText(hasUrl ? streamUrl + QStringLiteral("/master.m3u8") : QString());
    m_stream->setText(hasUrl ? streamUrl + QStringLiteral("/stream.m3u8") : QString());
    m_status->setText(hasUrl ? streamUrl + QStringLiteral("/status") : QString());
    if (!hasUrl) {
        m_nostr->clear();
        m_lowLatency->clear();
        m_public->clear();
    }
}

void ShareBox::setLowLatencyUrl(const QString &url)
{
    if (m_lowLatency->text() != url) // keeps a selection the streamer is making
        m_lowLatency->setText(url);
}

void ShareBox::setPublicPlaybackUrl(const QString &url)
{
    if (m_public->text() != url)
        m_public->setText(url);
}

void ShareBox::setNostrAddress(const QString &naddr)
{
    m_nostr->setText(naddr.isEmpty() ? QString() : QStringLiteral("nostr:") + naddr);
}

QString ShareBox::masterUrl() const
{
    return m_master->text();
}

} // namespace afk::ui
