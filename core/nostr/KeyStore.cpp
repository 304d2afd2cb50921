#include "KeyStore.h"

#include "Hex.h"
#include "Nip19.h"
#include "Secp256k1Context.h"
#include "SodiumInit.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <sys/stat.h>

#include <algorithm>
#include <utility>

namespace afk::nostr
{

namespace
{

constexpr QFileDevice::Permissions OwnerReadWrite =
    QFileDevice::ReadOwner | QFileDevice::WriteOwner;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// An npub or a 64-hex public key, or nullopt (then it may be a name).
std::optional<PublicKey> parsePublicKey(const QString &text)
{
    if (text.startsWith(QLatin1String("npub1"), Qt::CaseInsensitive))
        return Nip19::decodeNpub(text);
    if (text.size() == 2 * PublicKey::Size)
        return PublicKey::fromHex(text.toLower());
    return std::nullopt;
}

bool isAcceptableName(const QString &name, QString *error)
{
    if (name.trimmed().isEmpty()) {
        setError(error, QStringLiteral("an identity needs a name"));
        return false;
    }
    if (name != name.trimmed()) {
        setError(error, QStringLiteral("a name cannot start or end with spaces"));
        return false;
    }
    if (name.size() > KeyStore::MaxNameLength) {
        setError(error,
                 QStringLiteral("a name has at most %1 characters").arg(KeyStore::MaxNameLength));
        return false;
    }
    if (name.startsWith(QLatin1String("npub1"), Qt::CaseInsensitive)) {
        setError(error,
                 QStringLiteral("a name cannot start with \"npub1\" (it would look like a key)"));
        return false;
    }
    if (parsePublicKey(name)) {
        setError(error, QStringLiteral("a name cannot be a public key"));
        return false;
    }
    for (QChar c : name) {
        if (c.category() == QChar::Other_Control) {
            setError(error, QStringLiteral("a name cannot contain control characters"));
            return false;
        }
    }
    return true;
}

} // namespace

KeyStore::KeyStore(const Secp256k1Context &context, QString directory)
    : m_context(context), m_directory(std::move(directory))
{
    ensureSodium();
}

QString KeyStore::filePath() const
{
    return QDir(m_directory).filePath(QString::fromLatin1(FileName));
}

bool KeyStore::load(QString *error)
{
    m_isLoaded = false;
    m_entries.clear();
    m_active.reset();
    const QString path = filePath();
    QFile file(path);
    if (!file.exists()) {
        m_isLoaded = true;
        return true;
    }
    constexpr QFileDevice::Permissions GroupOrOther =
        QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
        QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    if (file.permissions() & GroupOrOther)
        file.setPermissions(OwnerReadWrite);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        setError(error,
                 QStringLiteral("%1 is not a JSON object: %2").arg(path, parseError.errorString()));
        return false;
    }
    const QJsonObject root = document.object();
    if (root.value(QLatin1String("version")).toInt() != FileVersion) {
        setError(
            error,
            QStringLiteral("%1: unsupported \"version\" (expected %2)").arg(path).arg(FileVersion));
        return false;
    }
    const QJsonValue identities = root.value(QLatin1String("identities"));
    if (!identities.isArray()) {
        setError(error, QStringLiteral("%1: \"identities\" must be an array").arg(path));
        return false;
    }
    QList<Entry> entries;
    for (const QJsonValue &value : identities.toArray()) {
        const QJsonObject object = value.toObject();
        Entry entry;
        entry.name = object.value(QLatin1String("name")).toString();
        const QString npub = object.value(QLatin1String("npub")).toString();
        entry.ncryptsec = object.value(QLatin1String("ncryptsec")).toString();
        QString reason;
        const std::optional<PublicKey> publicKey = Nip19::decodeNpub(npub, &reason);
        if (!publicKey || !Ncryptsec::inspect(entry.ncryptsec, &reason) ||
            !isAcceptableName(entry.name, &reason)) {
            setError(error, QStringLiteral("%1: identity #%2 is invalid: %3")
                                .arg(path)
                                .arg(entries.size() + 1)
                                .arg(reason));
            return false;
        }
        entry.publicKey = *publicKey;
        for (const Entry &other : std::as_const(entries)) {
            if (other.name == entry.name || other.publicKey == entry.publicKey) {
                setError(
                    error,
                    QStringLiteral("%1: identity \"%2\" is listed twice").arg(path, entry.name));
                return false;
            }
        }
        entries.append(entry);
    }
    std::optional<PublicKey> active;
    const QString activeNpub = root.value(QLatin1String("active")).toString();
    if (!activeNpub.isEmpty()) {
        active = Nip19::decodeNpub(activeNpub);
        const bool isKnown =
            active && std::any_of(entries.cbegin(), entries.cend(),
                                  [&](const Entry &entry) { return entry.publicKey == *active; });
        if (!isKnown)
            active.reset(); // a stale pointer is not worth refusing the file
    }
    m_entries = entries;
    m_active = active;
    m_isLoaded = true;
    return true;
}

