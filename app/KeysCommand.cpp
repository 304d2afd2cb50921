#include "KeysCommand.h"

#include "KeyPassword.h"
#include "StudioKeys.h"

#include "KeyStore.h"
#include "Secp256k1Context.h"

#include <QCommandLineParser>
#include <QTextStream>
#include <cstdio>

namespace afk::app {
namespace {

const char *const keysHelp = R"(Usage: afk-studio keys <command> [options]

The studio's Nostr identities (NIP-53 live events and chat are signed with the active one).
Keys are stored encrypted (NIP-49 ncryptsec) in $XDG_CONFIG_HOME/afk-host-studio/nostr-keys.json
(mode 0600); a clear secret never touches the disk.

Commands:
  generate [--name N]                    a new random key (the first one becomes active)
  import <nsec|hex|ncryptsec|-> [--name N]
                                         add an existing key; "-" reads it from stdin, which
                                         keeps it out of the process list
  list                                   npub, name, and * for the active one
  use <npub|name>                        make an identity the active one
  export [--npub|--ncryptsec|--nsec] [<npub|name>]
                                         the active identity unless one is named; --nsec prints
                                         the clear secret (only when asked, with a warning)
  remove <npub|name>                     delete an identity

The password (to encrypt and decrypt keys) comes from, in order: --key-password-file F (first
line), the environment variable AFK_KEY_PASSWORD, or a prompt without echo on a terminal.
Exit codes: 0 done, 1 the operation failed, 2 bad usage.
)";

void printError(const QString &message)
{
    std::fprintf(stderr, "afk-studio keys: %s\n", qPrintable(message));
}

} // namespace

bool isKeysCommand(const QStringList &arguments)
{
    return arguments.size() >= 2 && arguments.at(1) == u"keys";
}

int runKeysCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Name of the identity."),
                                  QStringLiteral("N"));
    const QCommandLineOption passwordFile(QStringLiteral("key-password-file"),
                                          QStringLiteral("File whose first line is the password."),
                                          QStringLiteral("F"));
    const QCommandLineOption npub(QStringLiteral("npub"), QStringLiteral("Export the npub."));
    const QCommandLineOption ncryptsec(QStringLiteral("ncryptsec"), QStringLiteral("Export the ncryptsec."));
    const QCommandLineOption nsec(QStringLiteral("nsec"), QStringLiteral("Export the clear nsec."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Help."));
    parser.addOptions({name, passwordFile, npub, ncryptsec, nsec, help});
    if (!parser.parse(QStringList{QStringLiteral("afk-studio")} + arguments)) {
        printError(parser.errorText());
        return 2;
    }
    const QStringList positional = parser.positionalArguments();
    if (parser.isSet(help) || positional.isEmpty()) {
        std::fputs(keysHelp, parser.isSet(help) ? stdout : stderr);
        return parser.isSet(help) ? 0 : 2;
    }
    const QString command = positional.first();
    const QStringList operands = positional.mid(1);
    const auto needsOperands = [&](qsizetype minimum, qsizetype maximum) {
        if (operands.size() >= minimum && operands.size() <= maximum)
            return true;
        printError(QStringLiteral("'%1' takes %2 argument(s); see afk-studio keys --help")
                       .arg(command)
                       .arg(minimum == maximum ? QString::number(minimum)
                                               : QStringLiteral("%1-%2").arg(minimum).arg(maximum)));
        return false;
    };

    nostr::Secp256k1Context context;
    if (!context.isValid()) {
        printError(QStringLiteral("cannot set up secp256k1: ") + context.errorString());
        return 1;
    }
    nostr::KeyStore store = studio::openKeyStore(context);
    QString error;
    if (!store.load(&error)) {
        printError(error);
        return 1;
    }

    if (command == u"generate" || command == u"import") {
        const bool isImport = command == u"import";
        if (!needsOperands(isImport ? 1 : 0, isImport ? 1 : 0))
            return 2;
        QString keyText;
        if (isImport) {
            keyText = operands.first();
            if (keyText == u"-")
                keyText = QTextStream(stdin).readLine().trimmed();
        }
        const QString identityName = parser.isSet(name)
                                         ? parser.value(name)
                                         : QStringLiteral("key%1").arg(store.list().size() + 1);
        const QString password = readKeyPassword(parser.value(passwordFile), true, &error);
        if (password.isEmpty()) {
            printError(error);
            return 1;
        }
        const std::optional<nostr::Identity> identity =
            isImport ? store.importKey(keyText, identityName, password, &error)
                     : store.generate(identityName, password, &error);
        if (!identity) {
            printError(error);
            return 1;
        }
        std::printf("%s %s%s\n", qPrintable(identity->npub), qPrintable(identity->name),
                    identity->isActive ? " (active)" : "");
        return 0;
    }
    if (command == u"list") {
        if (!needsOperands(0, 0))
            return 2;
        for (const nostr::Identity &identity : store.list())
            std::printf("%s %s %s\n", identity.isActive ? "*" : " ", qPrintable(identity.npub),
                        qPrintable(identity.name));
        return 0;
    }
    if (command == u"use" || command == u"remove") {
        if (!needsOperands(1, 1))
            return 2;
        const bool isDone = command == u"use" ? store.use(operands.first(), &error)
                                              : store.remove(operands.first(), &error);
        if (!isDone) {
            printError(error);
            return 1;
        }
        return 0;
    }
    if (command == u"export") {
        if (!needsOperands(0, 1))
            return 2;
        QString target = operands.value(0);
        if (target.isEmpty()) {
            const std::optional<nostr::Identity> active = store.active();
            if (!active) {
                printError(QStringLiteral("no active identity; name one, or run keys use"));
                return 1;
            }
            target = active->npub;
        }
        QString exported;
        if (parser.isSet(nsec)) {
            const QString password = readKeyPassword(parser.value(passwordFile), false, &error);
            if (!password.isEmpty())
                exported = store.exportNsec(target, password, &error);
            if (!exported.isEmpty())
                std::fprintf(stderr, "afk-studio keys: warning: this is the clear secret key; anyone "
                                     "who sees it can sign as you\n");
        } else if (parser.isSet(ncryptsec)) {
            exported = store.exportNcryptsec(target, &error);
        } else {
            exported = store.exportNpub(target, &error);
        }
        if (exported.isEmpty()) {
            printError(error);
            return 1;
        }
        std::printf("%s\n", qPrintable(exported));
        return 0;
    }
    printError(QStringLiteral("unknown command '%1'; see afk-studio keys --help").arg(command));
    return 2;
}

} // namespace afk::app
