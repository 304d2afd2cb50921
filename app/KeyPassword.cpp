#include "KeyPassword.h"

#include <QFile>
#include <QTextStream>
#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace afk::app {
namespace {

QString readLineWithoutEcho(const char *prompt)
{
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);
    termios previous{};
    const bool isTerminal = ::tcgetattr(STDIN_FILENO, &previous) == 0;
    if (isTerminal) {
        termios silent = previous;
        silent.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
    }
    QTextStream input(stdin);
    const QString line = input.readLine();
    if (isTerminal) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &previous);
        std::fprintf(stderr, "\n");
    }
    return line;
}

} // namespace

QString readKeyPassword(const QString &passwordFile, bool isNewPassword, QString *error)
{
    if (!passwordFile.isEmpty()) {
        QFile file(passwordFile);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read --key-password-file %1: %2").arg(passwordFile, file.errorString());
            return {};
        }
        const QString password = QString::fromUtf8(file.readLine()).remove(u'\n').remove(u'\r');
        if (password.isEmpty())
            *error = QStringLiteral("--key-password-file %1 holds no password").arg(passwordFile);
        return password;
    }
    const QString fromEnvironment = qEnvironmentVariable("AFK_KEY_PASSWORD");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    if (!::isatty(STDIN_FILENO)) {
        *error = QStringLiteral("no password: set AFK_KEY_PASSWORD, pass --key-password-file, or "
                                "run on a terminal");
        return {};
    }
    const QString password = readLineWithoutEcho("Key password: ");
    if (isNewPassword && readLineWithoutEcho("Repeat it: ") != password) {
        *error = QStringLiteral("the passwords differ");
        return {};
    }
    if (password.isEmpty())
        *error = QStringLiteral("an empty password is not allowed");
    return password;
}


} // namespace afk::app
