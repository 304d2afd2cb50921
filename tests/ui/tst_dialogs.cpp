// The settings dialogs over real stores (offscreen): a key imported through the key manager with
// its password prompts answered like a user would, a bad nsec reported in the dialog, relays
// kept in studio.conf, and a storage secret that goes write-only into the credential store.
#include "CredentialStore.h"
#include "KeyManagerDialog.h"
#include "KeyPair.h"
#include "Nip19.h"
#include "PasswordDialog.h"
#include "RelaysDialog.h"
#include "Secp256k1Context.h"
#include "StorageDialog.h"
#include "StudioKeys.h"
#include "StudioPaths.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFile>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QPointer>
#include <QTimer>

using afk::ui::PasswordDialog;

namespace {

constexpr int Timeout = 60000; // scrypt / Argon2id on a loaded machine

// Answers each password dialog that opens with the next password (typed in every field), as
// a user would; counts the prompts.
class PasswordAnswerer : public QObject
{
public:
    explicit PasswordAnswerer(QStringList passwords) : m_passwords(std::move(passwords))
    {
        connect(&m_poll, &QTimer::timeout, this, [this] {
            auto *dialog = qobject_cast<PasswordDialog *>(QApplication::activeModalWidget());
            if (!dialog || dialog == m_answered)
                return;
            m_answered = dialog;
            const QString password = m_passwords.value(m_prompts++, QStringLiteral("unexpected"));
            for (QLineEdit *field : dialog->findChildren<QLineEdit *>())
                QTest::keyClicks(field, password);
            QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("passwordOk")),
                              Qt::LeftButton);
        });
        m_poll.start(20);
    }
    int prompts() const { return m_prompts; }

private:
    QStringList m_passwords;
    QTimer m_poll;
    QPointer<PasswordDialog> m_answered;
    int m_prompts = 0;
};

QString testVector(const QString &prefix)
{
    QFile file(QStringLiteral(AFK_TEST_DATA_DIR "/nostr-keys.txt"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read nostr-keys.txt");
    while (!file.atEnd()) {
        const QString line = QString::fromLatin1(file.readLine()).trimmed();
        if (line.startsWith(prefix))
            return line;
    }
    qFatal("no %s line in nostr-keys.txt", qPrintable(prefix));
}

// AFK_SCREENSHOT_DIR=<dir> saves each dialog as the test leaves it (for the docs and reviews).
void saveScreenshot(QWidget &widget, const char *name)
{
    if (const QString dir = qEnvironmentVariable("AFK_SCREENSHOT_DIR"); !dir.isEmpty())
        widget.grab().save(dir + u'/' + QLatin1String(name) + QStringLiteral(".png"));
}

template<typename T> T *child(QWidget &parent, const char *name)
{
    T *widget = parent.findChild<T *>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no %s", name);
    return widget;
}

} // namespace

class TestDialogs : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void importNsecThroughTheKeyManager();
    void badNsecIsShownInTheDialog();
    void importNcryptsecUnderTheStorePassword();
    void generateAndSwitchIdentity();
    void relaysAreKeptInStudioConf();
    void storageSettingsAreKept();
    void storageSecretIsWriteOnly();

private:
    QString settingsFile() const { return m_dir.path() + QStringLiteral("/studio.conf"); }
    afk::nostr::KeyStore loadedKeyStore()
    {
        afk::nostr::KeyStore store = afk::studio::openKeyStore(m_context);
        if (!store.load())
            qFatal("cannot load the key store");
        return store;
    }
    void waitForIdle(afk::ui::KeyManagerDialog &dialog)
    {
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), Timeout);
    }

    QTemporaryDir m_dir;
    afk::nostr::Secp256k1Context m_context;
    const QString m_storePassword = QStringLiteral("studio password");
};

void TestDialogs::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The stores live in a config dir of our own; new keys use a cheap scrypt.
    qputenv("XDG_CONFIG_HOME", m_dir.path().toUtf8());
    qputenv("AFK_KEY_SCRYPT_LOG_N", "10");
    QVERIFY(afk::studio::configDir().startsWith(m_dir.path()));
}

