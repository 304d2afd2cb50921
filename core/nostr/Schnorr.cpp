#include "Schnorr.h"

#include "Secp256k1Context.h"

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

} // namespace

bool isValidPublicKey(const Secp256k1Context &context, const PublicKey &publicKey)
{
    secp256k1_xonly_pubkey xonly;
    return context.isValid() &&
           secp256k1_xonly_pubkey_parse(context.get(), &xonly, publicKey.data()) == 1;
}

bool verifySchnorr(const Secp256k1Context &context, const PublicKey &publicKey,
                   QByteArrayView message, const Signature &signature, QString *error)
{
    if (!context.isValid()) {
        setError(error, context.errorString());
        return false;
    }
    secp256k1_xonly_pubkey xonly;
    if (secp256k1_xonly_pubkey_parse(context.get(), &xonly, publicKey.data()) != 1) {
        setError(error, QStringLiteral("the public key is not a point on secp256k1"));
        return false;
    }
    const auto *bytes = reinterpret_cast<const unsigned char *>(message.data());
    if (secp256k1_schnorrsig_verify(context.get(), signature.data(), bytes, size_t(message.size()),
                                    &xonly) != 1) {
        setError(error, QStringLiteral("the signature does not verify"));
        return false;
    }
    return true;
}

} // namespace afk::nostr
