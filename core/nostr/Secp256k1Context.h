// The one long-lived libsecp256k1 context of whoever signs or verifies (RAII, randomized once).
#pragma once

#include <QString>

struct secp256k1_context_struct;

namespace afk::nostr
{

// Create one (e.g. in the Studio or a test), pass it by reference to KeyPair / Event::verify /
// KeyStore; it must outlive them. Not copyable or movable. Its const operations (signing,
// verification) are safe from several threads at once.
class Secp256k1Context
{
public:
    // Initialises libsodium, creates a SECP256K1_CONTEXT_NONE context and randomizes it with
    // 32 bytes from libsodium's CSPRNG (side-channel blinding).
    Secp256k1Context();
    ~Secp256k1Context();
    Secp256k1Context(const Secp256k1Context &) = delete;
    Secp256k1Context &operator=(const Secp256k1Context &) = delete;

    // False only if libsodium or the context could not be set up; errorString() says why, and
    // every operation taking this context then fails with that error.
    bool isValid() const { return m_context != nullptr; }
    const QString &errorString() const { return m_errorString; }

    const secp256k1_context_struct *get() const { return m_context; }

private:
    secp256k1_context_struct *m_context = nullptr;
    QString m_errorString;
};

} // namespace afk::nostr
