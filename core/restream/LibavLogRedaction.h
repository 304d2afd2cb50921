// libav prints its own messages to stderr, and an RTMP failure may quote what the server said
// about the stream it was given. Once a push target exists, libav's log goes through a filter that
// replaces every registered secret (the stream keys of the push URLs) before it is printed.
#pragma once

#include <QString>

namespace afk::restream {

// Thread-safe; the first call installs the filter (as libav's log callback, for the process).
void redactFromLibavLog(const QString &secret);

} // namespace afk::restream
