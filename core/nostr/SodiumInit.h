// Module-internal: libsodium initialisation (not installed, not part of the public API).
#pragma once

#include <sodium.h>

namespace afk::nostr
{

// sodium_init() is idempotent and thread-safe; every entry point that may be the first user of
// libsodium calls this. False only when libsodium cannot initialise (no system randomness).
inline bool ensureSodium()
{
    return sodium_init() >= 0;
}

} // namespace afk::nostr
