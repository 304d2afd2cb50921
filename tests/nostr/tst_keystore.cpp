// KeyStore: identities encrypted at rest (NIP-49) in a 0600 JSON file, one active.
#include "KeyPair.h"
#include "KeyStore.h"
#include "Ncryptsec.h"
#include "Nip19.h"
#include "Secp256k1Context.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace afk::nostr;

namespace
{

constexpr int FastLogN = 8;
// The NIP-19 nsec example (nostr-protocol/nips, 19.md) and its hex.
const QString ExampleNsec =
    QStringLiteral("nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5");
const QString ExampleHex =
    QStringLiteral("67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa");

mode_t fileMode(const QString &path)
{
    struct stat info {
    };
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return 0;
    return info.st_mode & 07777;
}

QByteArray fileContent(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestKeyStore : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip();
    void importForms_data();
    void importForms();
    void importNcryptsecKeepsIt();
    void importNcryptsecUnderTheStorePassword();
    void inspectKeyText();
    void wrongPassword();
    void refusals_data();
    void refusals();
    void removeActive();
    void widePermissionsAreTightened();
    void corruptFileIsNeverOverwritten();
    void newDirectoryIsPrivate();

private:
    Secp256k1Context m_context;
};

void TestKeyStore::roundTrip()
{
    QTemporaryDir directory;
    QVERIFY(directory.isValid());
    QString error;
    QString generatedNpub;
    QString importedNpub;
    QString exportedNcryptsec;
    {
        KeyStore store(m_context, directory.path());
        store.setScryptLogN(FastLogN);
        QVERIFY2(store.load(&error), qPrintable(error));
        QVERIFY(store.list().isEmpty());
        QVERIFY(!store.active());

        const std::optional<Identity> generated =
            store.generate(QStringLiteral("studio"), QStringLiteral("pw1"), &error);
        QVERIFY2(generated, qPrintable(error));
        QVERIFY(generated->npub.startsWith(QLatin1String("npub1")));
        QVERIFY(generated->isActive); // the first identity becomes active
        generatedNpub = generated->npub;

        const std::optional<Identity> imported =
            store.importKey(ExampleNsec, QStringLiteral("alice"), QStringLiteral("pw2"), &error);
        QVERIFY2(imported, qPrintable(error));
        QVERIFY(!imported->isActive);
        importedNpub = imported->npub;
        QCOMPARE(store.list().size(), 2);

        QVERIFY2(store.use(QStringLiteral("alice"), &error), qPrintable(error));
        QCOMPARE(store.active()->name, QStringLiteral("alice"));
        QVERIFY2(store.use(generatedNpub, &error), qPrintable(error));
        QCOMPARE(store.active()->name, QStringLiteral("studio"));
        QVERIFY2(store.use(QStringLiteral("alice"), &error), qPrintable(error));
        exportedNcryptsec = store.exportNcryptsec(QStringLiteral("alice"), &error);
        QVERIFY(exportedNcryptsec.startsWith(QLatin1String("ncryptsec1")));
        QCOMPARE(Ncryptsec::inspect(exportedNcryptsec)->keySecurity,
                 Ncryptsec::KeySecurity::KnownInsecure); // it was pasted as an nsec
    }

    // On disk: 0600, and nothing but ncryptsec strings.
    const QString path = directory.filePath(QString::fromLatin1(KeyStore::FileName));
    QCOMPARE(fileMode(path), mode_t(0600));
    const QByteArray content = fileContent(path);
    QVERIFY(!content.isEmpty());
    QVERIFY(!content.contains(ExampleNsec.toLatin1()));
    QVERIFY(!content.contains(ExampleHex.toLatin1()));
    QVERIFY(!content.contains(ExampleHex.toUpper().toLatin1()));
    QVERIFY(!content.contains("nsec1"));
    const QJsonObject root = QJsonDocument::fromJson(content).object();
    QCOMPARE(root.value(QLatin1String("identities")).toArray().size(), 2);
    for (const QJsonValue &value : root.value(QLatin1String("identities")).toArray()) {
        QCOMPARE(value.toObject().keys(),
                 QStringList({QStringLiteral("name"), QStringLiteral("ncryptsec"),
                              QStringLiteral("npub")}));
    }

    // A new store on the same directory sees the same identities and active one.
    KeyStore reopened(m_context, directory.path());
    QVERIFY2(reopened.load(&error), qPrintable(error));
    QCOMPARE(reopened.list().size(), 2);
    QCOMPARE(reopened.active()->npub, importedNpub);
    QCOMPARE(reopened.find(QStringLiteral("studio"))->npub, generatedNpub);
    QCOMPARE(reopened.exportNpub(QStringLiteral("alice")), importedNpub);
    QCOMPARE(reopened.exportNcryptsec(importedNpub), exportedNcryptsec);
    QCOMPARE(reopened.exportNsec(QStringLiteral("alice"), QStringLiteral("pw2"), &error),
             ExampleNsec);

    const std::optional<KeyPair> keyPair =
        reopened.unlock(generatedNpub, QStringLiteral("pw1"), &error);
    QVERIFY2(keyPair, qPrintable(error));
    QCOMPARE(Nip19::encodeNpub(keyPair->publicKey()), generatedNpub);
    // Lookup by hex public key works too.
    QCOMPARE(reopened.find(keyPair->publicKey().toHex())->name, QStringLiteral("studio"));
}

void TestKeyStore::importForms_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("nsec") << ExampleNsec;
    QTest::newRow("nsec uppercase, spaces")
        << QStringLiteral("  ") + ExampleNsec.toUpper() + QStringLiteral("\n");
    QTest::newRow("hex") << ExampleHex;
    QTest::newRow("hex uppercase") << ExampleHex.toUpper();
}

