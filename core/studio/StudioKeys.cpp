#include "StudioKeys.h"

#include "StudioPaths.h"

namespace afk::studio {

nostr::KeyStore openKeyStore(const nostr::Secp256k1Context &context)
{
    nostr::KeyStore store(context, configDir());
    bool isNumber = false;
    const int logN = qEnvironmentVariableIntValue("AFK_KEY_SCRYPT_LOG_N", &isNumber);
    if (isNumber && logN >= 10 && logN <= 22)
        store.setScryptLogN(logN);
    return store;
}

} // namespace afk::studio
