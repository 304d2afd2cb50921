#include "ChatCommand.h"

#include "KeyPassword.h"
#include "StudioPaths.h"

#include "Event.h"
#include "KeyPair.h"
#include "KeyStore.h"
#include "Secp256k1Context.h"
#include "StreamPaths.h"

#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDateTime>
#include <QEventLoop>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>
#include <cstdio>

namespace afk::app {
namespace {

const char *const chatHelp = R"(Usage: afk-studio chat <command> --stream-key K --port N [options]

The live chat (NIP-53, kind 1311) of a stream a running studio announces on Nostr.

Commands:
  send "text"        send a message as the host: signs a NIP-98 proof (kind 27235) with the
                     active identity (or --identity) and POSTs /livestream/K/chat; prints the
                     message id
  list [--since T]   print the messages the studio keeps, oldest first, one per line:
                     <created_at> <npub> <content> (newlines in content shown as \n)

Options:
  --stream-key K          the stream (NIP-53 d tag)
  --port N                the studio's HTTP port
  --host H                the studio's address (default 127.0.0.1)
  --identity I            npub or name of the key to sign with (send; default: the active one)
  --key-password-file F   the key password's file (else AFK_KEY_PASSWORD, else a prompt)
  --since T               list: only messages created at or after unix time T
  --json                  list: print the studio's JSON answer as it is

Exit codes: 0 done, 1 the operation failed, 2 bad usage.
)";

constexpr int requestTimeoutMs = 15000;

void printError(const QString &message)
{
    std::fprintf(stderr, "afk-studio chat: %s\n", qPrintable(message));
}

struct HttpResult {
    int statusCode = 0; // 0: no HTTP answer (see error)
    QByteArray body;
    QString error;
    QUrl url;
};

// One request on a private event loop: the command runs before (instead of) the studio's loop.
HttpResult runRequest(const QNetworkRequest &request, const QByteArray &verb,
                      const QByteArray &body)
{
    QNetworkAccessManager manager;
    QNetworkReply *reply = verb == "POST" ? manager.post(request, body) : manager.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult result;
    result.url = request.url();
    result.statusCode = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    if (result.statusCode == 0)
        result.error = reply->errorString();
    reply->deleteLater();
    return result;
}

// The studio's {"error": …} text, or the body's start.
QString describeFailure(const HttpResult &result)
{
    if (result.statusCode == 0)
        return QStringLiteral("cannot reach the studio at %1: %2")
            .arg(result.url.toString(), result.error);
    const QJsonObject object = QJsonDocument::fromJson(result.body).object();
    const QString error = object.value(QStringLiteral("error")).toString();
    return QStringLiteral("the studio answered %1: %2")
        .arg(result.statusCode)
        .arg(error.isEmpty() ? QString::fromUtf8(result.body.left(200)) : error);
}

QString oneLine(QString text)
{
    return text.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'\n', QStringLiteral("\\n"))
        .replace(u'\r', QStringLiteral("\\r"));
}

int sendMessage(const QUrl &url, const QString &text, const QString &identityName,
                const QString &passwordFile)
{
    nostr::Secp256k1Context context;
    if (!context.isValid()) {
        printError(QStringLiteral("cannot set up secp256k1: ") + context.errorString());
        return 1;
    }
    nostr::KeyStore store(context, studio::configDir());
    QString error;
    if (!store.load(&error)) {
        printError(error);
        return 1;
    }
    const std::optional<nostr::Identity> identity =
        identityName.isEmpty() ? store.active() : store.find(identityName);
    if (!identity) {
        printError(identityName.isEmpty()
                       ? QStringLiteral("no active identity: run afk-studio keys generate")
                       : QStringLiteral("--identity %1: no such key (see afk-studio keys list)")
                             .arg(identityName));
        return 1;
    }
    const QString password = readKeyPassword(passwordFile, false, &error);
    if (password.isEmpty()) {
        printError(error);
        return 1;
    }
    const std::optional<nostr::KeyPair> keyPair = store.unlock(identity->npub, password, &error);
    if (!keyPair) {
        printError(error);
        return 1;
    }

    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("content"), text}})
                                .toJson(QJsonDocument::Compact);
    // NIP-98: this URL, this method, this body.
    nostr::Event proof;
    proof.kind = 27235;
    proof.createdAt = QDateTime::currentSecsSinceEpoch();
    proof.tags = {
        {QStringLiteral("u"), url.toString(QUrl::FullyEncoded)},
        {QStringLiteral("method"), QStringLiteral("POST")},
        {QStringLiteral("payload"),
         QString::fromLatin1(QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex())},
    };
    if (!proof.sign(*keyPair, &error)) {
        printError(error);
        return 1;
    }
    QNetworkRequest request(url);
    request.setTransferTimeout(requestTimeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader(QByteArrayLiteral("Authorization"),
                         QByteArrayLiteral("Nostr ") + proof.toJsonBytes().toBase64());
    const HttpResult result = runRequest(request, "POST", body);
    if (result.statusCode != 200) {
        printError(describeFailure(result));
        return 1;
    }
    const QString id =
        QJsonDocument::fromJson(result.body).object().value(QStringLiteral("id")).toString();
    if (id.isEmpty()) {
        printError(QStringLiteral("the studio's answer has no message id"));
        return 1;
    }
    std::printf("%s\n", qPrintable(id));
    return 0;
}

