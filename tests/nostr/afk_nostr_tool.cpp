// afk-nostr-tool: a test helper that prints, as JSON, what afk_nostr makes of a fixed table (ids,
// signed events, NIP-19 / NIP-49 encodings) and what it makes of entities and events given on
// stdin. tests/nostr/oracle checks both against nostr-tools. Test keys only: it prints secrets.
//
//   afk-nostr-tool fixtures      →
//   {"ids":[…],"signed":[…],"keys":{…},"entities":[…],"ncryptsec":{…}} afk-nostr-tool check < in
//   in: {"events":[…],"entities":[…],"ncryptsec":[{"text","password"}]}
//                                →
//                                {"events":[{"valid","error","id"}],"entities":[…],"ncryptsec":[…]}
#include "Event.h"
#include "Hex.h"
#include "JsonString.h"
#include "KeyPair.h"
#include "Ncryptsec.h"
#include "Nip19.h"
#include "Secp256k1Context.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using namespace afk::nostr;

namespace
{

// A fixed test key (not a real identity).
const QString TestSecretHex =
    QStringLiteral("5c0c523f52a5b6fad39ed2403092df8cebc36318b39383bca6c00808626fab3a");
const QString TestPassword = QStringLiteral("\u212B\u2126\u1E9B\u0323 pässwörd 🤙");

QByteArray quote(const QString &text)
{
    return quoteJsonString(text);
}

// Our own writer for the fixture strings, so that lone surrogates survive as \udxxx.
QByteArray stringArray(const QStringList &strings)
{
    QByteArray out("[");
    for (qsizetype i = 0; i < strings.size(); ++i) {
        if (i > 0)
            out.append(',');
        out.append(quote(strings[i]));
    }
    out.append(']');
    return out;
}

QList<QString> hardStrings()
{
    QString controls;
    for (char16_t c = 0; c < 0x20; ++c)
        controls.append(QChar(c));
    QString longText;
    for (int i = 0; i < 500; ++i)
        longText += QStringLiteral("line %1\t\"quoted\" \\ / é 🤙\n").arg(i);
    return {
        QString(),
        controls,
        QStringLiteral("\"\\/"),
        QStringLiteral("</script><!--"),
        QStringLiteral("\x7f\u0080\u009f\u00a0"),
        QStringLiteral("\u2028\u2029"),
        QStringLiteral("\uFEFFbom"),
        QString(QChar(0xffff)) + QChar(0xfffe),
        QStringLiteral("e\u0301 vs \u00e9"),
        QStringLiteral("日本語 עברית العربية"),
        QStringLiteral("🤙🏽 👨‍👩‍👧 🏳️‍🌈"),
        QString(QChar(0xd83d)),                    // lone high surrogate
        QString(QChar(0xdc99)) + QLatin1Char('x'), // lone low surrogate
        QString(QChar(0xd83d)) + QChar(0xd83d),    // two highs
        QStringLiteral("\\u0000 is not a NUL"),
        longText,
    };
}

QList<Event> fixtureEvents(const PublicKey &pubkey)
{
    const QList<QString> strings = hardStrings();
    const QList<qint64> times = {0, 1687286726, 2147483648LL, 9007199254740991LL};
    const QList<int> kinds = {0, 1, 1311, 30311, 65535};
    QList<Event> events;
    for (qsizetype i = 0; i < strings.size(); ++i) {
        Event event;
        event.pubkey = pubkey;
        event.createdAt = times[i % times.size()];
        event.kind = kinds[i % kinds.size()];
        event.content = strings[i];
        event.tags = {{QStringLiteral("t"), strings[(i + 1) % strings.size()]},
                      {},
                      {QString(), QString()},
                      {QStringLiteral("a"),
                       QStringLiteral("30311:") + pubkey.toHex() + QStringLiteral(":d"),
                       QStringLiteral("wss://relay.example.com"), QStringLiteral("root")}};
        events.append(event);
    }
    return events;
}

QByteArray eventWithoutSignature(const Event &event)
{
    // The id-relevant fields (what nostr-tools' getEventHash reads) plus our id and our exact
    // serialization bytes in hex, for a readable diff when they disagree.
    QByteArray out("{\"pubkey\":");
    out.append(quote(event.pubkey.toHex()));
    out.append(",\"created_at\":");
    out.append(QByteArray::number(event.createdAt));
    out.append(",\"kind\":");
    out.append(QByteArray::number(event.kind));
    out.append(",\"tags\":[");
    for (qsizetype i = 0; i < event.tags.size(); ++i) {
        if (i > 0)
            out.append(',');
        out.append(stringArray(event.tags[i]));
    }
    out.append("],\"content\":");
    out.append(quote(event.content));
    out.append(",\"id\":");
    out.append(quote(event.computeId().toHex()));
    out.append(",\"serializedHex\":");
    out.append(quote(hexEncode(event.serializeForId())));
    out.append('}');
    return out;
}

QJsonObject decodeEntity(const QString &text)
{
    QString error;
    const QString prefix = Nip19::prefixOf(text);
    QJsonObject result{{QStringLiteral("type"), prefix}};
    if (prefix == QLatin1String("npub")) {
        if (const auto key = Nip19::decodeNpub(text, &error))
            result.insert(QStringLiteral("data"), key->toHex());
    } else if (prefix == QLatin1String("nsec")) {
        if (const auto key = Nip19::decodeNsec(text, &error))
            result.insert(QStringLiteral("data"),
                          hexEncode(QByteArrayView(reinterpret_cast<const char *>(key->data()),
                                                   SecretKey::Size)));
    } else if (prefix == QLatin1String("note")) {
        if (const auto id = Nip19::decodeNote(text, &error))
            result.insert(QStringLiteral("data"), id->toHex());
    } else if (prefix == QLatin1String("nprofile")) {
        if (const auto profile = Nip19::decodeNprofile(text, &error))
            result.insert(QStringLiteral("data"),
                          QJsonObject{{QStringLiteral("pubkey"), profile->publicKey.toHex()},
                                      {QStringLiteral("relays"),
                                       QJsonArray::fromStringList(profile->relays)}});
    } else if (prefix == QLatin1String("nevent")) {
        if (const auto event = Nip19::decodeNevent(text, &error)) {
            QJsonObject data{{QStringLiteral("id"), event->id.toHex()},
                             {QStringLiteral("relays"), QJsonArray::fromStringList(event->relays)}};
            if (event->author)
                data.insert(QStringLiteral("author"), event->author->toHex());
            if (event->kind)
                data.insert(QStringLiteral("kind"), qint64(*event->kind));
            result.insert(QStringLiteral("data"), data);
        }
    } else if (prefix == QLatin1String("naddr")) {
        if (const auto address = Nip19::decodeNaddr(text, &error))
            result.insert(QStringLiteral("data"),
                          QJsonObject{{QStringLiteral("identifier"), address->identifier},
                                      {QStringLiteral("pubkey"), address->author.toHex()},
                                      {QStringLiteral("kind"), qint64(address->kind)},
                                      {QStringLiteral("relays"),
                                       QJsonArray::fromStringList(address->relays)}});
    } else {
        error = QStringLiteral("unknown prefix");
    }
    if (!error.isEmpty())
        result.insert(QStringLiteral("error"), error);
    return result;
}

int fixtures(const Secp256k1Context &context)
{
    QString error;
    const std::optional<KeyPair> keyPair =
        KeyPair::fromSecretKey(context, *SecretKey::fromHex(TestSecretHex), &error);
    if (!keyPair) {
        std::fprintf(stderr, "afk-nostr-tool: %s\n", qPrintable(error));
        return 1;
    }
    const QList<Event> events = fixtureEvents(keyPair->publicKey());

    QByteArray out("{\"ids\":[");
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (i > 0)
            out.append(',');
        out.append(eventWithoutSignature(events[i]));
    }
    out.append("],\"signed\":[");
    for (qsizetype i = 0; i < events.size(); ++i) {
        Event event = events[i];
        if (!event.sign(*keyPair, &error)) {
            std::fprintf(stderr, "afk-nostr-tool: %s\n", qPrintable(error));
            return 1;
        }
        if (i > 0)
            out.append(',');
        out.append(event.toJsonBytes());
    }
    out.append(']');

