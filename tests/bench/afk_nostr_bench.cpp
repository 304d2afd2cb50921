// afk-nostr-bench: how many events afk_nostr signs (id + BIP-340 signature) and verifies (id
// recomputed + signature) per second, on events shaped like live chat messages (kind 1311, one a
// tag, a short content). Prints one JSON line; tests/bench/nostr-bench.sh compares it with
// nostr-tools. Not a test.
//
//   afk-nostr-bench [--events N]   (default 2000)
#include "Event.h"
#include "KeyPair.h"
#include "Secp256k1Context.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QList>

#include <cstdio>

using namespace afk::nostr;

int main(int argc, char **argv)
{
    QCoreApplication application(argc, argv);
    const QStringList arguments = application.arguments();
    int eventCount = 2000;
    const qsizetype countIndex = arguments.indexOf(QStringLiteral("--events"));
    if (countIndex >= 0)
        eventCount = arguments.value(countIndex + 1).toInt();
    if (eventCount < 1) {
        std::fprintf(stderr, "usage: afk-nostr-bench [--events N]\n");
        return 2;
    }
    Secp256k1Context context;
    QString error;
    const std::optional<KeyPair> keyPair = KeyPair::generate(context, &error);
    if (!keyPair) {
        std::fprintf(stderr, "afk-nostr-bench: %s\n", qPrintable(error));
        return 1;
    }
    const QString address = QStringLiteral("30311:%1:0123456789abcdef0123456789abcdef")
                                .arg(keyPair->publicKey().toHex());

    QList<Event> events(eventCount);
    for (int i = 0; i < eventCount; ++i) {
        Event &event = events[i];
        event.kind = 1311;
        event.createdAt = 1764000000 + i;
        event.tags = {{QStringLiteral("a"), address, QStringLiteral("ws://127.0.0.1:7777"),
                       QStringLiteral("root")}};
        event.content = QStringLiteral("bench message %1: hello from the chat").arg(i);
    }

    QElapsedTimer timer;
    timer.start();
    for (Event &event : events)
        if (!event.sign(*keyPair, &error)) {
            std::fprintf(stderr, "afk-nostr-bench: %s\n", qPrintable(error));
            return 1;
        }
    const qint64 signNs = timer.nsecsElapsed();

    timer.restart();
    int verified = 0;
    for (const Event &event : events)
        verified += event.verify(context) ? 1 : 0;
    const qint64 verifyNs = timer.nsecsElapsed();
    if (verified != eventCount) {
        std::fprintf(stderr, "afk-nostr-bench: %d of %d events did not verify\n",
                     eventCount - verified, eventCount);
        return 1;
    }
    std::printf("{\"events\":%d,\"signPerSecond\":%.0f,\"verifyPerSecond\":%.0f}\n", eventCount,
                eventCount * 1e9 / double(signNs), eventCount * 1e9 / double(verifyNs));
    return 0;
}
