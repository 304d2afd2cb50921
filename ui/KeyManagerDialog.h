// Settings → Keys: the studio's Nostr identities (the key store `afk-studio keys` manages):
// generate, import (nsec, hex, ncryptsec), copy the npub or ncryptsec, switch, remove. Every key
// store call runs on a worker thread (scrypt takes a fraction of a second and 64 MiB; the file
// I/O must not stall the window either) while a busy bar shows; one at a time.
#pragma once

#include "KeyStore.h"

#include <QDialog>
#include <QFutureWatcher>

#include <functional>
#include <memory>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace afk::nostr {
class Secp256k1Context;
}

namespace afk::ui {

class KeyManagerDialog : public QDialog
{
    Q_OBJECT
public:
    explicit KeyManagerDialog(QWidget *parent = nullptr);
    ~KeyManagerDialog() override;

    // What the last finished operation reported (empty when it succeeded).
    QString errorText() const;
    QString statusText() const;
    bool isBusy() const { return m_isBusy; }
    QList<nostr::Identity> identities() const { return m_identities; }

signals:
    // After each operation, whether it succeeded or not.
    void operationFinished();

private:
    struct Outcome {
        QString error;
        QString status;
        QString clipboardText; // copied to the clipboard when set
        QList<nostr::Identity> identities;
        bool hasIdentities = false;
        // A key that could not be imported goes back into the form: nothing typed is lost.
        QString rejectedKeyText;
        QString rejectedName;
    };
    using Work = std::function<Outcome(nostr::KeyStore &store)>;

    void run(const QString &busyText, Work work);
    void onFinished();
    void showIdentities();
    void setBusy(bool isBusy, const QString &text = {});
    void showError(const QString &error);
    QString selectedNpub() const;
    QString nameForNewKey() const;
    // The key store's password: chosen twice for the first key, else asked once and checked
    // against the active identity in the worker (the studio unlocks keys with one password).
    std::optional<QString> askStorePassword();

    void generate();
    void import();
    void copyNpub();
    void copyNcryptsec();
    void useSelected();
    void removeSelected();

    std::shared_ptr<nostr::Secp256k1Context> m_context; // shared with running workers
    QFutureWatcher<Outcome> m_watcher;
    QList<nostr::Identity> m_identities;
    bool m_isBusy = false;

    QTableWidget *m_table = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_keyText = nullptr;
    QPushButton *m_generate = nullptr;
    QPushButton *m_import = nullptr;
    QPushButton *m_copyNpub = nullptr;
    QPushButton *m_copyNcryptsec = nullptr;
    QPushButton *m_use = nullptr;
    QPushButton *m_remove = nullptr;
    QProgressBar *m_busy = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_error = nullptr;
};

} // namespace afk::ui
