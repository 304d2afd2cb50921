#include "LiveEvent.h"

#include "Nip19.h"

#include <limits>

namespace afk::nostr
{

namespace
{

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

void appendIfSet(QList<QStringList> &tags, const QString &name, const QString &value)
{
    if (!value.isEmpty())
        tags.append({name, value});
}

template <typename Number>
void appendIfSet(QList<QStringList> &tags, const QString &name, const std::optional<Number> &value)
{
    if (value)
        tags.append({name, QString::number(*value)});
}

template <typename Number>
bool readNumber(const QStringList &tag, std::optional<Number> *out, QString *error)
{
    bool isNumber = false;
    const qint64 value = tag.value(1).toLongLong(&isNumber);
    if (!isNumber || value < 0 || value > std::numeric_limits<Number>::max()) {
        setError(error, QStringLiteral("tag \"%1\" is not a non-negative integer").arg(tag[0]));
        return false;
    }
    *out = Number(value);
    return true;
}

} // namespace

QString LiveEvent::statusName(LiveStatus status)
{
    switch (status) {
    case LiveStatus::Planned:
        return QStringLiteral("planned");
    case LiveStatus::Live:
        return QStringLiteral("live");
    case LiveStatus::Ended:
        return QStringLiteral("ended");
    case LiveStatus::Invalid:
        break;
    }
    return {};
}

LiveStatus LiveEvent::statusFromName(const QString &name)
{
    for (LiveStatus status : {LiveStatus::Planned, LiveStatus::Live, LiveStatus::Ended})
        if (statusName(status) == name)
            return status;
    return LiveStatus::Invalid;
}

QList<QStringList> LiveEvent::tags(const PublicKey &host) const
{
    QList<QStringList> tags;
    tags.append({QStringLiteral("d"), identifier});
    appendIfSet(tags, QStringLiteral("title"), title);
    appendIfSet(tags, QStringLiteral("summary"), summary);
    appendIfSet(tags, QStringLiteral("image"), imageUrl);
    for (const QString &hashtag : hashtags)
        appendIfSet(tags, QStringLiteral("t"), hashtag);
    appendIfSet(tags, QStringLiteral("streaming"), streamingUrl);
    appendIfSet(tags, QStringLiteral("recording"), recordingUrl);
    appendIfSet(tags, QStringLiteral("starts"), startsAt);
    appendIfSet(tags, QStringLiteral("ends"), endsAt);
    tags.append({QStringLiteral("status"), statusName(status)});
    appendIfSet(tags, QStringLiteral("current_participants"), currentParticipants);
    appendIfSet(tags, QStringLiteral("total_participants"), totalParticipants);
    tags.append({QStringLiteral("p"), host.toHex(), QString(), QStringLiteral("Host")});
    if (!relays.isEmpty())
        tags.append(QStringList{QStringLiteral("relays")} + relays);
    return tags;
}

Event LiveEvent::toUnsignedEvent(const PublicKey &host, qint64 createdAtSeconds) const
{
    Event event;
    event.pubkey = host;
    event.createdAt = createdAtSeconds;
    event.kind = Kind;
    event.tags = tags(host);
    return event;
}

QString LiveEvent::address(const PublicKey &host) const
{
    return QStringLiteral("%1:%2:%3").arg(Kind).arg(host.toHex(), identifier);
}

QString LiveEvent::naddr(const PublicKey &host, QString *error) const
{
    AddressPointer pointer;
    pointer.identifier = identifier;
    pointer.author = host;
    pointer.kind = quint32(Kind);
    pointer.relays = relays;
    return Nip19::encodeNaddr(pointer, error);
}

std::optional<LiveEvent> LiveEvent::fromEvent(const Event &event, QString *error)
{
    if (event.kind != Kind) {
        setError(error,
                 QStringLiteral("kind %1 is not a live event (%2)").arg(event.kind).arg(Kind));
        return std::nullopt;
    }
    LiveEvent live;
    live.status = LiveStatus::Invalid;
    bool hasIdentifier = false;
    for (const QStringList &tag : event.tags) {
        if (tag.size() < 2)
            continue;
        const QString &name = tag[0];
        const QString &value = tag[1];
        if (name == QLatin1String("d") && !hasIdentifier) {
            live.identifier = value;
            hasIdentifier = true;
        } else if (name == QLatin1String("title")) {
            live.title = value;
        } else if (name == QLatin1String("summary")) {
            live.summary = value;
        } else if (name == QLatin1String("image")) {
            live.imageUrl = value;
        } else if (name == QLatin1String("t")) {
            live.hashtags.append(value);
        } else if (name == QLatin1String("streaming")) {
            live.streamingUrl = value;
        } else if (name == QLatin1String("recording")) {
            live.recordingUrl = value;
        } else if (name == QLatin1String("status")) {
            live.status = statusFromName(value);
        } else if (name == QLatin1String("relays")) {
            live.relays = tag.mid(1);
        } else if ((name == QLatin1String("starts") && !readNumber(tag, &live.startsAt, error)) ||
                   (name == QLatin1String("ends") && !readNumber(tag, &live.endsAt, error)) ||
                   (name == QLatin1String("current_participants") &&
                    !readNumber(tag, &live.currentParticipants, error)) ||
                   (name == QLatin1String("total_participants") &&
                    !readNumber(tag, &live.totalParticipants, error))) {
            return std::nullopt;
        }
    }
    if (!hasIdentifier) {
        setError(error, QStringLiteral("a live event needs a d tag"));
        return std::nullopt;
    }
    if (live.status == LiveStatus::Invalid) {
        setError(error, QStringLiteral("missing or unknown status"));
        return std::nullopt;
    }
    return live;
}

} // namespace afk::nostr
