// A secret key with its x-only public key: what signs events (BIP-340 Schnorr).
#pragma once

#include "PublicKey.h"
#include "SecretKey.h"
#include "Signature.h"

#include <array>
#include <optional>

namespace afk::nostr
{

class Secp256k1Context;

// Only made from a valid secret (0 < k < n), so signing cannot fail. Keeps a pointer to the
// context: the context must outlive the key pair. The libsecp256k1 keypair structure is built
// for each signature and wiped right after, so the secret lives in one place (m_secretKey).
class KeyPair
{
public:
    using Message32 = std::array<unsigned char, 32>;
    using AuxRandom = std::array<unsigned char, 32>;

    // nullopt (and *error) if the context is invalid or the secret is zero or >= the curve order.
    static std::optional<KeyPair> fromSecretKey(const Secp256k1Context &context,
                                                const SecretKey &secretKey,
                                                QString *error = nullptr);
    // A fresh random key (CSPRNG, retried until valid — in practice the first draw is).
    static std::optional<KeyPair> generate(const Secp256k1Context &context,
                                           QString *error = nullptr);

    const PublicKey &publicKey() const { return m_publicKey; }
    const SecretKey &secretKey() const { return m_secretKey; }
    const Secp256k1Context &context() const { return *m_context; }

    // BIP-340 signature of a 32-byte message (an event id) with 32 fresh random aux bytes.
    Signature sign(const Message32 &message) const;
    // Same with caller-chosen aux bytes: deterministic, for the BIP-340 test vectors only.
    // Never reuse aux bytes with real keys.
    Signature signWithAuxRandom(const Message32 &message, const AuxRandom &auxRandom) const;

private:
    KeyPair(const Secp256k1Context &context, const SecretKey &secretKey,
            const PublicKey &publicKey);

    const Secp256k1Context *m_context;
    SecretKey m_secretKey;
    PublicKey m_publicKey;
};

} // namespace afk::nostr
