// The uploaders' secrets (R2 access keys, Cloudinary API key and secret), encrypted at rest in a
// 0600 file of their own in the config directory.
//
// Why a password and not a bare 0600 file (as ssh or OBS keep theirs): the studio already has
// one password — the Nostr key store's, asked by the GUI at start and read from
// AFK_KEY_PASSWORD / --key-password-file by the headless studio — so encrypting these secrets
// under it costs the user nothing new, and a copied config directory (backups, dotfile repos)
// leaks no cloud credentials. A headless server that wants no password at all sets the
// AFK_R2_* / AFK_CLOUDINARY_* variables instead, which win over this store (StorageCredentials).
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace afk::storage {

// <directory>/storage-credentials.json:
//   {"version":1,
//    "kdf":{"algorithm":"argon2id13","opslimit":N,"memlimit":N,"salt":"<base64>"},
//    "check":{"nonce":"<base64>","ciphertext":"<base64>"},
//    "secrets":{"<name>":{"nonce":"<base64>","ciphertext":"<base64>"}}}
// One key is derived from the password (libsodium crypto_pwhash, Argon2id) per file; each secret
// is sealed with XChaCha20-Poly1305 under it with its name as associated data (a secret moved to
// another name does not decrypt). "check" seals nothing under the same key: it tells a wrong
// password from a damaged secret. Names are not secret (has() needs no password); values are.
// The file is written atomically with mode 0600 (a directory we create gets 0700). If the file
// exists but cannot be read, every change is refused rather than overwriting it.
// Not thread-safe: use from one thread (the GUI runs its slow calls in a worker with its own
// instance).
class CredentialStore
{
public:
    static constexpr const char *FileName = "storage-credentials.json";
    static constexpr int FileVersion = 1;
    static constexpr qsizetype MaxSecretBytes = 4096;

    // The names the uploaders read.
    static constexpr const char *R2AccessKeyId = "r2-access-key-id";
    static constexpr const char *R2SecretAccessKey = "r2-secret-access-key";
    static constexpr const char *CloudinaryApiKey = "cloudinary-api-key";
    static constexpr const char *CloudinaryApiSecret = "cloudinary-api-secret";
    static QStringList knownNames();

    // Argon2id cost of a store created from now on (an existing file keeps the cost it names).
    struct KdfCost {
        quint64 opsLimit;
        quint64 memLimitBytes;
    };
    static KdfCost interactiveCost(); // libsodium's INTERACTIVE: 64 MiB, ~0.1-0.5 s
    static KdfCost minimumCost();     // tests only

    explicit CredentialStore(QString directory);

    QString filePath() const;
    void setKdfCost(KdfCost cost) { m_cost = cost; }

    // Reads the file (a missing file is an empty store); tightens a wider mode to 0600. False
    // (and *error) for an unreadable or invalid file.
    bool load(QString *error = nullptr);

    QStringList names() const;
    bool has(const QString &name) const;
    // Seals secret under password and saves. The first secret of an empty store fixes its
    // password; later ones must use the same (else "wrong password"). Refuses an empty password
    // or secret, a secret over MaxSecretBytes, and a name outside [a-z0-9-]{1,64}.
    bool set(const QString &name, const QString &secret, const QString &password,
             QString *error = nullptr);
    // No password needed: anyone who may write the file may delete from it anyway. Removing a
    // name that is not there is not an error.
    bool remove(const QString &name, QString *error = nullptr);
    // The clear secret, for the uploaders only (never shown or logged). nullopt with *error for
    // a missing name, a wrong password, or a damaged file.
    std::optional<QString> value(const QString &name, const QString &password,
                                 QString *error = nullptr) const;
    // Several at once (one key derivation).
    std::optional<QHash<QString, QString>> values(const QStringList &names,
                                                  const QString &password,
                                                  QString *error = nullptr) const;

private:
    struct Sealed {
        QByteArray nonce;
        QByteArray ciphertext;
    };
    struct Kdf {
        quint64 opsLimit = 0;
        quint64 memLimitBytes = 0;
        QByteArray salt;
    };

    bool ensureLoaded(QString *error);
    bool save(QString *error) const;
    // The key of this file for password (after checking it against "check"); empty with *error.
    QByteArray unlockKey(const QString &password, QString *error) const;

    QString m_directory;
    KdfCost m_cost;
    std::optional<Kdf> m_kdf; // none while the store is empty
    Sealed m_check;
    QHash<QString, Sealed> m_secrets;
    bool m_isLoaded = false;
};

} // namespace afk::storage
