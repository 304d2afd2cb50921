// Where an uploader's secret comes from: its AFK_* environment variable when set (headless
// servers, CI), else the credential store unlocked with the studio's key password.
#pragma once

#include <QHash>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace afk::storage {

// "r2-secret-access-key" → "AFK_R2_SECRET_ACCESS_KEY".
QString credentialVariable(const QString &name);

struct CredentialSources {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QString directory; // the config dir holding CredentialStore::FileName
    // Asked only when a name is not in the environment and the store has it; empty password
    // with *error when there is none.
    std::function<QString(QString *error)> passwordProvider;
};

// Each name's value from its variable, else from the store (one password, one key derivation
// for all of them). nullopt with *error naming what is missing, e.g. "r2-access-key-id: set
// AFK_R2_ACCESS_KEY_ID or enter it in Settings → Storage". Never logs a value. Slow (Argon2id)
// when the store is used: call it off the GUI thread.
std::optional<QHash<QString, QString>> resolveCredentials(const QStringList &names,
                                                          const CredentialSources &sources,
                                                          QString *error);

} // namespace afk::storage
