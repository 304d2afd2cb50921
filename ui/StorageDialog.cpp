#include "StorageDialog.h"

#include "FormWidgets.h"

#include "CredentialStore.h"
#include "PasswordDialog.h"
#include "Secp256k1Context.h"
#include "StudioKeys.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace afk::ui {
namespace {

using storage::CredentialStore;

// studio.conf keys: the flags of the R2 and Cloudinary uploaders, without their dashes.
const QString r2AccountId = QStringLiteral("r2-account-id");
const QString r2Endpoint = QStringLiteral("r2-endpoint");
const QString r2Bucket = QStringLiteral("r2-bucket");
const QString r2PublicUrl = QStringLiteral("r2-public-url");
const QString r2RetainHours = QStringLiteral("r2-retain-hours");
const QString cloudinaryCloud = QStringLiteral("cloudinary-cloud");
const QString cloudinaryMode = QStringLiteral("cloudinary-mode");

QString objectNameOf(const QString &key)
{
    // "r2-bucket" → "r2_bucket": object names tests and accessibility tools can use.
    return QString(key).replace(u'-', u'_');
}

QString checkHttpUrl(const QString &key, const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != u"https" && url.scheme() != u"http") || url.host().isEmpty())
        return QObject::tr("%1: expected an https:// address").arg(key);
    if (!url.userInfo().isEmpty())
        return QObject::tr("%1: no credentials in the address (they go in the secret fields)").arg(key);
    return {};
}

// The studio opens its key and these secrets with one password (AFK_KEY_PASSWORD headless): the
// first secret's password must open the active (else first) Nostr key, when there is one.
QString checkKeyPassword(const QString &password)
{
    nostr::Secp256k1Context context;
    nostr::KeyStore keys = studio::openKeyStore(context);
    QString error;
    if (!keys.load(&error))
        return error;
    const QList<nostr::Identity> identities = keys.list();
    if (identities.isEmpty())
        return {};
    const nostr::Identity reference = keys.active().value_or(identities.first());
    if (keys.unlock(reference.npub, password))
        return {};
    return QObject::tr("This is not your key password (it does not open \"%1\"); storage secrets "
                       "use the same one, so that the studio opens both with one password.")
        .arg(reference.name);
}

bool hasNostrKeys()
{
    nostr::Secp256k1Context context;
    nostr::KeyStore keys = studio::openKeyStore(context);
    return keys.load() && !keys.list().isEmpty();
}

} // namespace

