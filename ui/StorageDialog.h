// Settings → Storage: where finished recordings go (Cloudflare R2 / S3, Cloudinary). The plain
// settings are studio.conf keys named like their flags (r2-bucket, cloudinary-mode, …); the
// secrets go to the credential store (core/storage/CredentialStore) and are write-only here: a
// row says "set" or "not set", a typed secret is stored and the field cleared at once, and
// nothing ever reads one back into the window.
#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <QHash>
#include <QStringList>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace afk::ui {

class StorageDialog : public QDialog
{
    Q_OBJECT
public:
    // credentialDirectory holds the credential store (the config dir).
    StorageDialog(const QString &settingsFile, const QString &credentialDirectory,
                  QWidget *parent = nullptr);

    QString errorText() const;
    bool isBusy() const { return m_isBusy; }
    // Names of the secrets the store holds, as last read.
    QStringList storedSecrets() const { return m_storedSecrets; }

    // Checks and saves the plain settings; stays open with the error shown when one is invalid.
    void accept() override;

signals:
    // After each credential store operation, whether it succeeded or not.
    void operationFinished();

private:
    struct SecretRow {
        QLabel *state = nullptr;
        QLineEdit *field = nullptr;
        QPushButton *save = nullptr;
        QPushButton *remove = nullptr;
    };
    struct Outcome {
        QString error;
        QStringList names;
        bool hasNames = false;
        bool hasNostrKeys = false;
        // A secret that could not be stored goes back into its field: nothing typed is lost.
        QString rejectedName;
        QString rejectedSecret;
    };

    QWidget *makeSecretRow(const QString &name);
    void storeSecret(const QString &name);
    void removeSecret(const QString &name);
    void run(std::function<Outcome(const QString &directory)> work);
    void onFinished();
    void updateSecretRows();
    void showError(const QString &error);
    void loadSettings();
    // Empty, else what is wrong with the form.
    QString checkSettings() const;

    QString m_settingsFile;
    QString m_credentialDirectory;
    QHash<QString, QLineEdit *> m_textSettings; // studio.conf key → field
    QComboBox *m_cloudinaryMode = nullptr;
    QHash<QString, SecretRow> m_secretRows; // credential name → its row
    QStringList m_storedSecrets;
    bool m_hasNostrKeys = false; // then the first secret's password must be the key password
    QFutureWatcher<Outcome> m_watcher;
    bool m_isBusy = false;
    QProgressBar *m_busy = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace afk::ui
