// The studio's Nostr key store as every face opens it (`afk-studio keys`, the GUI's key manager).
#pragma once

#include "KeyStore.h"

namespace afk::studio {

// The key store in configDir() (not loaded yet). Scripts and tests may lower the scrypt cost of
// new keys (NIP-49 log_n, default 16) with AFK_KEY_SCRYPT_LOG_N=10..22.
nostr::KeyStore openKeyStore(const nostr::Secp256k1Context &context);

} // namespace afk::studio
