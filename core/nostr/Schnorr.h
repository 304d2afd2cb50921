// BIP-340 Schnorr verification against an x-only public key (signing lives in KeyPair).
#pragma once

#include "PublicKey.h"
#include "Signature.h"

#include <QByteArrayView>
#include <QString>

namespace afk::nostr
{

class Secp256k1Context;

// True when the key is the x coordinate of a curve point (BIP-340 lift_x succeeds).
bool isValidPublicKey(const Secp256k1Context &context, const PublicKey &publicKey);

// BIP-340 verification of a message of any length (Nostr signs the 32-byte event id). False, with
// the reason in *error, for an invalid context, a public key that is not on the curve, or a
// signature that does not verify.
bool verifySchnorr(const Secp256k1Context &context, const PublicKey &publicKey,
                   QByteArrayView message, const Signature &signature, QString *error = nullptr);

} // namespace afk::nostr
