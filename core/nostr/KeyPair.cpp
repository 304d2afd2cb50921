#include "KeyPair.h"

#include "Secp256k1Context.h"
#include "SodiumInit.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

namespace afk::nostr
{

namespace
{

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// RAII over a secp256k1_keypair (which contains the secret): wiped on every exit path.
class ScopedKeypair
{
public:
    ScopedKeypair(const secp256k1_context *context, const SecretKey &secretKey)
        : m_isValid(secp256k1_keypair_create(context, &m_keypair, secretKey.data()) == 1)
    {
    }
    ~ScopedKeypair() { sodium_memzero(&m_keypair, sizeof m_keypair); }
    ScopedKeypair(const ScopedKeypair &) = delete;
    ScopedKeypair &operator=(const ScopedKeypair &) = delete;

    bool isValid() const { return m_isValid; }
    const secp256k1_keypair *get() const { return &m_keypair; }

private:
    secp256k1_keypair m_keypair;
    bool m_isValid;
};

} // namespace

KeyPair::KeyPair(const Secp256k1Context &context, const SecretKey &secretKey,
                 const PublicKey &publicKey)
    : m_context(&context), m_secretKey(secretKey), m_publicKey(publicKey)
{
}

std::optional<KeyPair> KeyPair::fromSecretKey(const Secp256k1Context &context,
                                              const SecretKey &secretKey, QString *error)
{
    if (!context.isValid()) {
        setError(error, context.errorString());
        return std::nullopt;
    }
    const ScopedKeypair keypair(context.get(), secretKey);
    if (!keypair.isValid()) {
        setError(error, QStringLiteral("invalid secret key (zero or not below the curve order)"));
        return std::nullopt;
    }
    secp256k1_xonly_pubkey xonly;
    PublicKey::Array publicBytes{};
    if (secp256k1_keypair_xonly_pub(context.get(), &xonly, nullptr, keypair.get()) != 1 ||
        secp256k1_xonly_pubkey_serialize(context.get(), publicBytes.data(), &xonly) != 1) {
        setError(error, QStringLiteral("could not derive the public key"));
        return std::nullopt;
    }
    return KeyPair(context, secretKey, PublicKey::fromArray(publicBytes));
}

std::optional<KeyPair> KeyPair::generate(const Secp256k1Context &context, QString *error)
{
    if (!context.isValid()) {
        setError(error, context.errorString());
        return std::nullopt;
    }
    // The chance of a draw outside [1, n-1] is below 2^-127; a few tries are plenty.
    for (int attempt = 0; attempt < 8; ++attempt) {
        const SecretKey candidate = SecretKey::random();
        if (secp256k1_ec_seckey_verify(context.get(), candidate.data()) == 1)
            return fromSecretKey(context, candidate, error);
    }
    setError(error, QStringLiteral("the random number generator keeps giving invalid keys"));
    return std::nullopt;
}

Signature KeyPair::sign(const Message32 &message) const
{
    ensureSodium();
    AuxRandom auxRandom;
    randombytes_buf(auxRandom.data(), auxRandom.size());
    Signature signature = signWithAuxRandom(message, auxRandom);
    sodium_memzero(auxRandom.data(), auxRandom.size());
    return signature;
}

Signature KeyPair::signWithAuxRandom(const Message32 &message, const AuxRandom &auxRandom) const
{
    // fromSecretKey proved the secret valid with this context, so neither call can fail; a
    // failure would leave an all-zero signature that no verifier accepts.
    const ScopedKeypair keypair(m_context->get(), m_secretKey);
    Signature::Array signature{};
    if (!keypair.isValid() ||
        secp256k1_schnorrsig_sign32(m_context->get(), signature.data(), message.data(),
                                    keypair.get(), auxRandom.data()) != 1)
        signature.fill(0);
    return Signature::fromArray(signature);
}

} // namespace afk::nostr
