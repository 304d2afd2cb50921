// Test helper: fills an X display with one colour (a frameless full-screen window) and changes it
// to each colour read from stdin ("#0000ff\n"), so the screen source has a known picture to
// capture. Prints "painted <colour>" once each colour is on screen.
#include <QApplication>
#include <QScreen>
#include <QSocketNotifier>
#include <QTimer>
#include <QWidget>
#include <cstdio>
#include <unistd.h>

int main(int argc, char **argv)
{
    QApplication application(argc, argv);
    QWidget window;
    window.setWindowFlag(Qt::FramelessWindowHint);
    const auto paint = [&window](const QString &colour) {
        window.setStyleSheet(QStringLiteral("background-color: %1;").arg(colour));
        window.update();
        // Reported after the event loop had a chance to draw it.
        QTimer::singleShot(300, &window, [colour] {
            std::printf("painted %s\n", qPrintable(colour));
            std::fflush(stdout);
        });
    };
    paint(argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("#ff0000"));
    window.setGeometry(QApplication::primaryScreen()->geometry());
    window.show();
    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&input, &QSocketNotifier::activated, &window, [&] {
        char line[64] = {};
        const ssize_t size = ::read(STDIN_FILENO, line, sizeof line - 1);
        if (size <= 0) {
            application.quit();
            return;
        }
        paint(QString::fromLatin1(line, int(size)).trimmed());
    });
    return application.exec();
}