int listMessages(QUrl url, const QString &since, bool isJson)
{
    if (!since.isEmpty())
        url.setQuery(QStringLiteral("since=") + since);
    QNetworkRequest request(url);
    request.setTransferTimeout(requestTimeoutMs);
    const HttpResult result = runRequest(request, "GET", {});
    if (result.statusCode != 200) {
        printError(describeFailure(result));
        return 1;
    }
    if (isJson) {
        std::printf("%s\n", result.body.trimmed().constData());
        return 0;
    }
    const QJsonArray messages =
        QJsonDocument::fromJson(result.body).object().value(QStringLiteral("messages")).toArray();
    for (const QJsonValue &value : messages) {
        const QJsonObject message = value.toObject();
        std::printf("%lld %s %s\n",
                    static_cast<long long>(message.value(QStringLiteral("createdAt")).toDouble()),
                    qPrintable(message.value(QStringLiteral("npub")).toString()),
                    qPrintable(oneLine(message.value(QStringLiteral("content")).toString())));
    }
    return 0;
}

} // namespace

bool isChatCommand(const QStringList &arguments)
{
    return arguments.size() >= 2 && arguments.at(1) == u"chat";
}

int runChatCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption streamKey(QStringLiteral("stream-key"), QStringLiteral("Stream key."),
                                       QStringLiteral("K"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("HTTP port."),
                                  QStringLiteral("N"));
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Studio address."),
                                  QStringLiteral("H"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption identity(QStringLiteral("identity"),
                                      QStringLiteral("Key to sign with."), QStringLiteral("I"));
    const QCommandLineOption passwordFile(QStringLiteral("key-password-file"),
                                          QStringLiteral("File whose first line is the password."),
                                          QStringLiteral("F"));
    const QCommandLineOption since(QStringLiteral("since"), QStringLiteral("Unix time."),
                                   QStringLiteral("T"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Raw JSON."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Help."));
    parser.addOptions({streamKey, port, host, identity, passwordFile, since, json, help});
    if (!parser.parse(QStringList{QStringLiteral("afk-studio")} + arguments)) {
        printError(parser.errorText());
        return 2;
    }
    const QStringList positional = parser.positionalArguments();
    if (parser.isSet(help) || positional.isEmpty()) {
        std::fputs(chatHelp, parser.isSet(help) ? stdout : stderr);
        return parser.isSet(help) ? 0 : 2;
    }
    const QString command = positional.first();
    if (command != u"send" && command != u"list") {
        printError(QStringLiteral("unknown command '%1'; see afk-studio chat --help").arg(command));
        return 2;
    }
    const QString key = parser.value(streamKey);
    if (!storage::isValidStreamKey(key)) {
        printError(key.isEmpty() ? QStringLiteral("--stream-key is required")
                                 : QStringLiteral("--stream-key: 1-64 of A-Z a-z 0-9 _ -"));
        return 2;
    }
    bool isNumber = false;
    const int portNumber = parser.value(port).toInt(&isNumber);
    if (!isNumber || portNumber < 1 || portNumber > 65535) {
        printError(QStringLiteral("--port needs a number between 1 and 65535"));
        return 2;
    }
    QString hostText = parser.value(host);
    const QHostAddress address(hostText);
    if (!address.isNull() && address.protocol() == QAbstractSocket::IPv6Protocol)
        hostText = u'[' + hostText + u']';
    const QUrl url(
        QStringLiteral("http://%1:%2/livestream/%3/chat").arg(hostText).arg(portNumber).arg(key),
        QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        printError(
            QStringLiteral("--host %1 is not a host name or address").arg(parser.value(host)));
        return 2;
    }

    if (command == u"send") {
        if (positional.size() != 2) {
            printError(QStringLiteral("'send' takes the message text as one argument"));
            return 2;
        }
        if (parser.isSet(since) || parser.isSet(json)) {
            printError(QStringLiteral("--since and --json are for 'list'"));
            return 2;
        }
        return sendMessage(url, positional.at(1), parser.value(identity),
                           parser.value(passwordFile));
    }
    if (positional.size() != 1) {
        printError(QStringLiteral("'list' takes no argument"));
        return 2;
    }
    const QString sinceText = parser.value(since);
    if (parser.isSet(since)) {
        bool isSinceNumber = false;
        if (sinceText.toLongLong(&isSinceNumber) < 0 || !isSinceNumber) {
            printError(QStringLiteral("--since needs unix seconds"));
            return 2;
        }
    }
    return listMessages(url, sinceText, parser.isSet(json));
}

} // namespace afk::app
