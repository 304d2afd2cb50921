// AMF0, the value encoding of RTMP's commands and metadata (Adobe's "Action Message Format --
// AMF 0" specification). Values map to QVariant: number → double, boolean → bool, string and
// long string → QString, object and ECMA array → QVariantMap, strict array → QVariantList,
// date → double (milliseconds), null and undefined → a null QVariant.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QVariant>

namespace afk::server {

class Amf0
{
public:
    // Every value in bytes, in order. False with the reason for a truncated value, a type this
    // decoder does not take (references, typed objects, AMF3 …) or nesting deeper than
    // maxNestingDepth. Never crashes on any input.
    static bool decodeAll(QByteArrayView bytes, QVariantList *values, QString *error);
    // Each value as AMF0, one after the other (see the mapping above).
    static QByteArray encode(const QVariantList &values);
    static void encodeValue(const QVariant &value, QByteArray *out);

    static constexpr int maxNestingDepth = 16;
};

} // namespace afk::server