StorageDialog::StorageDialog(const QString &settingsFile, const QString &credentialDirectory,
                             QWidget *parent)
    : QDialog(parent), m_settingsFile(settingsFile), m_credentialDirectory(credentialDirectory)
{
    setWindowTitle(tr("Storage"));
    setObjectName(QStringLiteral("storageDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Uploads of finished streams. Secrets are kept encrypted with "
                                "your key password and are never shown again; the AFK_R2_* and "
                                "AFK_CLOUDINARY_* variables, when set, win over them. Changes "
                                "apply when the studio next starts."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    const auto addText = [this](QFormLayout *form, const QString &key, const QString &label,
                                const QString &placeholder) {
        auto *field = new QLineEdit(this);
        field->setObjectName(objectNameOf(key));
        field->setPlaceholderText(placeholder);
        form->addRow(label, field);
        m_textSettings.insert(key, field);
        return field;
    };
    auto *r2 = new QGroupBox(tr("Cloudflare R2 (or any S3)"), this);
    auto *r2Form = new QFormLayout(r2);
    addText(r2Form, r2AccountId, tr("Account id"), tr("the R2 account (or an endpoint below)"));
    addText(r2Form, r2Endpoint, tr("Endpoint"), QStringLiteral("https://<account>.r2.cloudflarestorage.com"));
    addText(r2Form, r2Bucket, tr("Bucket"), QString());
    addText(r2Form, r2PublicUrl, tr("Public URL"), QStringLiteral("https://media.example.com"));
    addText(r2Form, r2RetainHours, tr("Retain hours"), tr("the uploader's default"))
        ->setValidator(new QIntValidator(0, 24 * 365 * 10, this));
    r2Form->addRow(tr("Access key id"), makeSecretRow(QString::fromLatin1(CredentialStore::R2AccessKeyId)));
    r2Form->addRow(tr("Secret access key"), makeSecretRow(QString::fromLatin1(CredentialStore::R2SecretAccessKey)));
    layout->addWidget(r2);

    auto *cloudinary = new QGroupBox(tr("Cloudinary"), this);
    auto *cloudinaryForm = new QFormLayout(cloudinary);
    addText(cloudinaryForm, cloudinaryCloud, tr("Cloud name"), QString());
    m_cloudinaryMode = new QComboBox(this);
    m_cloudinaryMode->setObjectName(objectNameOf(cloudinaryMode));
    m_cloudinaryMode->addItem(tr("(default)"), QString());
    m_cloudinaryMode->addItem(tr("live (push the stream)"), QStringLiteral("live"));
    m_cloudinaryMode->addItem(tr("upload (the recording after the stream)"), QStringLiteral("upload"));
    cloudinaryForm->addRow(tr("Mode"), m_cloudinaryMode);
    cloudinaryForm->addRow(tr("API key"), makeSecretRow(QString::fromLatin1(CredentialStore::CloudinaryApiKey)));
    cloudinaryForm->addRow(tr("API secret"), makeSecretRow(QString::fromLatin1(CredentialStore::CloudinaryApiSecret)));
    layout->addWidget(cloudinary);

    m_busy = makeBusyIndicator(this);
    layout->addWidget(m_busy);
    m_error = makeErrorLabel(QStringLiteral("errorLabel"), this);
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("saveStorageButton"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &StorageDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &StorageDialog::reject);
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &StorageDialog::onFinished);

    loadSettings();
    run([](const QString &) { return Outcome{}; }); // reads which secrets are set
}

QWidget *StorageDialog::makeSecretRow(const QString &name)
{
    auto *widget = new QWidget(this);
    auto *row = new QHBoxLayout(widget);
    row->setContentsMargins(0, 0, 0, 0);
    SecretRow secret;
    secret.state = new QLabel(tr("…"), widget);
    secret.state->setObjectName(objectNameOf(name) + QStringLiteral("_state"));
    secret.state->setMinimumWidth(60);
    secret.field = new QLineEdit(widget);
    secret.field->setObjectName(objectNameOf(name));
    secret.field->setEchoMode(QLineEdit::Password);
    secret.save = new QPushButton(tr("Store"), widget);
    secret.save->setObjectName(objectNameOf(name) + QStringLiteral("_save"));
    secret.remove = new QPushButton(tr("Remove"), widget);
    secret.remove->setObjectName(objectNameOf(name) + QStringLiteral("_remove"));
    row->addWidget(secret.state);
    row->addWidget(secret.field, 1);
    row->addWidget(secret.save);
    row->addWidget(secret.remove);
    connect(secret.save, &QPushButton::clicked, this, [this, name] { storeSecret(name); });
    connect(secret.field, &QLineEdit::returnPressed, this, [this, name] { storeSecret(name); });
    connect(secret.remove, &QPushButton::clicked, this, [this, name] { removeSecret(name); });
    m_secretRows.insert(name, secret);
    return widget;
}

QString StorageDialog::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

void StorageDialog::showError(const QString &error)
{
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
}

void StorageDialog::storeSecret(const QString &name)
{
    if (m_isBusy)
        return;
    SecretRow &row = m_secretRows[name];
    const QString secret = row.field->text();
    if (secret.trimmed().isEmpty()) {
        showError(tr("%1: type the secret first.").arg(name));
        return;
    }
    const bool isFirst = m_storedSecrets.isEmpty();
    const bool isNewPassword = isFirst && !m_hasNostrKeys;
    const std::optional<QString> password = PasswordDialog::ask(
        this,
        isNewPassword ? tr("Choose the password that encrypts storage secrets (the studio asks "
                           "for it at start, or reads AFK_KEY_PASSWORD):")
                      : tr("Your key password (it encrypts storage secrets too):"),
        isNewPassword ? PasswordDialog::Mode::New : PasswordDialog::Mode::Existing);
    if (!password)
        return;
    // Write-only: the secret leaves the window as it goes to the worker.
    row.field->clear();
    run([name, secret, password = *password, isFirst](const QString &directory) {
        CredentialStore store(directory);
        Outcome outcome;
        if (isFirst)
            outcome.error = checkKeyPassword(password);
        if (outcome.error.isEmpty())
            store.set(name, secret, password, &outcome.error);
        if (!outcome.error.isEmpty()) {
            outcome.rejectedName = name;
            outcome.rejectedSecret = secret;
        }
        return outcome;
    });
}

void StorageDialog::removeSecret(const QString &name)
{
    if (m_isBusy)
        return;
    run([name](const QString &directory) {
        CredentialStore store(directory);
        Outcome outcome;
        store.remove(name, &outcome.error);
        return outcome;
    });
}

void StorageDialog::run(std::function<Outcome(const QString &directory)> work)
{
    showError({});
    m_isBusy = true;
    m_busy->show();
    updateSecretRows();
    // Argon2id and the file I/O run off the event loop.
    m_watcher.setFuture(QtConcurrent::run([directory = m_credentialDirectory, work = std::move(work)] {
        Outcome outcome = work(directory);
        CredentialStore store(directory);
        QString error;
        if (store.load(&error)) {
            outcome.names = store.names();
            outcome.hasNames = true;
        } else if (outcome.error.isEmpty()) {
            outcome.error = error;
        }
        outcome.hasNostrKeys = hasNostrKeys();
        return outcome;
    }));
}

void StorageDialog::onFinished()
{
    const Outcome outcome = m_watcher.result();
    m_isBusy = false;
    m_busy->hide();
    if (outcome.hasNames)
        m_storedSecrets = outcome.names;
    m_hasNostrKeys = outcome.hasNostrKeys;
    if (!outcome.rejectedName.isEmpty()) {
        QLineEdit *field = m_secretRows.value(outcome.rejectedName).field;
        if (field && field->text().isEmpty())
            field->setText(outcome.rejectedSecret);
    }
    updateSecretRows();
    showError(outcome.error);
    emit operationFinished();
}

void StorageDialog::updateSecretRows()
{
    for (auto it = m_secretRows.begin(); it != m_secretRows.end(); ++it) {
        const bool isSet = m_storedSecrets.contains(it.key());
        it->state->setText(isSet ? tr("set") : tr("not set"));
        it->field->setPlaceholderText(isSet ? tr("type a new value to replace it") : tr("type the secret"));
        it->save->setText(isSet ? tr("Replace") : tr("Store"));
        it->save->setEnabled(!m_isBusy);
        it->remove->setEnabled(!m_isBusy && isSet);
    }
}

void StorageDialog::loadSettings()
{
    QSettings settings(m_settingsFile, QSettings::IniFormat);
    for (auto it = m_textSettings.begin(); it != m_textSettings.end(); ++it)
        it.value()->setText(settings.value(it.key()).toString());
    const int mode = m_cloudinaryMode->findData(settings.value(cloudinaryMode).toString());
    m_cloudinaryMode->setCurrentIndex(mode >= 0 ? mode : 0);
}

QString StorageDialog::checkSettings() const
{
    const auto text = [this](const QString &key) { return m_textSettings.value(key)->text().trimmed(); };
    if (!text(r2Endpoint).isEmpty())
        if (const QString error = checkHttpUrl(r2Endpoint, text(r2Endpoint)); !error.isEmpty())
            return error;
    if (!text(r2PublicUrl).isEmpty())
        if (const QString error = checkHttpUrl(r2PublicUrl, text(r2PublicUrl)); !error.isEmpty())
            return error;
    static const QRegularExpression accountId(QStringLiteral("^[A-Za-z0-9]{1,64}$"));
    if (!text(r2AccountId).isEmpty() && !accountId.match(text(r2AccountId)).hasMatch())
        return tr("%1: letters and digits only").arg(r2AccountId);
    // S3 bucket naming rules.
    static const QRegularExpression bucket(QStringLiteral("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"));
    if (!text(r2Bucket).isEmpty() && !bucket.match(text(r2Bucket)).hasMatch())
        return tr("%1: 3 to 63 lowercase letters, digits, dots and hyphens").arg(r2Bucket);
    static const QRegularExpression cloudName(QStringLiteral("^[A-Za-z0-9_-]{1,128}$"));
    if (!text(cloudinaryCloud).isEmpty() && !cloudName.match(text(cloudinaryCloud)).hasMatch())
        return tr("%1: letters, digits, _ and - only").arg(cloudinaryCloud);
    return {};
}

void StorageDialog::accept()
{
    const QString error = checkSettings();
    showError(error);
    if (!error.isEmpty())
        return;
    QSettings settings(m_settingsFile, QSettings::IniFormat);
    // An empty field removes its key: the flag's default applies again.
    for (auto it = m_textSettings.cbegin(); it != m_textSettings.cend(); ++it)
        setOrRemoveSetting(settings, it.key(), it.value()->text().trimmed());
    setOrRemoveSetting(settings, cloudinaryMode, m_cloudinaryMode->currentData().toString());
    if (!syncSettings(settings)) {
        showError(tr("Cannot save the storage settings in %1.").arg(m_settingsFile));
        return;
    }
    QDialog::accept();
}

} // namespace afk::ui