bool KeyStore::ensureLoaded(QString *error)
{
    return m_isLoaded || load(error);
}

bool KeyStore::save(QString *error) const
{
    QDir directory(m_directory);
    if (!directory.exists()) {
        if (!QDir().mkpath(m_directory)) {
            setError(error, QStringLiteral("cannot create %1").arg(m_directory));
            return false;
        }
        QFile::setPermissions(m_directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ExeOwner);
    }
    QJsonArray identities;
    for (const Entry &entry : m_entries) {
        identities.append(QJsonObject{
            {QStringLiteral("name"), entry.name},
            {QStringLiteral("npub"), Nip19::encodeNpub(entry.publicKey)},
            {QStringLiteral("ncryptsec"), entry.ncryptsec},
        });
    }
    QJsonObject root{
        {QStringLiteral("version"), FileVersion},
        {QStringLiteral("identities"), identities},
    };
    if (m_active)
        root.insert(QStringLiteral("active"), Nip19::encodeNpub(*m_active));

    const QString path = filePath();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        setError(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    // QSaveFile gives the temporary file the permissions of the file it replaces (or 0666 minus
    // umask): make it 0600 before a single byte is written.
    if (::fchmod(file.handle(), S_IRUSR | S_IWUSR) != 0) {
        file.cancelWriting();
        setError(error, QStringLiteral("cannot make %1 private (chmod 0600 failed)").arg(path));
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        setError(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

qsizetype KeyStore::indexOf(const QString &npubOrName) const
{
    const std::optional<PublicKey> publicKey = parsePublicKey(npubOrName.trimmed());
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const Entry &entry = m_entries[i];
        if (publicKey ? entry.publicKey == *publicKey : entry.name == npubOrName)
            return i;
    }
    return -1;
}

const KeyStore::Entry *KeyStore::entryFor(const QString &npubOrName, QString *error) const
{
    const qsizetype index = indexOf(npubOrName);
    if (index < 0) {
        setError(error, QStringLiteral("no identity \"%1\" in the key store").arg(npubOrName));
        return nullptr;
    }
    return &m_entries[index];
}

Identity KeyStore::identityOf(const Entry &entry) const
{
    return Identity{entry.name, Nip19::encodeNpub(entry.publicKey), entry.publicKey,
                    m_active && *m_active == entry.publicKey};
}

bool KeyStore::checkNewIdentity(const QString &name, const PublicKey &publicKey,
                                QString *error) const
{
    for (const Entry &entry : m_entries) {
        if (entry.publicKey == publicKey) {
            setError(
                error,
                QStringLiteral("this key is already in the key store as \"%1\"").arg(entry.name));
            return false;
        }
        if (entry.name == name) {
            setError(error, QStringLiteral("an identity named \"%1\" already exists").arg(name));
            return false;
        }
    }
    return true;
}

std::optional<Identity> KeyStore::add(Entry entry, QString *error)
{
    const QList<Entry> previousEntries = m_entries;
    const std::optional<PublicKey> previousActive = m_active;
    m_entries.append(entry);
    if (!m_active)
        m_active = entry.publicKey;
    if (!save(error)) {
        m_entries = previousEntries;
        m_active = previousActive;
        return std::nullopt;
    }
    return identityOf(m_entries.last());
}

std::optional<Identity> KeyStore::generate(const QString &name, const QString &password,
                                           QString *error)
{
    if (!ensureLoaded(error) || !isAcceptableName(name, error))
        return std::nullopt;
    if (password.isEmpty()) {
        setError(error, QStringLiteral("a password is needed to store a key"));
        return std::nullopt;
    }
    const std::optional<KeyPair> keyPair = KeyPair::generate(m_context, error);
    if (!keyPair || !checkNewIdentity(name, keyPair->publicKey(), error))
        return std::nullopt;
    Entry entry{name, keyPair->publicKey(),
                Ncryptsec::encrypt(keyPair->secretKey(), password, m_scryptLogN,
                                   Ncryptsec::KeySecurity::NotKnownInsecure, error)};
    if (entry.ncryptsec.isEmpty())
        return std::nullopt;
    return add(std::move(entry), error);
}

std::optional<Identity> KeyStore::importKey(const QString &text, const QString &name,
                                            const QString &password, QString *error)
{
    if (!ensureLoaded(error) || !isAcceptableName(name, error))
        return std::nullopt;
    if (password.isEmpty()) {
        setError(error, QStringLiteral("a password is needed to store a key"));
        return std::nullopt;
    }
    const QString trimmed = text.trimmed();
    const QString prefix = Nip19::prefixOf(trimmed);
    std::optional<SecretKey> secretKey;
    QString ncryptsec;
    if (prefix == QLatin1String("ncryptsec")) {
        secretKey = Ncryptsec::decrypt(trimmed, password, error);
        ncryptsec = trimmed.toLower();
    } else if (prefix == QLatin1String("nsec")) {
        secretKey = Nip19::decodeNsec(trimmed, error);
    } else if (trimmed.size() == 2 * SecretKey::Size) {
        secretKey = SecretKey::fromHex(trimmed, error);
    } else {
        setError(error, QStringLiteral("not a key: expected an nsec, an ncryptsec or 64 hex "
                                       "characters"));
        return std::nullopt;
    }
    if (!secretKey)
        return std::nullopt;
    const std::optional<KeyPair> keyPair = KeyPair::fromSecretKey(m_context, *secretKey, error);
    if (!keyPair || !checkNewIdentity(name, keyPair->publicKey(), error))
        return std::nullopt;
    if (ncryptsec.isEmpty()) {
        ncryptsec = Ncryptsec::encrypt(*secretKey, password, m_scryptLogN,
                                       Ncryptsec::KeySecurity::KnownInsecure, error);
        if (ncryptsec.isEmpty())
            return std::nullopt;
    }
    return add(Entry{name, keyPair->publicKey(), ncryptsec}, error);
}

std::optional<Identity> KeyStore::importNcryptsec(const QString &ncryptsec,
                                                  const QString &ncryptsecPassword,
                                                  const QString &name,
                                                  const QString &storePassword, QString *error)
{
    if (ncryptsecPassword == storePassword)
        return importKey(ncryptsec, name, storePassword, error);
    if (!ensureLoaded(error) || !isAcceptableName(name, error))
        return std::nullopt;
    if (storePassword.isEmpty()) {
        setError(error, QStringLiteral("a password is needed to store a key"));
        return std::nullopt;
    }
    Ncryptsec::Info info;
    const std::optional<SecretKey> secretKey =
        Ncryptsec::decrypt(ncryptsec.trimmed(), ncryptsecPassword, error, &info);
    if (!secretKey)
        return std::nullopt;
    const std::optional<KeyPair> keyPair = KeyPair::fromSecretKey(m_context, *secretKey, error);
    if (!keyPair || !checkNewIdentity(name, keyPair->publicKey(), error))
        return std::nullopt;
    Entry entry{name, keyPair->publicKey(),
                Ncryptsec::encrypt(*secretKey, storePassword, m_scryptLogN, info.keySecurity,
                                   error)};
    if (entry.ncryptsec.isEmpty())
        return std::nullopt;
    return add(std::move(entry), error);
}

std::optional<KeyStore::KeyTextKind> KeyStore::inspectKeyText(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    const QString prefix = Nip19::prefixOf(trimmed);
    if (prefix == QLatin1String("ncryptsec")) {
        if (!Ncryptsec::inspect(trimmed, error))
            return std::nullopt;
        return KeyTextKind::Ncryptsec;
    }
    if (prefix == QLatin1String("nsec")) {
        if (!Nip19::decodeNsec(trimmed, error))
            return std::nullopt;
        return KeyTextKind::Nsec;
    }
    if (trimmed.size() == 2 * SecretKey::Size) {
        if (!SecretKey::fromHex(trimmed, error))
            return std::nullopt;
        return KeyTextKind::Hex;
    }
    setError(error, QStringLiteral("not a key: expected an nsec, an ncryptsec or 64 hex characters"));
    return std::nullopt;
}

QList<Identity> KeyStore::list() const
{
    QList<Identity> identities;
    identities.reserve(m_entries.size());
    for (const Entry &entry : m_entries)
        identities.append(identityOf(entry));
    return identities;
}

std::optional<Identity> KeyStore::active() const
{
    if (!m_active)
        return std::nullopt;
    for (const Entry &entry : m_entries)
        if (entry.publicKey == *m_active)
            return identityOf(entry);
    return std::nullopt;
}

std::optional<Identity> KeyStore::find(const QString &npubOrName) const
{
    const qsizetype index = indexOf(npubOrName);
    if (index < 0)
        return std::nullopt;
    return identityOf(m_entries[index]);
}

bool KeyStore::use(const QString &npubOrName, QString *error)
{
    if (!ensureLoaded(error))
        return false;
    const Entry *entry = entryFor(npubOrName, error);
    if (!entry)
        return false;
    const std::optional<PublicKey> previousActive = m_active;
    m_active = entry->publicKey;
    if (!save(error)) {
        m_active = previousActive;
        return false;
    }
    return true;
}

bool KeyStore::remove(const QString &npubOrName, QString *error)
{
    if (!ensureLoaded(error))
        return false;
    const qsizetype index = indexOf(npubOrName);
    if (index < 0) {
        setError(error, QStringLiteral("no identity \"%1\" in the key store").arg(npubOrName));
        return false;
    }
    const QList<Entry> previousEntries = m_entries;
    const std::optional<PublicKey> previousActive = m_active;
    if (m_active && *m_active == m_entries[index].publicKey)
        m_active.reset();
    m_entries.removeAt(index);
    if (!save(error)) {
        m_entries = previousEntries;
        m_active = previousActive;
        return false;
    }
    return true;
}

QString KeyStore::exportNpub(const QString &npubOrName, QString *error) const
{
    const Entry *entry = entryFor(npubOrName, error);
    return entry ? Nip19::encodeNpub(entry->publicKey) : QString();
}

QString KeyStore::exportNcryptsec(const QString &npubOrName, QString *error) const
{
    const Entry *entry = entryFor(npubOrName, error);
    return entry ? entry->ncryptsec : QString();
}

QString KeyStore::exportNsec(const QString &npubOrName, const QString &password,
                             QString *error) const
{
    const std::optional<KeyPair> keyPair = unlock(npubOrName, password, error);
    return keyPair ? Nip19::encodeNsec(keyPair->secretKey()) : QString();
}

std::optional<KeyPair> KeyStore::unlock(const QString &npubOrName, const QString &password,
                                        QString *error) const
{
    const Entry *entry = entryFor(npubOrName, error);
    if (!entry)
        return std::nullopt;
    const std::optional<SecretKey> secretKey =
        Ncryptsec::decrypt(entry->ncryptsec, password, error);
    if (!secretKey)
        return std::nullopt;
    std::optional<KeyPair> keyPair = KeyPair::fromSecretKey(m_context, *secretKey, error);
    if (keyPair && keyPair->publicKey() != entry->publicKey) {
        setError(
            error,
            QStringLiteral("the stored key of \"%1\" does not match its npub").arg(entry->name));
        return std::nullopt;
    }
    return keyPair;
}

} // namespace afk::nostr
