// The value of one hexadecimal digit, for the HTTP parsers (percent-encoding, chunk sizes).
#pragma once

namespace afk::server {

// 0-15, or -1 for a character that is not a hex digit.
constexpr int hexDigitValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace afk::server
