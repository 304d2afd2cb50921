// The NIP-01 JSON string form used for event ids (and our compact event JSON).
#pragma once

#include <QByteArray>
#include <QStringView>

namespace afk::nostr
{

// Appends the quoted UTF-8 JSON string to out, exactly as NIP-01 (and JavaScript's JSON.stringify,
// which nostr-tools hashes) writes it: \" \\ \n \r \t \b \f escaped; every other character below
// 0x20 as \u00xx (lowercase hex); '/', DEL, U+2028/U+2029 and all other non-ASCII characters as
// UTF-8 bytes. A lone UTF-16 surrogate (possible in a QString, impossible in UTF-8) is written as
// \udxxx, as JSON.stringify does.
void appendJsonString(QByteArray &out, QStringView text);

// The same as a new byte array.
QByteArray quoteJsonString(QStringView text);

} // namespace afk::nostr
