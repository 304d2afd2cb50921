#include "KeyManagerDialog.h"

#include "FormWidgets.h"

#include "PasswordDialog.h"
#include "Secp256k1Context.h"
#include "StudioKeys.h"

#include <QApplication>
#include <QClipboard>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace afk::ui {
namespace {

enum Column { ActiveColumn, NameColumn, NpubColumn };

// The studio unlocks its keys with one password: a new key under another one would not open.
// Empty when password opens the store's active (else first) identity, or the store is empty.
QString checkStorePassword(const nostr::KeyStore &store, const QString &password)
{
    const QList<nostr::Identity> identities = store.list();
    if (identities.isEmpty())
        return {};
    const nostr::Identity reference = store.active().value_or(identities.first());
    QString error;
    if (store.unlock(reference.npub, password, &error))
        return {};
    return QObject::tr("this is not the password of your keys (tried on \"%1\"): %2")
        .arg(reference.name, error);
}

} // namespace

KeyManagerDialog::KeyManagerDialog(QWidget *parent)
    : QDialog(parent), m_context(std::make_shared<nostr::Secp256k1Context>())
{
    setWindowTitle(tr("Nostr keys"));
    setObjectName(QStringLiteral("keyManagerDialog"));
    resize(720, 420);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("The studio signs its live events and chat with the active "
                                "identity. Keys are stored encrypted with your password "
                                "(NIP-49); a change of identity applies when the studio next "
                                "starts."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_table = new QTableWidget(0, 3, this);
    m_table->setObjectName(QStringLiteral("identityTable"));
    m_table->setHorizontalHeaderLabels({tr("Active"), tr("Name"), tr("npub")});
    m_table->horizontalHeader()->setSectionResizeMode(NpubColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layout->addWidget(m_table, 1);

    auto *selected = new QHBoxLayout;
    m_use = new QPushButton(tr("Use"), this);
    m_use->setObjectName(QStringLiteral("useButton"));
    m_copyNpub = new QPushButton(tr("Copy npub"), this);
    m_copyNpub->setObjectName(QStringLiteral("copyNpubButton"));
    m_copyNcryptsec = new QPushButton(tr("Copy ncryptsec…"), this);
    m_copyNcryptsec->setObjectName(QStringLiteral("copyNcryptsecButton"));
    m_remove = new QPushButton(tr("Remove…"), this);
    m_remove->setObjectName(QStringLiteral("removeButton"));
    for (QPushButton *button : {m_use, m_copyNpub, m_copyNcryptsec, m_remove})
        selected->addWidget(button);
    selected->addStretch(1);
    layout->addLayout(selected);

    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("identityName"));
    m_name->setPlaceholderText(tr("a name for a new or imported key (optional)"));
    m_name->setMaxLength(int(nostr::KeyStore::MaxNameLength));
    form->addRow(tr("Name"), m_name);
    auto *importRow = new QHBoxLayout;
    m_keyText = new QLineEdit(this);
    m_keyText->setObjectName(QStringLiteral("importKeyText"));
    // The screen may be streamed: a pasted secret is never drawn.
    m_keyText->setEchoMode(QLineEdit::Password);
    m_keyText->setPlaceholderText(tr("nsec1…, 64 hex characters or ncryptsec1…"));
    m_import = new QPushButton(tr("Import"), this);
    m_import->setObjectName(QStringLiteral("importButton"));
    importRow->addWidget(m_keyText, 1);
    importRow->addWidget(m_import);
    form->addRow(tr("Existing key"), importRow);
    m_generate = new QPushButton(tr("Generate a new key"), this);
    m_generate->setObjectName(QStringLiteral("generateButton"));
    form->addRow(QString(), m_generate);
    layout->addLayout(form);

    m_busy = makeBusyIndicator(this);
    layout->addWidget(m_busy);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setTextFormat(Qt::PlainText);
    layout->addWidget(m_status);
    m_error = makeErrorLabel(QStringLiteral("errorLabel"), this);
    layout->addWidget(m_error);

    connect(m_generate, &QPushButton::clicked, this, &KeyManagerDialog::generate);
    connect(m_import, &QPushButton::clicked, this, &KeyManagerDialog::import);
    connect(m_keyText, &QLineEdit::returnPressed, this, &KeyManagerDialog::import);
    connect(m_copyNpub, &QPushButton::clicked, this, &KeyManagerDialog::copyNpub);
    connect(m_copyNcryptsec, &QPushButton::clicked, this, &KeyManagerDialog::copyNcryptsec);
    connect(m_use, &QPushButton::clicked, this, &KeyManagerDialog::useSelected);
    connect(m_remove, &QPushButton::clicked, this, &KeyManagerDialog::removeSelected);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] { setBusy(m_isBusy); });
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &KeyManagerDialog::onFinished);

    run(tr("Reading the key store…"), [](nostr::KeyStore &) { return Outcome{}; });
}