    const PublicKey &publicKey = keyPair->publicKey();
    const EventId someId = events[1].computeId();
    const QStringList relays = {QStringLiteral("wss://relay.example.com"),
                                QStringLiteral("wss://nos.lol/path?q=1")};
    out.append(",\"keys\":{\"secretHex\":");
    out.append(quote(TestSecretHex));
    out.append(",\"pubkeyHex\":");
    out.append(quote(publicKey.toHex()));
    out.append(",\"npub\":");
    out.append(quote(Nip19::encodeNpub(publicKey)));
    out.append(",\"nsec\":");
    out.append(quote(Nip19::encodeNsec(keyPair->secretKey())));
    out.append('}');

    // Each entity with what nostr-tools' nip19.decode should give for it.
    QJsonArray entities;
    const auto entity = [&](const QString &text, const QJsonObject &expected) {
        entities.append(
            QJsonObject{{QStringLiteral("text"), text}, {QStringLiteral("expected"), expected}});
    };
    entity(Nip19::encodeNote(someId), {{QStringLiteral("type"), QStringLiteral("note")},
                                       {QStringLiteral("data"), someId.toHex()}});
    entity(Nip19::encodeNprofile({publicKey, relays}),
           {{QStringLiteral("type"), QStringLiteral("nprofile")},
            {QStringLiteral("data"),
             QJsonObject{{QStringLiteral("pubkey"), publicKey.toHex()},
                         {QStringLiteral("relays"), QJsonArray::fromStringList(relays)}}}});
    entity(Nip19::encodeNevent({someId, relays, publicKey, 1311u}),
           {{QStringLiteral("type"), QStringLiteral("nevent")},
            {QStringLiteral("data"),
             QJsonObject{{QStringLiteral("id"), someId.toHex()},
                         {QStringLiteral("relays"), QJsonArray::fromStringList(relays)},
                         {QStringLiteral("author"), publicKey.toHex()},
                         {QStringLiteral("kind"), 1311}}}});
    entity(Nip19::encodeNevent({someId, {}, std::nullopt, std::nullopt}),
           {{QStringLiteral("type"), QStringLiteral("nevent")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("id"), someId.toHex()},
                                                 {QStringLiteral("relays"), QJsonArray()}}}});
    const QString dTag = QStringLiteral("live-🤙-mañana");
    entity(Nip19::encodeNaddr({dTag, publicKey, 30311, relays}),
           {{QStringLiteral("type"), QStringLiteral("naddr")},
            {QStringLiteral("data"),
             QJsonObject{{QStringLiteral("identifier"), dTag},
                         {QStringLiteral("pubkey"), publicKey.toHex()},
                         {QStringLiteral("kind"), 30311},
                         {QStringLiteral("relays"), QJsonArray::fromStringList(relays)}}}});
    entity(Nip19::encodeNaddr({QString(), publicKey, 30023, {}}),
           {{QStringLiteral("type"), QStringLiteral("naddr")},
            {QStringLiteral("data"), QJsonObject{{QStringLiteral("identifier"), QString()},
                                                 {QStringLiteral("pubkey"), publicKey.toHex()},
                                                 {QStringLiteral("kind"), 30023},
                                                 {QStringLiteral("relays"), QJsonArray()}}}});
    out.append(",\"entities\":");
    out.append(QJsonDocument(entities).toJson(QJsonDocument::Compact));

    const int logN = 10;
    const QString ncryptsec = Ncryptsec::encrypt(keyPair->secretKey(), TestPassword, logN,
                                                 Ncryptsec::KeySecurity::NotKnownInsecure, &error);
    if (ncryptsec.isEmpty()) {
        std::fprintf(stderr, "afk-nostr-tool: %s\n", qPrintable(error));
        return 1;
    }
    out.append(",\"ncryptsec\":{\"text\":");
    out.append(quote(ncryptsec));
    out.append(",\"password\":");
    out.append(quote(TestPassword));
    out.append(",\"logN\":");
    out.append(QByteArray::number(logN));
    out.append(",\"secretHex\":");
    out.append(quote(TestSecretHex));
    out.append("}}\n");
    std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
    return 0;
}

