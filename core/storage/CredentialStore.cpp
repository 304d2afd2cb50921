#include "CredentialStore.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <sodium.h>
#include <sys/stat.h>

namespace afk::storage {
namespace {

constexpr const char *algorithmName = "argon2id13";
constexpr QFileDevice::Permissions ownerReadWrite = QFileDevice::ReadOwner | QFileDevice::WriteOwner;

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

bool isValidName(const QString &name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9-]{1,64}$"));
    return pattern.match(name).hasMatch();
}

// Binds a sealed value to its name: a ciphertext copied under another name fails to decrypt.
QByteArray associatedData(const QString &name)
{
    return QByteArrayLiteral("afk-credential:v1:") + name.toUtf8();
}
const QString checkName = QStringLiteral("#check");

QJsonObject sealedToJson(const QByteArray &nonce, const QByteArray &ciphertext)
{
    return {{QStringLiteral("nonce"), QString::fromLatin1(nonce.toBase64())},
            {QStringLiteral("ciphertext"), QString::fromLatin1(ciphertext.toBase64())}};
}

bool sealedFromJson(const QJsonValue &value, QByteArray *nonce, QByteArray *ciphertext)
{
    const QJsonObject object = value.toObject();
    const auto decode = [](const QJsonValue &field, QByteArray *out) {
        const auto result = QByteArray::fromBase64Encoding(field.toString().toLatin1(),
                                                           QByteArray::AbortOnBase64DecodingErrors);
        *out = result.decoded;
        return bool(result) && field.isString();
    };
    return decode(object.value(QLatin1String("nonce")), nonce) &&
           decode(object.value(QLatin1String("ciphertext")), ciphertext) &&
           nonce->size() == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES &&
           ciphertext->size() >= qsizetype(crypto_aead_xchacha20poly1305_ietf_ABYTES) &&
           ciphertext->size() <= CredentialStore::MaxSecretBytes +
                                     qsizetype(crypto_aead_xchacha20poly1305_ietf_ABYTES);
}

QByteArray seal(const QByteArray &plain, const QString &name, const QByteArray &key,
                QByteArray *nonce)
{
    nonce->resize(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    randombytes_buf(nonce->data(), size_t(nonce->size()));
    QByteArray ciphertext(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, Qt::Uninitialized);
    unsigned long long length = 0;
    const QByteArray ad = associatedData(name);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        reinterpret_cast<unsigned char *>(ciphertext.data()), &length,
        reinterpret_cast<const unsigned char *>(plain.constData()), size_t(plain.size()),
        reinterpret_cast<const unsigned char *>(ad.constData()), size_t(ad.size()), nullptr,
        reinterpret_cast<const unsigned char *>(nonce->constData()),
        reinterpret_cast<const unsigned char *>(key.constData()));
    ciphertext.resize(qsizetype(length));
    return ciphertext;
}

std::optional<QByteArray> open(const QByteArray &nonce, const QByteArray &ciphertext,
                               const QString &name, const QByteArray &key)
{
    QByteArray plain(ciphertext.size(), Qt::Uninitialized);
    unsigned long long length = 0;
    const QByteArray ad = associatedData(name);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char *>(plain.data()), &length, nullptr,
            reinterpret_cast<const unsigned char *>(ciphertext.constData()),
            size_t(ciphertext.size()), reinterpret_cast<const unsigned char *>(ad.constData()),
            size_t(ad.size()), reinterpret_cast<const unsigned char *>(nonce.constData()),
            reinterpret_cast<const unsigned char *>(key.constData())) != 0)
        return std::nullopt;
    plain.resize(qsizetype(length));
    return plain;
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        sodium_memzero(bytes.data(), size_t(bytes.size()));
}

// Argon2id of the password; empty when libsodium cannot (out of memory).
QByteArray deriveKey(const QString &password, const QByteArray &salt, quint64 opsLimit,
                     quint64 memLimitBytes)
{
    // NFKC, as NIP-49 does for the key store's password: the same typed password, the same bytes.
    QByteArray passwordBytes = password.normalized(QString::NormalizationForm_KC).toUtf8();
    QByteArray key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES, Qt::Uninitialized);
    const int result = crypto_pwhash(
        reinterpret_cast<unsigned char *>(key.data()), size_t(key.size()), passwordBytes.constData(),
        size_t(passwordBytes.size()), reinterpret_cast<const unsigned char *>(salt.constData()),
        opsLimit, size_t(memLimitBytes), crypto_pwhash_ALG_ARGON2ID13);
    wipe(passwordBytes);
    return result == 0 ? key : QByteArray();
}

} // namespace

QStringList CredentialStore::knownNames()
{
    return {QString::fromLatin1(R2AccessKeyId), QString::fromLatin1(R2SecretAccessKey),
            QString::fromLatin1(CloudinaryApiKey), QString::fromLatin1(CloudinaryApiSecret)};
}

