// Hex text for keys, ids and signatures: lowercase out, strict in.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <optional>

namespace afk::nostr
{

// Lowercase hex of the bytes (what NIP-01 requires for ids, pubkeys and signatures).
QString hexEncode(QByteArrayView bytes);

// Decodes exactly outSize bytes from 2 * outSize lowercase hex characters into out. On failure
// returns false, leaves out zeroed and says why in *error (when given): wrong length, or the
// first character that is not [0-9a-f].
bool hexDecodeInto(QStringView hex, unsigned char *out, qsizetype outSize, QString *error);

// Same, accepting uppercase letters too: for keys a person typed or pasted.
bool hexDecodeIntoAnyCase(QStringView hex, unsigned char *out, qsizetype outSize, QString *error);

// Any even number of lowercase hex characters; nullopt (and *error) otherwise.
std::optional<QByteArray> hexDecode(QStringView hex, QString *error = nullptr);

} // namespace afk::nostr