// A running worker owns its store and shares the context: it finishes on its own.
KeyManagerDialog::~KeyManagerDialog() = default;

QString KeyManagerDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString KeyManagerDialog::statusText() const
{
    return m_status->text();
}

void KeyManagerDialog::run(const QString &busyText, Work work)
{
    if (m_isBusy)
        return;
    showError({});
    setBusy(true, busyText);
    m_watcher.setFuture(QtConcurrent::run([context = m_context, work = std::move(work)] {
        nostr::KeyStore store = studio::openKeyStore(*context);
        Outcome outcome;
        if (store.load(&outcome.error)) {
            outcome = work(store);
            outcome.identities = store.list();
            outcome.hasIdentities = true;
        }
        return outcome;
    }));
}

void KeyManagerDialog::onFinished()
{
    const Outcome outcome = m_watcher.result();
    if (outcome.hasIdentities) {
        m_identities = outcome.identities;
        showIdentities();
    }
    setBusy(false, outcome.error.isEmpty() ? outcome.status : QString());
    showError(outcome.error);
    if (!outcome.rejectedKeyText.isEmpty() && m_keyText->text().isEmpty()) {
        m_keyText->setText(outcome.rejectedKeyText);
        m_name->setText(outcome.rejectedName);
    }
    if (!outcome.clipboardText.isEmpty())
        QApplication::clipboard()->setText(outcome.clipboardText);
    emit operationFinished();
}

void KeyManagerDialog::showIdentities()
{
    const QString previouslySelected = selectedNpub();
    m_table->setRowCount(int(m_identities.size()));
    for (int row = 0; row < m_identities.size(); ++row) {
        const nostr::Identity &identity = m_identities.at(row);
        auto *active = new QTableWidgetItem(identity.isActive ? QStringLiteral("✓") : QString());
        active->setData(Qt::UserRole, identity.npub);
        m_table->setItem(row, ActiveColumn, active);
        m_table->setItem(row, NameColumn, new QTableWidgetItem(identity.name));
        m_table->setItem(row, NpubColumn, new QTableWidgetItem(identity.npub));
        if (identity.npub == previouslySelected || (previouslySelected.isEmpty() && identity.isActive))
            m_table->selectRow(row);
    }
}

void KeyManagerDialog::setBusy(bool isBusy, const QString &text)
{
    m_isBusy = isBusy;
    m_busy->setVisible(isBusy);
    if (isBusy || !text.isEmpty())
        m_status->setText(text);
    const bool hasSelection = !selectedNpub().isEmpty();
    m_generate->setEnabled(!isBusy);
    m_import->setEnabled(!isBusy);
    for (QPushButton *button : {m_use, m_copyNpub, m_copyNcryptsec, m_remove})
        button->setEnabled(!isBusy && hasSelection);
}

void KeyManagerDialog::showError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

QString KeyManagerDialog::selectedNpub() const
{
    const QList<QTableWidgetItem *> items = m_table->selectedItems();
    if (items.isEmpty())
        return {};
    const QTableWidgetItem *first = m_table->item(items.first()->row(), ActiveColumn);
    return first ? first->data(Qt::UserRole).toString() : QString();
}

QString KeyManagerDialog::nameForNewKey() const
{
    const QString name = m_name->text().trimmed();
    return name.isEmpty() ? QStringLiteral("key%1").arg(m_identities.size() + 1) : name;
}

std::optional<QString> KeyManagerDialog::askStorePassword()
{
    if (m_identities.isEmpty())
        return PasswordDialog::ask(this,
                                   tr("Choose the password that protects your keys. The studio "
                                      "asks for it when it starts (or reads AFK_KEY_PASSWORD)."),
                                   PasswordDialog::Mode::New);
    return PasswordDialog::ask(this, tr("The password of your keys:"), PasswordDialog::Mode::Existing);
}

