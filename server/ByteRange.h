// The single byte range of a Range request header (RFC 9110 §14), as Safari and AVPlayer ask
// for segments. Several ranges, other units and malformed values are ignored (the whole body is
// sent, which RFC 9110 allows); a range starting past the end is unsatisfiable (416).
#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace afk::server
{

struct ByteRange {
    enum class Kind {
        Whole,         // no usable Range: 200 with the whole body
        Partial,       // 206 with [first, first + length)
        Unsatisfiable, // 416 with Content-Range: bytes */size
    };
    Kind kind = Kind::Whole;
    qint64 first = 0;
    qint64 length = 0;

    // header: the Range field's value (empty when absent); size: the body's full length.
    static ByteRange parse(QByteArrayView header, qint64 size);
};

} // namespace afk::server
