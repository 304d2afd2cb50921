// NIP-53 live event (kind 30311) as a value, and the pure functions that turn it into tags, an
// unsigned event, its "30311:<pubkey>:<d>" address and its naddr.
#pragma once

#include "Event.h"
#include "PublicKey.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace afk::nostr
{

enum class LiveStatus { Invalid = 0, Planned, Live, Ended };

struct LiveEvent {
    static constexpr int Kind = 30311;

    QString identifier; // the d tag (stream key); required
    QString title;
    QString summary;
    QString imageUrl;
    QStringList hashtags;           // one t tag each, in order
    QString streamingUrl;           // public HLS master playlist
    QString recordingUrl;           // only when a recording exists
    std::optional<qint64> startsAt; // unix seconds
    std::optional<qint64> endsAt;   // unix seconds
    LiveStatus status = LiveStatus::Planned;
    std::optional<int> currentParticipants;
    std::optional<int> totalParticipants;
    QStringList relays; // the relays tag (and naddr hints)

    // "planned" / "live" / "ended"; empty for Invalid.
    static QString statusName(LiveStatus status);
    static LiveStatus statusFromName(const QString &name); // Invalid when unknown

    // d, title, summary, image, t…, streaming, recording, starts, ends, status,
    // current_participants, total_participants, p [host, "", "Host"], relays. Empty strings,
    // unset numbers and an empty relay list are left out; d and status never are.
    QList<QStringList> tags(const PublicKey &host) const;

    // Kind 30311, these tags, empty content, pubkey = host; id and sig left for Event::sign.
    Event toUnsignedEvent(const PublicKey &host, qint64 createdAtSeconds) const;

    // "30311:<host hex>:<d>" (the a tag of chat messages, kind 1311).
    QString address(const PublicKey &host) const;

    // NIP-19 naddr (kind 30311, author, d, relays); empty (reason in *error) if too long.
    QString naddr(const PublicKey &host, QString *error = nullptr) const;

    // Reads a kind-30311 event back (the tags above; unknown tags ignored). nullopt (reason in
    // *error) for another kind, no d tag, an unknown status or a malformed number.
    static std::optional<LiveEvent> fromEvent(const Event &event, QString *error = nullptr);

    friend bool operator==(const LiveEvent &, const LiveEvent &) = default;
};

} // namespace afk::nostr
