// A Nostr public key: the 32-byte x-only secp256k1 key of BIP-340 (hex in events, npub for people).
#pragma once

#include "FixedBytes.h"

namespace afk::nostr
{

// Holding a PublicKey says nothing about the point being on the curve: Schnorr verification
// (and isValidPublicKey) checks that.
class PublicKey : public FixedBytes<PublicKey, 32>
{
public:
    PublicKey() = default;
};

} // namespace afk::nostr