CredentialStore::KdfCost CredentialStore::interactiveCost()
{
    return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

CredentialStore::KdfCost CredentialStore::minimumCost()
{
    return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

CredentialStore::CredentialStore(QString directory)
    : m_directory(std::move(directory)), m_cost(interactiveCost())
{
}

QString CredentialStore::filePath() const
{
    return m_directory + u'/' + QLatin1String(FileName);
}

bool CredentialStore::load(QString *error)
{
    m_isLoaded = false;
    m_kdf.reset();
    m_check = {};
    m_secrets.clear();
    if (sodium_init() < 0)
        return fail(error, QStringLiteral("cannot initialise libsodium"));
    const QString path = filePath();
    QFile file(path);
    if (!file.exists()) {
        m_isLoaded = true;
        return true;
    }
    constexpr QFileDevice::Permissions groupOrOther =
        QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup |
        QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    if (file.permissions() & groupOrOther)
        file.setPermissions(ownerReadWrite);
    if (!file.open(QIODevice::ReadOnly))
        return fail(error, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const auto invalid = [&](const QString &why) {
        return fail(error, QStringLiteral("%1 is not a valid credential file: %2").arg(path, why));
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(1024 * 1024), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return invalid(parseError.errorString());
    const QJsonObject root = document.object();
    if (root.value(QLatin1String("version")).toInt() != FileVersion)
        return invalid(QStringLiteral("unknown version"));
    const QJsonObject secrets = root.value(QLatin1String("secrets")).toObject();
    if (!secrets.isEmpty()) {
        const QJsonObject kdf = root.value(QLatin1String("kdf")).toObject();
        Kdf parsed;
        parsed.opsLimit = quint64(kdf.value(QLatin1String("opslimit")).toDouble());
        parsed.memLimitBytes = quint64(kdf.value(QLatin1String("memlimit")).toDouble());
        parsed.salt = QByteArray::fromBase64(kdf.value(QLatin1String("salt")).toString().toLatin1());
        // Bounded: a hostile file must not make us allocate gigabytes or spin for minutes.
        if (kdf.value(QLatin1String("algorithm")).toString() != QLatin1String(algorithmName) ||
            parsed.salt.size() != crypto_pwhash_SALTBYTES ||
            parsed.opsLimit < crypto_pwhash_OPSLIMIT_MIN ||
            parsed.opsLimit > crypto_pwhash_OPSLIMIT_SENSITIVE ||
            parsed.memLimitBytes < crypto_pwhash_MEMLIMIT_MIN ||
            parsed.memLimitBytes > crypto_pwhash_MEMLIMIT_SENSITIVE)
            return invalid(QStringLiteral("bad kdf parameters"));
        if (!sealedFromJson(root.value(QLatin1String("check")), &m_check.nonce, &m_check.ciphertext))
            return invalid(QStringLiteral("bad check value"));
        for (auto it = secrets.begin(); it != secrets.end(); ++it) {
            Sealed sealed;
            if (!isValidName(it.key()) || !sealedFromJson(it.value(), &sealed.nonce, &sealed.ciphertext))
                return invalid(QStringLiteral("bad entry '%1'").arg(it.key().left(64)));
            m_secrets.insert(it.key(), sealed);
        }
        m_kdf = parsed;
    }
    m_isLoaded = true;
    return true;
}

bool CredentialStore::ensureLoaded(QString *error)
{
    return m_isLoaded || load(error);
}

QStringList CredentialStore::names() const
{
    QStringList names = m_secrets.keys();
    names.sort();
    return names;
}

bool CredentialStore::has(const QString &name) const
{
    return m_secrets.contains(name);
}

QByteArray CredentialStore::unlockKey(const QString &password, QString *error) const
{
    if (!m_kdf) {
        fail(error, QStringLiteral("no storage credentials are set"));
        return {};
    }
    QByteArray key = deriveKey(password, m_kdf->salt, m_kdf->opsLimit, m_kdf->memLimitBytes);
    if (key.isEmpty()) {
        fail(error, QStringLiteral("cannot derive the credential key (out of memory?)"));
        return {};
    }
    if (!open(m_check.nonce, m_check.ciphertext, checkName, key)) {
        wipe(key);
        fail(error, QStringLiteral("wrong password for %1 (the studio's key password), or the file "
                                   "was altered")
                        .arg(filePath()));
        return {};
    }
    return key;
}

bool CredentialStore::set(const QString &name, const QString &secret, const QString &password,
                          QString *error)
{
    if (!ensureLoaded(error))
        return false;
    if (!isValidName(name))
        return fail(error, QStringLiteral("'%1' is not a credential name ([a-z0-9-]{1,64})").arg(name.left(64)));
    if (password.isEmpty())
        return fail(error, QStringLiteral("a password is needed to store a credential"));
    QByteArray plain = secret.toUtf8();
    if (secret.trimmed().isEmpty())
        return fail(error, QStringLiteral("%1: the secret is empty").arg(name));
    if (plain.size() > MaxSecretBytes) {
        wipe(plain);
        return fail(error, QStringLiteral("%1: a secret is at most %2 bytes").arg(name).arg(MaxSecretBytes));
    }

    const std::optional<Kdf> previousKdf = m_kdf;
    const Sealed previousCheck = m_check;
    QByteArray key;
    if (!m_kdf) {
        // An empty store: this password becomes its password, under a fresh salt.
        Kdf kdf{m_cost.opsLimit, m_cost.memLimitBytes, QByteArray(crypto_pwhash_SALTBYTES, Qt::Uninitialized)};
        randombytes_buf(kdf.salt.data(), size_t(kdf.salt.size()));
        key = deriveKey(password, kdf.salt, kdf.opsLimit, kdf.memLimitBytes);
        if (key.isEmpty()) {
            wipe(plain);
            return fail(error, QStringLiteral("cannot derive the credential key (out of memory?)"));
        }
        m_kdf = kdf;
        m_check.ciphertext = seal({}, checkName, key, &m_check.nonce);
    } else {
        key = unlockKey(password, error);
        if (key.isEmpty()) {
            wipe(plain);
            return false;
        }
    }
    const std::optional<Sealed> previous =
        m_secrets.contains(name) ? std::optional<Sealed>(m_secrets.value(name)) : std::nullopt;
    Sealed sealed;
    sealed.ciphertext = seal(plain, name, key, &sealed.nonce);
    wipe(key);
    wipe(plain);
    m_secrets.insert(name, sealed);
    if (!save(error)) {
        // Memory stays what the file holds.
        if (previous)
            m_secrets.insert(name, *previous);
        else
            m_secrets.remove(name);
        if (m_secrets.isEmpty()) {
            m_kdf = previousKdf;
            m_check = previousCheck;
        }
        return false;
    }
    return true;
}

bool CredentialStore::remove(const QString &name, QString *error)
{
    if (!ensureLoaded(error))
        return false;
    if (!m_secrets.contains(name))
        return true;
    const Sealed previous = m_secrets.take(name);
    if (!save(error)) {
        m_secrets.insert(name, previous);
        return false;
    }
    if (m_secrets.isEmpty())
        m_kdf.reset(); // the next secret may start over with any password
    return true;
}

std::optional<QString> CredentialStore::value(const QString &name, const QString &password,
                                              QString *error) const
{
    const std::optional<QHash<QString, QString>> found = values({name}, password, error);
    if (!found)
        return std::nullopt;
    return found->value(name);
}

std::optional<QHash<QString, QString>>
CredentialStore::values(const QStringList &names, const QString &password, QString *error) const
{
    for (const QString &name : names)
        if (!m_secrets.contains(name)) {
            fail(error, QStringLiteral("no credential '%1' in %2").arg(name.left(64), filePath()));
            return std::nullopt;
        }
    QByteArray key = unlockKey(password, error);
    if (key.isEmpty())
        return std::nullopt;
    QHash<QString, QString> result;
    for (const QString &name : names) {
        const Sealed &sealed = m_secrets[name];
        std::optional<QByteArray> plain = open(sealed.nonce, sealed.ciphertext, name, key);
        if (!plain) {
            wipe(key);
            fail(error, QStringLiteral("credential '%1' in %2 does not decrypt: the file was altered")
                            .arg(name, filePath()));
            return std::nullopt;
        }
        result.insert(name, QString::fromUtf8(*plain));
        wipe(*plain);
    }
    wipe(key);
    return result;
}

bool CredentialStore::save(QString *error) const
{
    if (!QDir(m_directory).exists()) {
        if (!QDir().mkpath(m_directory))
            return fail(error, QStringLiteral("cannot create %1").arg(m_directory));
        QFile::setPermissions(m_directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ExeOwner);
    }
    QJsonObject root{{QStringLiteral("version"), FileVersion}};
    QJsonObject secrets;
    for (auto it = m_secrets.cbegin(); it != m_secrets.cend(); ++it)
        secrets.insert(it.key(), sealedToJson(it->nonce, it->ciphertext));
    root.insert(QStringLiteral("secrets"), secrets);
    if (m_kdf && !m_secrets.isEmpty()) {
        root.insert(QStringLiteral("kdf"),
                    QJsonObject{{QStringLiteral("algorithm"), QLatin1String(algorithmName)},
                                {QStringLiteral("opslimit"), double(m_kdf->opsLimit)},
                                {QStringLiteral("memlimit"), double(m_kdf->memLimitBytes)},
                                {QStringLiteral("salt"), QString::fromLatin1(m_kdf->salt.toBase64())}});
        root.insert(QStringLiteral("check"), sealedToJson(m_check.nonce, m_check.ciphertext));
    }
    const QString path = filePath();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    // 0600 before a single byte is written (QSaveFile's temporary file starts 0666 minus umask).
    if (::fchmod(file.handle(), S_IRUSR | S_IWUSR) != 0) {
        file.cancelWriting();
        return fail(error, QStringLiteral("cannot make %1 private (chmod 0600 failed)").arg(path));
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return fail(error, QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return true;
}

} // namespace afk::storage
