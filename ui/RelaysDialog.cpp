#include "RelaysDialog.h"

#include "FormWidgets.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace afk::ui {
namespace {

enum Column { UrlColumn, StateColumn };
const QString relayKey = QStringLiteral("relay"); // the --relay flag without its dashes

} // namespace

RelaysDialog::RelaysDialog(const QString &settingsFile, StatusProvider statusProvider,
                           QWidget *parent)
    : QDialog(parent), m_settingsFile(settingsFile), m_statusProvider(std::move(statusProvider))
{
    setWindowTitle(tr("Nostr relays"));
    setObjectName(QStringLiteral("relaysDialog"));
    resize(640, 360);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Live events (NIP-53) and the chat go through these relays. "
                                "Changes apply when the studio next starts."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_table = new QTableWidget(0, 2, this);
    m_table->setObjectName(QStringLiteral("relayTable"));
    m_table->setHorizontalHeaderLabels({tr("Relay"), tr("State")});
    m_table->horizontalHeader()->setSectionResizeMode(UrlColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(StateColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_table, 1);

    auto *addRow = new QHBoxLayout;
    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("relayUrl"));
    m_url->setPlaceholderText(QStringLiteral("wss://relay.example.com"));
    m_add = new QPushButton(tr("Add"), this);
    m_add->setObjectName(QStringLiteral("addRelayButton"));
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setObjectName(QStringLiteral("removeRelayButton"));
    addRow->addWidget(m_url, 1);
    addRow->addWidget(m_add);
    addRow->addWidget(m_remove);
    layout->addLayout(addRow);
    m_error = makeErrorLabel(QStringLiteral("relayError"), this);
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("saveRelaysButton"));
    layout->addWidget(buttons);

    QSettings settings(m_settingsFile, QSettings::IniFormat);
    for (const QString &url : settings.value(relayKey).toStringList()) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        m_table->setItem(row, UrlColumn, new QTableWidgetItem(url.trimmed()));
        m_table->setItem(row, StateColumn, new QTableWidgetItem(tr("not connected")));
    }

    connect(m_add, &QPushButton::clicked, this, &RelaysDialog::addRelay);
    connect(m_url, &QLineEdit::returnPressed, this, &RelaysDialog::addRelay);
    connect(m_remove, &QPushButton::clicked, this, &RelaysDialog::removeSelected);
    connect(buttons, &QDialogButtonBox::accepted, this, &RelaysDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &RelaysDialog::reject);
    connect(&m_refreshTimer, &QTimer::timeout, this, &RelaysDialog::refreshStates);
    m_refreshTimer.start(1000);
    refreshStates();
}

QString RelaysDialog::checkRelayUrl(const QString &url)
{
    if (url.isEmpty())
        return tr("Enter a relay address (wss://…).");
    if (url.contains(QRegularExpression(QStringLiteral("\\s"))))
        return tr("A relay address has no spaces.");
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid())
        return tr("Not a valid address: %1").arg(parsed.errorString());
    if (parsed.scheme() != u"wss" && parsed.scheme() != u"ws")
        return tr("A relay address starts with wss:// (or ws:// on a local network).");
    if (parsed.host().isEmpty())
        return tr("The relay address has no host.");
    if (!parsed.userInfo().isEmpty())
        return tr("A relay address carries no user name or password.");
    return {};
}

QStringList RelaysDialog::relays() const
{
    QStringList urls;
    for (int row = 0; row < m_table->rowCount(); ++row)
        urls.append(m_table->item(row, UrlColumn)->text());
    return urls;
}

QString RelaysDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void RelaysDialog::addRelay()
{
    const QString url = m_url->text().trimmed();
    QString error = checkRelayUrl(url);
    if (error.isEmpty() && relays().contains(url))
        error = tr("%1 is in the list already.").arg(url);
    showError(error);
    if (!error.isEmpty())
        return;
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    m_table->setItem(row, UrlColumn, new QTableWidgetItem(url));
    m_table->setItem(row, StateColumn, new QTableWidgetItem(tr("not connected (until the studio restarts)")));
    m_url->clear();
    refreshStates();
}

void RelaysDialog::removeSelected()
{
    const QList<QTableWidgetItem *> selected = m_table->selectedItems();
    if (selected.isEmpty()) {
        showError(tr("Select the relay to remove."));
        return;
    }
    showError({});
    m_table->removeRow(selected.first()->row());
}

void RelaysDialog::refreshStates()
{
    QHash<QString, QJsonObject> states;
    if (m_statusProvider)
        for (const QJsonValue &value : m_statusProvider()) {
            const QJsonObject status = value.toObject();
            states.insert(status.value(QLatin1String("url")).toString(), status);
        }
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const QString url = m_table->item(row, UrlColumn)->text();
        // The pool may have normalised the address (a trailing slash).
        auto found = states.constFind(url);
        if (found == states.constEnd())
            found = states.constFind(url.endsWith(u'/') ? url.chopped(1) : url + u'/');
        if (found == states.constEnd())
            continue; // not in the running pool: keeps its "until restart" note
        const QString state = found->value(QLatin1String("state")).toString();
        const QString lastError = found->value(QLatin1String("lastError")).toString();
        m_table->item(row, StateColumn)
            ->setText(lastError.isEmpty() ? state : QStringLiteral("%1: %2").arg(state, lastError));
    }
}

void RelaysDialog::showError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

void RelaysDialog::accept()
{
    showError({});
    QSettings settings(m_settingsFile, QSettings::IniFormat);
    setOrRemoveSetting(settings, relayKey, relays());
    if (!syncSettings(settings)) {
        showError(tr("Cannot save the relays in %1.").arg(m_settingsFile));
        return;
    }
    QDialog::accept();
}

} // namespace afk::ui