void KeyManagerDialog::generate()
{
    if (m_isBusy)
        return;
    const QString name = nameForNewKey();
    const std::optional<QString> password = askStorePassword();
    if (!password)
        return;
    run(tr("Generating and encrypting a key…"), [name, password = *password](nostr::KeyStore &store) {
        Outcome outcome;
        outcome.error = checkStorePassword(store, password);
        if (!outcome.error.isEmpty())
            return outcome;
        if (const auto identity = store.generate(name, password, &outcome.error))
            outcome.status = tr("Generated %1 (%2).").arg(identity->name, identity->npub);
        return outcome;
    });
    m_name->clear();
}

void KeyManagerDialog::import()
{
    if (m_isBusy)
        return;
    const QString keyText = m_keyText->text().trimmed();
    QString error;
    // A typo is reported before any password is asked for.
    const std::optional<nostr::KeyStore::KeyTextKind> kind =
        nostr::KeyStore::inspectKeyText(keyText, &error);
    if (!kind) {
        showError(keyText.isEmpty() ? tr("Paste a key to import first.")
                                    : tr("Cannot import this key: %1").arg(error));
        return;
    }
    std::optional<QString> ncryptsecPassword;
    if (*kind == nostr::KeyStore::KeyTextKind::Ncryptsec) {
        ncryptsecPassword = PasswordDialog::ask(
            this, tr("The password this ncryptsec was encrypted with:"), PasswordDialog::Mode::Existing);
        if (!ncryptsecPassword)
            return;
    }
    const std::optional<QString> password = askStorePassword();
    if (!password)
        return;
    const QString name = nameForNewKey();
    const QString typedName = m_name->text();
    run(tr("Encrypting and storing the key…"),
        [keyText, name, typedName, password = *password, ncryptsecPassword](nostr::KeyStore &store) {
            Outcome outcome;
            outcome.error = checkStorePassword(store, password);
            std::optional<nostr::Identity> identity;
            if (outcome.error.isEmpty())
                identity = ncryptsecPassword ? store.importNcryptsec(keyText, *ncryptsecPassword,
                                                                     name, password, &outcome.error)
                                             : store.importKey(keyText, name, password, &outcome.error);
            if (identity) {
                outcome.status = tr("Imported %1 (%2).").arg(identity->name, identity->npub);
            } else {
                outcome.error = tr("Cannot import this key: %1").arg(outcome.error);
                outcome.rejectedKeyText = keyText;
                outcome.rejectedName = typedName;
            }
            return outcome;
        });
    // The secret leaves the window once it is handed to the worker.
    m_keyText->clear();
    m_name->clear();
}

void KeyManagerDialog::copyNpub()
{
    const QString npub = selectedNpub();
    if (npub.isEmpty())
        return;
    QApplication::clipboard()->setText(npub);
    m_status->setText(tr("npub copied."));
}

void KeyManagerDialog::copyNcryptsec()
{
    const QString npub = selectedNpub();
    if (npub.isEmpty())
        return;
    // The ncryptsec is encrypted already; the password proves it is the owner who takes it.
    const std::optional<QString> password = PasswordDialog::ask(
        this, tr("The password of this key (its encrypted form is copied):"),
        PasswordDialog::Mode::Existing);
    if (!password)
        return;
    run(tr("Checking the password…"), [npub, password = *password](nostr::KeyStore &store) {
        Outcome outcome;
        if (store.unlock(npub, password, &outcome.error)) {
            outcome.clipboardText = store.exportNcryptsec(npub, &outcome.error);
            outcome.status = tr("ncryptsec copied.");
        }
        return outcome;
    });
}

void KeyManagerDialog::useSelected()
{
    const QString npub = selectedNpub();
    if (npub.isEmpty())
        return;
    run(tr("Switching identity…"), [npub](nostr::KeyStore &store) {
        Outcome outcome;
        if (store.use(npub, &outcome.error))
            outcome.status = tr("The studio signs as %1 from its next start.").arg(npub);
        return outcome;
    });
}

void KeyManagerDialog::removeSelected()
{
    const QString npub = selectedNpub();
    if (npub.isEmpty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Remove key"),
        tr("Remove %1 from the key store? Without a copy of its nsec or ncryptsec, this identity "
           "is lost for good.")
            .arg(npub),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    run(tr("Removing…"), [npub](nostr::KeyStore &store) {
        Outcome outcome;
        if (store.remove(npub, &outcome.error))
            outcome.status = tr("Removed %1.").arg(npub);
        return outcome;
    });
}

} // namespace afk::ui
