// The uploaders' credential store: secrets sealed under the key password in a 0600 file, never in
// clear on disk, with clear errors for a wrong password and a damaged file; and the resolver that
// prefers the AFK_* variables.
#include "CredentialStore.h"
#include "StorageCredentials.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using afk::storage::CredentialStore;

class TestCredentialStore : public QObject
{
    Q_OBJECT
private slots:
    void roundTripAcrossReload();
    void fileIsPrivateAndHoldsNoClearText();
    void wrongPasswordIsRefused();
    void tamperedFileIsAClearError();
    void secretMovedToAnotherNameDoesNotDecrypt();
    void invalidFileRefusesChanges();
    void removeForgetsTheSecret();
    void badInputIsRefused();
    void environmentWinsOverTheStore();

private:
    CredentialStore makeStore() const
    {
        CredentialStore store(m_dir.path());
        store.setKdfCost(CredentialStore::minimumCost()); // Argon2id at its floor: tests stay fast
        return store;
    }
    QByteArray fileBytes() const
    {
        QFile file(m_dir.path() + u'/' + QLatin1String(CredentialStore::FileName));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
    void writeFile(const QByteArray &bytes) const
    {
        QFile file(m_dir.path() + u'/' + QLatin1String(CredentialStore::FileName));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(bytes);
    }
    void init() { QFile::remove(m_dir.path() + u'/' + QLatin1String(CredentialStore::FileName)); }

    QTemporaryDir m_dir;
    const QString m_secret = QStringLiteral("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    const QString m_password = QStringLiteral("correct horse");
};

void TestCredentialStore::roundTripAcrossReload()
{
    init();
    QString error;
    {
        CredentialStore store = makeStore();
        QVERIFY2(store.set(CredentialStore::R2SecretAccessKey, m_secret, m_password, &error),
                 qPrintable(error));
        QVERIFY2(store.set(CredentialStore::R2AccessKeyId, QStringLiteral("AKIAEXAMPLE"),
                           m_password, &error),
                 qPrintable(error));
    }
    CredentialStore store = makeStore();
    QVERIFY2(store.load(&error), qPrintable(error));
    QVERIFY(store.has(CredentialStore::R2SecretAccessKey));
    QVERIFY(!store.has(CredentialStore::CloudinaryApiKey));
    QCOMPARE(store.names(), (QStringList{QStringLiteral("r2-access-key-id"),
                                         QStringLiteral("r2-secret-access-key")}));
    QCOMPARE(store.value(CredentialStore::R2SecretAccessKey, m_password, &error).value_or(QString()),
             m_secret);
    const auto both = store.values(
        {CredentialStore::R2AccessKeyId, CredentialStore::R2SecretAccessKey}, m_password, &error);
    QVERIFY2(both, qPrintable(error));
    QCOMPARE(both->value(CredentialStore::R2AccessKeyId), QStringLiteral("AKIAEXAMPLE"));
    // Replacing keeps one entry with the new value.
    QVERIFY(store.set(CredentialStore::R2SecretAccessKey, QStringLiteral("second"), m_password, &error));
    QCOMPARE(store.value(CredentialStore::R2SecretAccessKey, m_password).value_or(QString()),
             QStringLiteral("second"));
}

void TestCredentialStore::fileIsPrivateAndHoldsNoClearText()
{
    init();
    CredentialStore store = makeStore();
    QString error;
    QVERIFY2(store.set(CredentialStore::CloudinaryApiSecret, m_secret, m_password, &error), qPrintable(error));
    QFile file(store.filePath());
    QCOMPARE(file.permissions() & ~(QFileDevice::ReadUser | QFileDevice::WriteUser),
             QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    const QByteArray bytes = fileBytes();
    QVERIFY(!bytes.isEmpty());
    QVERIFY(!bytes.contains(m_secret.toUtf8()));
    QVERIFY(!bytes.contains(m_secret.toUtf8().toBase64()));
    QVERIFY(!bytes.contains(m_password.toUtf8()));
    QVERIFY(!bytes.contains("EXAMPLEKEY"));
    // A wider mode (e.g. a careless copy) is tightened on load.
    QVERIFY(file.setPermissions(file.permissions() | QFileDevice::ReadOther));
    QVERIFY(makeStore().load());
    QVERIFY(!(QFile(store.filePath()).permissions() & QFileDevice::ReadOther));
}

void TestCredentialStore::wrongPasswordIsRefused()
{
    init();
    CredentialStore store = makeStore();
    QVERIFY(store.set(CredentialStore::R2AccessKeyId, m_secret, m_password));
    QString error;
    QVERIFY(!store.value(CredentialStore::R2AccessKeyId, QStringLiteral("wrong"), &error));
    QVERIFY2(error.contains(QStringLiteral("wrong password")), qPrintable(error));
    // Another secret under another password would split the store: refused, nothing changed.
    error.clear();
    QVERIFY(!store.set(CredentialStore::CloudinaryApiKey, QStringLiteral("k"), QStringLiteral("other"), &error));
    QVERIFY2(error.contains(QStringLiteral("wrong password")), qPrintable(error));
    CredentialStore reloaded = makeStore();
    QVERIFY(reloaded.load());
    QVERIFY(!reloaded.has(CredentialStore::CloudinaryApiKey));
    QCOMPARE(reloaded.value(CredentialStore::R2AccessKeyId, m_password).value_or(QString()), m_secret);
}

void TestCredentialStore::tamperedFileIsAClearError()
{
    init();
    {
        CredentialStore store = makeStore();
        QVERIFY(store.set(CredentialStore::R2SecretAccessKey, m_secret, m_password));
    }
    QJsonObject root = QJsonDocument::fromJson(fileBytes()).object();
    QJsonObject secrets = root.value(QLatin1String("secrets")).toObject();
    QJsonObject entry = secrets.value(QLatin1String("r2-secret-access-key")).toObject();
    QByteArray ciphertext = QByteArray::fromBase64(entry.value(QLatin1String("ciphertext")).toString().toLatin1());
    ciphertext[3] = char(ciphertext[3] ^ 0x01);
    entry.insert(QStringLiteral("ciphertext"), QString::fromLatin1(ciphertext.toBase64()));
    secrets.insert(QStringLiteral("r2-secret-access-key"), entry);
    root.insert(QStringLiteral("secrets"), secrets);
    writeFile(QJsonDocument(root).toJson());

    CredentialStore store = makeStore();
    QString error;
    QVERIFY2(store.load(&error), qPrintable(error)); // the structure is fine; the seal is not
    QVERIFY(!store.value(CredentialStore::R2SecretAccessKey, m_password, &error));
    QVERIFY2(error.contains(QStringLiteral("does not decrypt: the file was altered")), qPrintable(error));
}

void TestCredentialStore::secretMovedToAnotherNameDoesNotDecrypt()
{
    init();
    {
        CredentialStore store = makeStore();
        QVERIFY(store.set(CredentialStore::R2SecretAccessKey, m_secret, m_password));
        QVERIFY(store.set(CredentialStore::R2AccessKeyId, QStringLiteral("id"), m_password));
    }
    QJsonObject root = QJsonDocument::fromJson(fileBytes()).object();
    QJsonObject secrets = root.value(QLatin1String("secrets")).toObject();
    secrets.insert(QStringLiteral("r2-access-key-id"), secrets.value(QLatin1String("r2-secret-access-key")));
    root.insert(QStringLiteral("secrets"), secrets);
    writeFile(QJsonDocument(root).toJson());
    CredentialStore store = makeStore();
    QVERIFY(store.load());
    QString error;
    QVERIFY(!store.value(CredentialStore::R2AccessKeyId, m_password, &error));
    QVERIFY2(error.contains(QStringLiteral("r2-access-key-id")), qPrintable(error));
}

void TestCredentialStore::invalidFileRefusesChanges()
{
    init();
    writeFile("{ not json");
    CredentialStore store = makeStore();
    QString error;
    QVERIFY(!store.load(&error));
    QVERIFY2(error.contains(QStringLiteral("not a valid credential file")), qPrintable(error));
    error.clear();
    QVERIFY(!store.set(CredentialStore::R2AccessKeyId, m_secret, m_password, &error));
    QVERIFY(!error.isEmpty());
    QCOMPARE(fileBytes(), QByteArray("{ not json")); // nothing overwritten
}

void TestCredentialStore::removeForgetsTheSecret()
{
    init();
    CredentialStore store = makeStore();
    QVERIFY(store.set(CredentialStore::CloudinaryApiKey, m_secret, m_password));
    QVERIFY(store.remove(CredentialStore::CloudinaryApiKey));
    QVERIFY(!store.has(CredentialStore::CloudinaryApiKey));
    CredentialStore reloaded = makeStore();
    QVERIFY(reloaded.load());
    QVERIFY(reloaded.names().isEmpty());
    QVERIFY(!fileBytes().contains("ciphertext"));
    // An emptied store takes any password again.
    QVERIFY(reloaded.set(CredentialStore::CloudinaryApiKey, m_secret, QStringLiteral("new password")));
}

void TestCredentialStore::badInputIsRefused()
{
    init();
    CredentialStore store = makeStore();
    QString error;
    QVERIFY(!store.set(CredentialStore::R2AccessKeyId, m_secret, QString(), &error));
    QVERIFY2(error.contains(QStringLiteral("password")), qPrintable(error));
    QVERIFY(!store.set(CredentialStore::R2AccessKeyId, QStringLiteral("  "), m_password, &error));
    QVERIFY2(error.contains(QStringLiteral("empty")), qPrintable(error));
    QVERIFY(!store.set(QStringLiteral("../etc"), m_secret, m_password, &error));
    QVERIFY(!store.set(CredentialStore::R2AccessKeyId,
                       QString(CredentialStore::MaxSecretBytes + 1, u'x'), m_password, &error));
    QVERIFY(!QFile::exists(store.filePath()));
    QVERIFY(!store.value(CredentialStore::R2AccessKeyId, m_password, &error));
    QVERIFY2(error.contains(QStringLiteral("no credential 'r2-access-key-id'")), qPrintable(error));
}

void TestCredentialStore::environmentWinsOverTheStore()
{
    init();
    QVERIFY(makeStore().set(CredentialStore::R2SecretAccessKey, m_secret, m_password));
    QCOMPARE(afk::storage::credentialVariable(CredentialStore::R2SecretAccessKey),
             QStringLiteral("AFK_R2_SECRET_ACCESS_KEY"));

    afk::storage::CredentialSources sources;
    sources.environment = QProcessEnvironment();
    sources.environment.insert(QStringLiteral("AFK_R2_ACCESS_KEY_ID"), QStringLiteral("from-env"));
    sources.directory = m_dir.path();
    int asked = 0;
    sources.passwordProvider = [&](QString *) {
        ++asked;
        return m_password;
    };
    QString error;
    auto values = afk::storage::resolveCredentials(
        {CredentialStore::R2AccessKeyId, CredentialStore::R2SecretAccessKey}, sources, &error);
    QVERIFY2(values, qPrintable(error));
    QCOMPARE(values->value(CredentialStore::R2AccessKeyId), QStringLiteral("from-env"));
    QCOMPARE(values->value(CredentialStore::R2SecretAccessKey), m_secret);
    QCOMPARE(asked, 1);

    // All from the environment: no password asked.
    sources.environment.insert(QStringLiteral("AFK_R2_SECRET_ACCESS_KEY"), QStringLiteral("env-secret"));
    values = afk::storage::resolveCredentials({CredentialStore::R2SecretAccessKey}, sources, &error);
    QVERIFY(values);
    QCOMPARE(values->value(CredentialStore::R2SecretAccessKey), QStringLiteral("env-secret"));
    QCOMPARE(asked, 1);

    // Missing everywhere: the error names the variable and the dialog.
    QVERIFY(!afk::storage::resolveCredentials({CredentialStore::CloudinaryApiSecret}, sources, &error));
    QVERIFY2(error.contains(QStringLiteral("AFK_CLOUDINARY_API_SECRET")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