void TestDialogs::importNsecThroughTheKeyManager()
{
    const QString nsec = testVector(QStringLiteral("nsec1"));
    const QString nsecText = nsec.section(u' ', 0, 0);
    const std::optional<afk::nostr::SecretKey> secret =
        afk::nostr::SecretKey::fromHex(nsec.section(u' ', 1, 1));
    QVERIFY(secret);
    const QString expectedNpub = afk::nostr::Nip19::encodeNpub(
        afk::nostr::KeyPair::fromSecretKey(m_context, *secret)->publicKey());

    afk::ui::KeyManagerDialog dialog;
    dialog.show();
    waitForIdle(dialog);
    QCOMPARE(dialog.identities().size(), 0);
    PasswordAnswerer answerer({m_storePassword});
    QTest::keyClicks(child<QLineEdit>(dialog, "identityName"), QStringLiteral("vector"));
    QTest::keyClicks(child<QLineEdit>(dialog, "importKeyText"), nsecText);
    QSignalSpy finished(&dialog, &afk::ui::KeyManagerDialog::operationFinished);
    QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(answerer.prompts(), 1); // a first key: one dialog, the password typed twice
    QVERIFY(child<QLineEdit>(dialog, "importKeyText")->text().isEmpty());

    // Shown in the dialog, active, and in the store on disk, unlocked by that password.
    QCOMPARE(dialog.identities().size(), 1);
    QCOMPARE(dialog.identities().first().npub, expectedNpub);
    auto *table = child<QTableWidget>(dialog, "identityTable");
    QCOMPARE(table->item(0, 2)->text(), expectedNpub);
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("vector"));
    afk::nostr::KeyStore store = loadedKeyStore();
    QCOMPARE(store.active()->npub, expectedNpub);
    QString error;
    QVERIFY2(store.unlock(expectedNpub, m_storePassword, &error), qPrintable(error));

    // Copy npub puts it on the clipboard.
    table->selectRow(0);
    QTest::mouseClick(child<QPushButton>(dialog, "copyNpubButton"), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), expectedNpub);
}

void TestDialogs::badNsecIsShownInTheDialog()
{
    afk::ui::KeyManagerDialog dialog;
    dialog.show();
    waitForIdle(dialog);
    const int before = int(dialog.identities().size());
    PasswordAnswerer answerer({m_storePassword});
    QString nsec = testVector(QStringLiteral("nsec1")).section(u' ', 0, 0);
    nsec[10] = nsec[10] == u'q' ? u'p' : u'q'; // one typo
    QTest::keyClicks(child<QLineEdit>(dialog, "importKeyText"), nsec);
    QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
    QVERIFY2(dialog.errorText().contains(QStringLiteral("bad checksum")), qPrintable(dialog.errorText()));
    QVERIFY(child<QLabel>(dialog, "errorLabel")->isVisible());
    QTest::qWait(100);
    QCOMPARE(answerer.prompts(), 0); // reported before any password is asked
    QCOMPARE(loadedKeyStore().list().size(), before);

    QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
    QVERIFY(!dialog.errorText().isEmpty());
}

void TestDialogs::importNcryptsecUnderTheStorePassword()
{
    // The NIP-49 vector: password "nostr", log_n 16; the store's password differs.
    const QString line = testVector(QStringLiteral("ncryptsec1"));
    afk::ui::KeyManagerDialog dialog;
    dialog.show();
    waitForIdle(dialog);
    QVERIFY(!dialog.identities().isEmpty());

    {
        // The wrong store password: refused with the reason, nothing added.
        PasswordAnswerer answerer({QStringLiteral("nostr"), QStringLiteral("not it")});
        QSignalSpy finished(&dialog, &afk::ui::KeyManagerDialog::operationFinished);
        QTest::keyClicks(child<QLineEdit>(dialog, "importKeyText"), line.section(u' ', 0, 0));
        QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
        QCOMPARE(answerer.prompts(), 2);
        QVERIFY2(dialog.errorText().contains(QStringLiteral("not the password of your keys")),
                 qPrintable(dialog.errorText()));
        QCOMPARE(loadedKeyStore().list().size(), 1);
        // Nothing typed is lost: the key is back in the form for another try.
        QCOMPARE(child<QLineEdit>(dialog, "importKeyText")->text(), line.section(u' ', 0, 0));
    }
    PasswordAnswerer answerer({QStringLiteral("nostr"), m_storePassword});
    QSignalSpy finished(&dialog, &afk::ui::KeyManagerDialog::operationFinished);
    QTest::keyClicks(child<QLineEdit>(dialog, "identityName"), QStringLiteral("nip49"));
    QTest::mouseClick(child<QPushButton>(dialog, "importButton"), Qt::LeftButton);
    // The busy bar shows while scrypt runs on its worker.
    QVERIFY(dialog.isBusy() || finished.count() == 1);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    afk::nostr::KeyStore store = loadedKeyStore();
    const std::optional<afk::nostr::Identity> imported = store.find(QStringLiteral("nip49"));
    QVERIFY(imported);
    QString error;
    QVERIFY2(store.exportNsec(imported->npub, m_storePassword, &error) ==
                 afk::nostr::Nip19::encodeNsec(*afk::nostr::SecretKey::fromHex(line.section(u' ', 1, 1))),
             qPrintable(error));
}