void TestKeyStore::importForms()
{
    QFETCH(QString, text);
    QTemporaryDir directory;
    KeyStore store(m_context, directory.path());
    store.setScryptLogN(FastLogN);
    QString error;
    const std::optional<Identity> identity =
        store.importKey(text, QStringLiteral("bob"), QStringLiteral("pw"), &error);
    QVERIFY2(identity, qPrintable(error));
    const std::optional<KeyPair> expected =
        KeyPair::fromSecretKey(m_context, *SecretKey::fromHex(ExampleHex));
    QCOMPARE(identity->publicKey, expected->publicKey());
    QCOMPARE(store.exportNsec(QStringLiteral("bob"), QStringLiteral("pw")), ExampleNsec);
}

void TestKeyStore::importNcryptsecKeepsIt()
{
    const QString ncryptsec =
        Ncryptsec::encrypt(*SecretKey::fromHex(ExampleHex), QStringLiteral("original"), FastLogN,
                           Ncryptsec::KeySecurity::NotKnownInsecure);
    QTemporaryDir directory;
    KeyStore store(m_context, directory.path());
    QString error;
    QVERIFY(!store.importKey(ncryptsec, QStringLiteral("carol"), QStringLiteral("other"), &error));
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
    QVERIFY(store.list().isEmpty());
    QVERIFY2(
        store.importKey(ncryptsec, QStringLiteral("carol"), QStringLiteral("original"), &error),
        qPrintable(error));
    QCOMPARE(store.exportNcryptsec(QStringLiteral("carol")), ncryptsec); // stored as it was
    QCOMPARE(store.exportNsec(QStringLiteral("carol"), QStringLiteral("original")), ExampleNsec);
}

void TestKeyStore::importNcryptsecUnderTheStorePassword()
{
    const QString ncryptsec =
        Ncryptsec::encrypt(*SecretKey::fromHex(ExampleHex), QStringLiteral("original"), FastLogN,
                           Ncryptsec::KeySecurity::NotKnownInsecure);
    QTemporaryDir directory;
    KeyStore store(m_context, directory.path());
    store.setScryptLogN(FastLogN);
    QString error;
    QVERIFY(!store.importNcryptsec(ncryptsec, QStringLiteral("wrong"), QStringLiteral("carol"),
                                   QStringLiteral("store"), &error));
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
    QVERIFY2(store.importNcryptsec(ncryptsec, QStringLiteral("original"), QStringLiteral("carol"),
                                   QStringLiteral("store"), &error),
             qPrintable(error));
    // Re-encrypted: the store's password opens it, the ncryptsec's own no longer does; the
    // key-security byte came along.
    const QString stored = store.exportNcryptsec(QStringLiteral("carol"));
    QVERIFY(stored != ncryptsec);
    QCOMPARE(Ncryptsec::inspect(stored)->keySecurity, Ncryptsec::KeySecurity::NotKnownInsecure);
    QCOMPARE(store.exportNsec(QStringLiteral("carol"), QStringLiteral("store")), ExampleNsec);
    QVERIFY(store.exportNsec(QStringLiteral("carol"), QStringLiteral("original")).isEmpty());
}

