// Secrets of the upload targets, by name ("r2-access-key-id", "r2-secret-access-key"). One door
// for every secret so the key store (core/storage/CredentialStore) can be added behind it.
#pragma once

#include <QByteArray>
#include <QString>

namespace afk::storage {

// The secret's value, empty when it is not set. Today from the environment:
// "r2-access-key-id" → AFK_R2_ACCESS_KEY_ID (the name upper-cased, '-' → '_', "AFK_" before).
// Never log what this returns.
QByteArray storageCredential(const QString &name);

} // namespace afk::storage