void TestDialogs::generateAndSwitchIdentity()
{
    afk::ui::KeyManagerDialog dialog;
    dialog.show();
    waitForIdle(dialog);
    const int before = int(dialog.identities().size());
    PasswordAnswerer answerer({m_storePassword});
    QSignalSpy finished(&dialog, &afk::ui::KeyManagerDialog::operationFinished);
    QTest::keyClicks(child<QLineEdit>(dialog, "identityName"), QStringLiteral("fresh"));
    QTest::mouseClick(child<QPushButton>(dialog, "generateButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(dialog.identities().size(), before + 1);

    auto *table = child<QTableWidget>(dialog, "identityTable");
    const int row = int(dialog.identities().size()) - 1;
    QCOMPARE(table->item(row, 1)->text(), QStringLiteral("fresh"));
    table->selectRow(row);
    QTest::mouseClick(child<QPushButton>(dialog, "useButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, Timeout);
    QCOMPARE(loadedKeyStore().active()->name, QStringLiteral("fresh"));
    QCOMPARE(table->item(row, 0)->text(), QStringLiteral("✓"));
    saveScreenshot(dialog, "key-manager");
}

void TestDialogs::relaysAreKeptInStudioConf()
{
    const QString local = QStringLiteral("ws://127.0.0.1:7777");
    const auto status = [local] {
        return QJsonArray{QJsonObject{{QStringLiteral("url"), local},
                                      {QStringLiteral("state"), QStringLiteral("failed")},
                                      {QStringLiteral("lastError"), QStringLiteral("connection refused")}}};
    };
    {
        afk::ui::RelaysDialog dialog(settingsFile(), status);
        dialog.show();
        auto *url = child<QLineEdit>(dialog, "relayUrl");
        auto *add = child<QPushButton>(dialog, "addRelayButton");
        QTest::keyClicks(url, QStringLiteral("https://relay.example"));
        QTest::mouseClick(add, Qt::LeftButton);
        QVERIFY2(dialog.errorText().contains(QStringLiteral("wss://")), qPrintable(dialog.errorText()));
        QVERIFY(dialog.relays().isEmpty());
        url->clear();
        for (const QString &relay : {QStringLiteral("wss://relay.one.example"), local,
                                     QStringLiteral("wss://relay.two.example")}) {
            QTest::keyClicks(url, relay);
            QTest::mouseClick(add, Qt::LeftButton);
            QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
        }
        QTest::keyClicks(url, local);
        QTest::mouseClick(add, Qt::LeftButton);
        QVERIFY(dialog.errorText().contains(QStringLiteral("already")));
        // The running pool's state, with its last error, beside the relay.
        auto *table = child<QTableWidget>(dialog, "relayTable");
        QCOMPARE(table->item(1, 1)->text(), QStringLiteral("failed: connection refused"));
        saveScreenshot(dialog, "relays");
        table->selectRow(2);
        QTest::mouseClick(child<QPushButton>(dialog, "removeRelayButton"), Qt::LeftButton);
        QTest::mouseClick(child<QPushButton>(dialog, "saveRelaysButton"), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    const QStringList expected{QStringLiteral("wss://relay.one.example"), local};
    // What the command line reads: the repeatable top-level key "relay".
    QCOMPARE(QSettings(settingsFile(), QSettings::IniFormat).value(QStringLiteral("relay")).toStringList(),
             expected);
    afk::ui::RelaysDialog reopened(settingsFile(), {});
    QCOMPARE(reopened.relays(), expected);
}

void TestDialogs::storageSettingsAreKept()
{
    {
        afk::ui::StorageDialog dialog(settingsFile(), afk::studio::configDir());
        dialog.show();
        QTest::keyClicks(child<QLineEdit>(dialog, "r2_bucket"), QStringLiteral("Bad_Bucket"));
        QTest::keyClicks(child<QLineEdit>(dialog, "r2_account_id"), QStringLiteral("0123abcd"));
        QTest::keyClicks(child<QLineEdit>(dialog, "r2_public_url"), QStringLiteral("https://media.example.com"));
        auto *mode = child<QComboBox>(dialog, "cloudinary_mode");
        mode->setCurrentIndex(mode->findData(QStringLiteral("upload")));
        QTest::mouseClick(child<QPushButton>(dialog, "saveStorageButton"), Qt::LeftButton);
        QVERIFY2(dialog.errorText().contains(QStringLiteral("r2-bucket")), qPrintable(dialog.errorText()));
        QVERIFY(dialog.isVisible()); // stays open: nothing is lost
        child<QLineEdit>(dialog, "r2_bucket")->clear();
        QTest::keyClicks(child<QLineEdit>(dialog, "r2_bucket"), QStringLiteral("afk-recordings"));
        QTest::mouseClick(child<QPushButton>(dialog, "saveStorageButton"), Qt::LeftButton);
        QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), Timeout);
    }
    QSettings settings(settingsFile(), QSettings::IniFormat);
    QCOMPARE(settings.value(QStringLiteral("r2-bucket")).toString(), QStringLiteral("afk-recordings"));
    QCOMPARE(settings.value(QStringLiteral("r2-account-id")).toString(), QStringLiteral("0123abcd"));
    QCOMPARE(settings.value(QStringLiteral("cloudinary-mode")).toString(), QStringLiteral("upload"));
    QVERIFY(!settings.contains(QStringLiteral("r2-endpoint"))); // empty fields leave no key
    afk::ui::StorageDialog reopened(settingsFile(), afk::studio::configDir());
    QCOMPARE(child<QLineEdit>(reopened, "r2_public_url")->text(), QStringLiteral("https://media.example.com"));
    QTRY_VERIFY_WITH_TIMEOUT(!reopened.isBusy(), Timeout);
}

void TestDialogs::storageSecretIsWriteOnly()
{
    const QString secret = QStringLiteral("r2-secret-0123456789abcdef");
    afk::ui::StorageDialog dialog(settingsFile(), afk::studio::configDir());
    dialog.show();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.isBusy(), Timeout);
    auto *state = child<QLabel>(dialog, "r2_secret_access_key_state");
    QCOMPARE(state->text(), QStringLiteral("not set"));
    // The key store has identities: the secrets' password must be theirs. A wrong one is
    // refused, and the typed secret is back in its field.
    PasswordAnswerer answerer({QStringLiteral("not the key password"), m_storePassword});
    QSignalSpy finished(&dialog, &afk::ui::StorageDialog::operationFinished);
    auto *field = child<QLineEdit>(dialog, "r2_secret_access_key");
    QCOMPARE(field->echoMode(), QLineEdit::Password);
    QTest::keyClicks(field, secret);
    QTest::mouseClick(child<QPushButton>(dialog, "r2_secret_access_key_save"), Qt::LeftButton);
    QVERIFY(field->text().isEmpty()); // cleared as soon as it is handed over
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, Timeout);
    QVERIFY2(dialog.errorText().contains(QStringLiteral("not your key password")),
             qPrintable(dialog.errorText()));
    QCOMPARE(state->text(), QStringLiteral("not set"));
    QCOMPARE(field->text(), secret);

    QTest::mouseClick(child<QPushButton>(dialog, "r2_secret_access_key_save"), Qt::LeftButton);
    QVERIFY(field->text().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, Timeout);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    QCOMPARE(state->text(), QStringLiteral("set"));
    QVERIFY(field->text().isEmpty());
    saveScreenshot(dialog, "storage");

    afk::storage::CredentialStore store(afk::studio::configDir());
    QVERIFY(store.load());
    QVERIFY(store.has(afk::storage::CredentialStore::R2SecretAccessKey));
    QCOMPARE(store.value(afk::storage::CredentialStore::R2SecretAccessKey, m_storePassword).value_or(QString()),
             secret);
    QFile file(store.filePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(!bytes.contains(secret.toUtf8()));
    QVERIFY(!bytes.contains(m_storePassword.toUtf8()));
    QFile settings(settingsFile());
    QVERIFY(settings.open(QIODevice::ReadOnly));
    QVERIFY(!settings.readAll().contains(secret.toUtf8()));

    // Remove: "not set" again, gone from the store.
    QTest::mouseClick(child<QPushButton>(dialog, "r2_secret_access_key_remove"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 3, Timeout);
    QCOMPARE(state->text(), QStringLiteral("not set"));
    QVERIFY(store.load());
    QVERIFY(!store.has(afk::storage::CredentialStore::R2SecretAccessKey));
}

QTEST_MAIN(TestDialogs)
#include "tst_dialogs.moc"
