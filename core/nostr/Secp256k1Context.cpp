#include "Secp256k1Context.h"

#include "SodiumInit.h"

#include <secp256k1.h>

#include <array>

namespace afk::nostr
{

Secp256k1Context::Secp256k1Context()
{
    if (!ensureSodium()) {
        m_errorString = QStringLiteral("libsodium could not be initialised");
        return;
    }
    secp256k1_context *context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!context) {
        m_errorString = QStringLiteral("secp256k1_context_create failed");
        return;
    }
    std::array<unsigned char, 32> seed;
    randombytes_buf(seed.data(), seed.size());
    const int randomized = secp256k1_context_randomize(context, seed.data());
    sodium_memzero(seed.data(), seed.size());
    if (!randomized) {
        secp256k1_context_destroy(context);
        m_errorString = QStringLiteral("secp256k1_context_randomize failed");
        return;
    }
    m_context = context;
}

Secp256k1Context::~Secp256k1Context()
{
    if (m_context)
        secp256k1_context_destroy(m_context);
}

} // namespace afk::nostr
