// A BIP-340 Schnorr signature: 64 bytes (R.x ‖ s), hex in events.
#pragma once

#include "FixedBytes.h"

namespace afk::nostr
{

class Signature : public FixedBytes<Signature, 64>
{
public:
    Signature() = default;
};

} // namespace afk::nostr