int check(const Secp256k1Context &context)
{
    QFile input;
    if (!input.open(stdin, QIODevice::ReadOnly)) {
        std::fprintf(stderr, "afk-nostr-tool: cannot read stdin\n");
        return 1;
    }
    QJsonParseError parseError;
    const QJsonObject request = QJsonDocument::fromJson(input.readAll(), &parseError).object();
    if (parseError.error != QJsonParseError::NoError) {
        std::fprintf(stderr, "afk-nostr-tool: bad JSON on stdin: %s\n",
                     qPrintable(parseError.errorString()));
        return 1;
    }

    QJsonArray events;
    for (const QJsonValue &value : request.value(QLatin1String("events")).toArray()) {
        QString error;
        QJsonObject result;
        const std::optional<Event> event = Event::fromJson(value.toObject(), &error);
        const bool isValid = event && event->verify(context, &error);
        result.insert(QStringLiteral("valid"), isValid);
        if (event)
            result.insert(QStringLiteral("id"), event->computeId().toHex());
        if (!isValid)
            result.insert(QStringLiteral("error"), error);
        events.append(result);
    }

    QJsonArray entities;
    for (const QJsonValue &value : request.value(QLatin1String("entities")).toArray())
        entities.append(decodeEntity(value.toString()));

    QJsonArray ncryptsecs;
    for (const QJsonValue &value : request.value(QLatin1String("ncryptsec")).toArray()) {
        const QJsonObject item = value.toObject();
        QString error;
        Ncryptsec::Info info;
        const std::optional<SecretKey> key =
            Ncryptsec::decrypt(item.value(QLatin1String("text")).toString(),
                               item.value(QLatin1String("password")).toString(), &error, &info);
        QJsonObject result;
        if (key) {
            result.insert(QStringLiteral("secretHex"),
                          hexEncode(QByteArrayView(reinterpret_cast<const char *>(key->data()),
                                                   SecretKey::Size)));
            result.insert(QStringLiteral("logN"), info.logN);
            result.insert(QStringLiteral("keySecurity"), int(info.keySecurity));
        } else {
            result.insert(QStringLiteral("error"), error);
        }
        ncryptsecs.append(result);
    }

    const QJsonObject response{{QStringLiteral("events"), events},
                               {QStringLiteral("entities"), entities},
                               {QStringLiteral("ncryptsec"), ncryptsecs}};
    const QByteArray out = QJsonDocument(response).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application(argc, argv);
    const QStringList arguments = application.arguments();
    Secp256k1Context context;
    if (!context.isValid()) {
        std::fprintf(stderr, "afk-nostr-tool: %s\n", qPrintable(context.errorString()));
        return 1;
    }
    if (arguments.value(1) == QLatin1String("fixtures"))
        return fixtures(context);
    if (arguments.value(1) == QLatin1String("check"))
        return check(context);
    std::fprintf(stderr, "usage: afk-nostr-tool fixtures | check < request.json\n");
    return 2;
}
