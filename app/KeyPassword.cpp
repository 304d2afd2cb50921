#include "KeyPassword.h"

#include <QFile>
#include <QTextStream>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace afk::app {
namespace {

volatile sig_atomic_t interruptingSignal = 0;

void recordInterrupt(int signalNumber)
{
    interruptingSignal = signalNumber;
}

// Reads one line from the terminal, echo off. Ctrl-C (or SIGTERM) at the prompt ends the program
// at once, terminal restored: the prompt comes before any event loop runs, and the studio's own
// handler (SignalWatcher, SA_RESTART) would only queue the signal and leave the read blocked.
QString readLineWithoutEcho(const char *prompt)
{
    termios previous{};
    const bool isTerminal = ::tcgetattr(STDIN_FILENO, &previous) == 0;
    if (isTerminal) {
        termios silent = previous;
        silent.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
    }
    // The signals are blocked except inside ppoll, so one cannot slip in between a check of
    // interruptingSignal and a read that would then wait forever.
    interruptingSignal = 0;
    struct sigaction onInterrupt {};
    onInterrupt.sa_handler = &recordInterrupt;
    sigemptyset(&onInterrupt.sa_mask);
    struct sigaction previousInt {};
    struct sigaction previousTerm {};
    ::sigaction(SIGINT, &onInterrupt, &previousInt);
    ::sigaction(SIGTERM, &onInterrupt, &previousTerm);
    sigset_t interrupts;
    sigemptyset(&interrupts);
    sigaddset(&interrupts, SIGINT);
    sigaddset(&interrupts, SIGTERM);
    sigset_t previousMask;
    ::sigprocmask(SIG_BLOCK, &interrupts, &previousMask);
    sigset_t waitMask = previousMask;
    sigdelset(&waitMask, SIGINT);
    sigdelset(&waitMask, SIGTERM);
    // Only now: a Ctrl-C typed as soon as the prompt shows must find the handler in place.
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);

    QByteArray line;
    while (interruptingSignal == 0 && !line.endsWith('\n')) {
        pollfd input{STDIN_FILENO, POLLIN, 0};
        const int ready = ::ppoll(&input, 1, nullptr, &waitMask);
        if (ready < 0 && errno == EINTR)
            continue;
        char buffer[256];
        const ssize_t count = ready > 0 ? ::read(STDIN_FILENO, buffer, sizeof buffer) : -1;
        if (count <= 0)
            break; // end of input or an error: the line so far
        line.append(buffer, count);
    }

    if (isTerminal) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &previous);
        std::fprintf(stderr, "\n");
    }
    ::sigaction(SIGINT, &previousInt, nullptr);
    ::sigaction(SIGTERM, &previousTerm, nullptr);
    if (interruptingSignal != 0) {
        // Die of the signal, as the shell expects of an interrupted command.
        const int signalNumber = interruptingSignal;
        ::signal(signalNumber, SIG_DFL);
        ::sigprocmask(SIG_SETMASK, &previousMask, nullptr);
        ::raise(signalNumber);
        ::_exit(128 + signalNumber);
    }
    ::sigprocmask(SIG_SETMASK, &previousMask, nullptr);
    const qsizetype end = line.indexOf('\n');
    return QString::fromUtf8(end < 0 ? line : line.left(end)).remove(u'\r');
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