void TestKeyStore::inspectKeyText()
{
    using Kind = KeyStore::KeyTextKind;
    QCOMPARE(KeyStore::inspectKeyText(ExampleNsec), Kind::Nsec);
    QCOMPARE(KeyStore::inspectKeyText(QStringLiteral("  ") + ExampleHex), Kind::Hex);
    const QString ncryptsec =
        Ncryptsec::encrypt(*SecretKey::fromHex(ExampleHex), QStringLiteral("pw"), FastLogN,
                           Ncryptsec::KeySecurity::Unknown);
    QCOMPARE(KeyStore::inspectKeyText(ncryptsec), Kind::Ncryptsec);
    QString error;
    QString badChecksum = ExampleNsec;
    badChecksum[badChecksum.size() - 1] = badChecksum.back() == u'5' ? u'6' : u'5';
    QVERIFY(!KeyStore::inspectKeyText(badChecksum, &error));
    QVERIFY2(error.contains(QStringLiteral("checksum")), qPrintable(error));
    QVERIFY(!KeyStore::inspectKeyText(QStringLiteral("hello"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("not a key")), qPrintable(error));
}

void TestKeyStore::wrongPassword()
{
    QTemporaryDir directory;
    KeyStore store(m_context, directory.path());
    store.setScryptLogN(FastLogN);
    QString error;
    QVERIFY(store.generate(QStringLiteral("main"), QStringLiteral("right"), &error));
    QVERIFY(!store.unlock(QStringLiteral("main"), QStringLiteral("wrong"), &error));
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
    QVERIFY(store.exportNsec(QStringLiteral("main"), QStringLiteral("wrong"), &error).isEmpty());
    QCOMPARE(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
    QVERIFY(store.unlock(QStringLiteral("main"), QStringLiteral("right"), &error));
}

void TestKeyStore::refusals_data()
{
    QTest::addColumn<QString>("operation");
    QTest::addColumn<QString>("argument");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("reason");
    const QString add = QStringLiteral("import");
    QTest::newRow("duplicate key")
        << add << ExampleNsec << QStringLiteral("other") << QStringLiteral("pw")
        << QStringLiteral("already in the key store as \"first\"");
    QTest::newRow("duplicate name")
        << QStringLiteral("generate") << QString() << QStringLiteral("first")
        << QStringLiteral("pw") << QStringLiteral("already exists");
    QTest::newRow("empty name") << QStringLiteral("generate") << QString() << QString()
                                << QStringLiteral("pw") << QStringLiteral("needs a name");
    QTest::newRow("npub-like name")
        << QStringLiteral("generate") << QString() << QStringLiteral("npub1abc")
        << QStringLiteral("pw") << QStringLiteral("npub1");
    QTest::newRow("empty password")
        << QStringLiteral("generate") << QString() << QStringLiteral("x") << QString()
        << QStringLiteral("password is needed");
    QTest::newRow("not a key") << add << QStringLiteral("hello") << QStringLiteral("x")
                               << QStringLiteral("pw") << QStringLiteral("not a key");
    QTest::newRow("npub is not a secret")
        << add << QStringLiteral("npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6")
        << QStringLiteral("x") << QStringLiteral("pw") << QStringLiteral("not a key");
    QTest::newRow("zero key") << add << QString(64, u'0') << QStringLiteral("x")
                              << QStringLiteral("pw") << QStringLiteral("invalid secret key");
    QTest::newRow("bad nsec checksum")
        << add << ExampleNsec.left(ExampleNsec.size() - 1) + QLatin1Char('q') << QStringLiteral("x")
        << QStringLiteral("pw") << QStringLiteral("bad checksum");
    QTest::newRow("use unknown") << QStringLiteral("use") << QStringLiteral("nobody") << QString()
                                 << QString() << QStringLiteral("no identity \"nobody\"");
    QTest::newRow("remove unknown")
        << QStringLiteral("remove") << QStringLiteral("nobody") << QString() << QString()
        << QStringLiteral("no identity \"nobody\"");
}

void TestKeyStore::refusals()
{
    QFETCH(QString, operation);
    QFETCH(QString, argument);
    QFETCH(QString, name);
    QFETCH(QString, password);
    QFETCH(QString, reason);
    QTemporaryDir directory;
    KeyStore store(m_context, directory.path());
    store.setScryptLogN(FastLogN);
    QString error;
    QVERIFY2(store.importKey(ExampleNsec, QStringLiteral("first"), QStringLiteral("pw"), &error),
             qPrintable(error));
    const QByteArray before = fileContent(store.filePath());

    bool isDone = true;
    if (operation == QLatin1String("import"))
        isDone = bool(store.importKey(argument, name, password, &error));
    else if (operation == QLatin1String("generate"))
        isDone = bool(store.generate(name, password, &error));
    else if (operation == QLatin1String("use"))
        isDone = store.use(argument, &error);
    else
        isDone = store.remove(argument, &error);
    QVERIFY(!isDone);
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(store.list().size(), 1);
    QCOMPARE(fileContent(store.filePath()), before);
}

void TestKeyStore::removeActive()
{
    QTemporaryDir directory;
    KeyStore store(m_context, directory.path());
    store.setScryptLogN(FastLogN);
    QString error;
    QVERIFY(store.generate(QStringLiteral("a"), QStringLiteral("pw"), &error));
    QVERIFY(store.generate(QStringLiteral("b"), QStringLiteral("pw"), &error));
    QCOMPARE(store.active()->name, QStringLiteral("a"));
    QVERIFY2(store.remove(QStringLiteral("a"), &error), qPrintable(error));
    QVERIFY(!store.active());
    QCOMPARE(store.list().size(), 1);
    KeyStore reopened(m_context, directory.path());
    QVERIFY(reopened.load(&error));
    QVERIFY(!reopened.active());
    QCOMPARE(reopened.list().first().name, QStringLiteral("b"));
}

void TestKeyStore::widePermissionsAreTightened()
{
    QTemporaryDir directory;
    QString error;
    {
        KeyStore store(m_context, directory.path());
        store.setScryptLogN(FastLogN);
        QVERIFY(store.generate(QStringLiteral("a"), QStringLiteral("pw"), &error));
    }
    const QString path = directory.filePath(QString::fromLatin1(KeyStore::FileName));
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
    KeyStore store(m_context, directory.path());
    QVERIFY(store.load(&error));
    QCOMPARE(fileMode(path), mode_t(0600));
    // Rewriting a 0644 file (QSaveFile copies the old mode) still gives 0600.
    QVERIFY(::chmod(QFile::encodeName(path).constData(), 0644) == 0);
    QVERIFY(store.generate(QStringLiteral("b"), QStringLiteral("pw"), &error));
    QCOMPARE(fileMode(path), mode_t(0600));
}

void TestKeyStore::corruptFileIsNeverOverwritten()
{
    QTemporaryDir directory;
    const QString path = directory.filePath(QString::fromLatin1(KeyStore::FileName));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{ this is not json");
    file.close();
    KeyStore store(m_context, directory.path());
    QString error;
    QVERIFY(!store.load(&error));
    QVERIFY2(error.contains(QLatin1String("not a JSON object")), qPrintable(error));
    QVERIFY(!store.generate(QStringLiteral("a"), QStringLiteral("pw"), &error));
    QCOMPARE(fileContent(path), QByteArray("{ this is not json"));
}

void TestKeyStore::newDirectoryIsPrivate()
{
    QTemporaryDir parent;
    const QString directory = parent.filePath(QStringLiteral("config/afk-host-studio"));
    KeyStore store(m_context, directory);
    store.setScryptLogN(FastLogN);
    QString error;
    QVERIFY2(store.generate(QStringLiteral("a"), QStringLiteral("pw"), &error), qPrintable(error));
    QCOMPARE(fileMode(directory), mode_t(0700));
    QCOMPARE(fileMode(store.filePath()), mode_t(0600));
}

QTEST_GUILESS_MAIN(TestKeyStore)
#include "tst_keystore.moc"
