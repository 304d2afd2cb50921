// The studio's Nostr identities: several, one active, kept encrypted (NIP-49) in a 0600 JSON file.
#pragma once

#include "KeyPair.h"
#include "Ncryptsec.h"
#include "PublicKey.h"

#include <QList>
#include <QString>

#include <optional>

namespace afk::nostr
{

class Secp256k1Context;

// What the key store tells about an identity: never any secret.
struct Identity {
    QString name;
    QString npub;
    PublicKey publicKey;
    bool isActive = false;
    friend bool operator==(const Identity &, const Identity &) = default;
};

// <directory>/nostr-keys.json holds, for each identity, its name, npub and ncryptsec — never a
// clear secret — plus the npub of the active one:
//   {"version":1,"active":"npub1…","identities":[{"name":…,"npub":…,"ncryptsec":…}]}
// The caller passes the directory (the XDG config dir) and every password; nothing is cached.
// The file is written atomically (QSaveFile) with mode 0600; a directory we create gets 0700.
// Call load() first; the changing operations also load the file if that was not done. If the
// file exists but cannot be read, every change is refused rather than overwriting it.
// Not thread-safe: use from one thread.
class KeyStore
{
public:
    static constexpr const char *FileName = "nostr-keys.json";
    static constexpr int FileVersion = 1;
    static constexpr qsizetype MaxNameLength = 64;

    // Initialises libsodium. The context must outlive the store and the key pairs it unlocks.
    KeyStore(const Secp256k1Context &context, QString directory);

    QString filePath() const;

    // Reads the file (a missing file is an empty store) and tightens its mode to 0600 if it was
    // wider. False (and *error) for unreadable or invalid content.
    bool load(QString *error = nullptr);

    // scrypt cost (NIP-49 log_n) of keys encrypted from now on; default 16 (64 MiB).
    void setScryptLogN(int logN) { m_scryptLogN = logN; }
    int scryptLogN() const { return m_scryptLogN; }

    // A new random key, stored with key-security byte 0x01 (never handled in the clear). The
    // first identity of a store becomes the active one.
    std::optional<Identity> generate(const QString &name, const QString &password,
                                     QString *error = nullptr);
    // text is an nsec, 64 hex characters (stored with key-security byte 0x00: it was handled in
    // the clear) encrypted with password, or an ncryptsec that password decrypts (stored as it
    // is). Refuses an empty password, a duplicate name or key, and an invalid key.
    std::optional<Identity> importKey(const QString &text, const QString &name,
                                      const QString &password, QString *error = nullptr);
    // An ncryptsec whose own password differs from the one the store uses: decrypted with
    // ncryptsecPassword, stored re-encrypted under storePassword with its key-security byte kept
    // (stored as it is when both passwords are the same).
    std::optional<Identity> importNcryptsec(const QString &ncryptsec,
                                            const QString &ncryptsecPassword, const QString &name,
                                            const QString &storePassword,
                                            QString *error = nullptr);

    // What pasted key text is, checked as far as it can be without a password (an nsec's
    // checksum, 64 hex digits, an ncryptsec's structure), so a typo is reported before a
    // password is asked for. nullopt with the reason in *error.
    enum class KeyTextKind { Nsec, Hex, Ncryptsec };
    static std::optional<KeyTextKind> inspectKeyText(const QString &text, QString *error = nullptr);

    QList<Identity> list() const;
    std::optional<Identity> active() const;
    // By npub, 64-hex public key or name.
    std::optional<Identity> find(const QString &npubOrName) const;

    bool use(const QString &npubOrName, QString *error = nullptr);
    // Removing the active identity leaves none active.
    bool remove(const QString &npubOrName, QString *error = nullptr);

    QString exportNpub(const QString &npubOrName, QString *error = nullptr) const;
    // The stored ncryptsec, as it is (no password needed: it is already encrypted).
    QString exportNcryptsec(const QString &npubOrName, QString *error = nullptr) const;
    // The clear nsec: only on an explicit request of the user, never logged.
    QString exportNsec(const QString &npubOrName, const QString &password,
                       QString *error = nullptr) const;
    // Decrypts an identity's key for signing.
    std::optional<KeyPair> unlock(const QString &npubOrName, const QString &password,
                                  QString *error = nullptr) const;

private:
    struct Entry {
        QString name;
        PublicKey publicKey;
        QString ncryptsec;
    };

    bool ensureLoaded(QString *error);
    bool save(QString *error) const;
    qsizetype indexOf(const QString &npubOrName) const;
    const Entry *entryFor(const QString &npubOrName, QString *error) const;
    Identity identityOf(const Entry &entry) const;
    bool checkNewIdentity(const QString &name, const PublicKey &publicKey, QString *error) const;
    std::optional<Identity> add(Entry entry, QString *error);

    const Secp256k1Context &m_context;
    QString m_directory;
    QList<Entry> m_entries;
    std::optional<PublicKey> m_active;
    int m_scryptLogN = Ncryptsec::DefaultLogN;
    bool m_isLoaded = false;
};

} // namespace afk::nostr
