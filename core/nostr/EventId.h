// A Nostr event id: the SHA-256 of the event's NIP-01 serialization (hex in events, note for
// people).
#pragma once

#include "FixedBytes.h"

namespace afk::nostr
{

class EventId : public FixedBytes<EventId, 32>
{
public:
    EventId() = default;
};

} // namespace afk::nostr
