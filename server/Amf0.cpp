#include "Amf0.h"

#include "BigEndianAppend.h"

#include <QtEndian>
#include <cstring>

namespace afk::server {
namespace {

// Type markers of the AMF0 specification.
enum Marker : quint8 {
    NumberMarker = 0x00,
    BooleanMarker = 0x01,
    StringMarker = 0x02,
    ObjectMarker = 0x03,
    NullMarker = 0x05,
    UndefinedMarker = 0x06,
    EcmaArrayMarker = 0x08,
    ObjectEndMarker = 0x09,
    StrictArrayMarker = 0x0a,
    DateMarker = 0x0b,
    LongStringMarker = 0x0c,
};

class Reader
{
public:
    explicit Reader(QByteArrayView bytes) : m_bytes(bytes) {}

    bool atEnd() const { return m_offset >= m_bytes.size(); }
    const QString &error() const { return m_error; }

    bool readValue(QVariant *value, int depth)
    {
        if (depth > Amf0::maxNestingDepth)
            return fail(QStringLiteral("values nested deeper than %1").arg(Amf0::maxNestingDepth));
        quint8 marker = 0;
        if (!readU8(&marker))
            return false;
        switch (marker) {
        case NumberMarker:
        case DateMarker: {
            double number = 0;
            if (!readDouble(&number))
                return false;
            if (marker == DateMarker && !skip(2)) // the time zone, unused by the specification
                return false;
            *value = number;
            return true;
        }
        case BooleanMarker: {
            quint8 flag = 0;
            if (!readU8(&flag))
                return false;
            *value = flag != 0;
            return true;
        }
        case StringMarker:
        case LongStringMarker: {
            QString text;
            if (!readString(marker == LongStringMarker ? 4 : 2, &text))
                return false;
            *value = text;
            return true;
        }
        case ObjectMarker:
        case EcmaArrayMarker: {
            // The ECMA array's count is a hint only; both end with the empty key and 0x09.
            if (marker == EcmaArrayMarker && !skip(4))
                return false;
            QVariantMap map;
            if (!readProperties(&map, depth))
                return false;
            *value = map;
            return true;
        }
        case NullMarker:
        case UndefinedMarker:
            *value = QVariant();
            return true;
        case StrictArrayMarker: {
            quint32 count = 0;
            if (!readU32(&count))
                return false;
            // Each value takes at least one byte: a count past the bytes left is a lie.
            if (count > quint32(m_bytes.size() - m_offset))
                return fail(QStringLiteral("strict array of %1 values in %2 bytes")
                                .arg(count)
                                .arg(m_bytes.size() - m_offset));
            QVariantList list;
            for (quint32 i = 0; i < count; ++i) {
                QVariant item;
                if (!readValue(&item, depth + 1))
                    return false;
                list << item;
            }
            *value = list;
            return true;
        }
        default:
            return fail(QStringLiteral("unsupported AMF0 type 0x%1 at byte %2")
                            .arg(marker, 2, 16, QLatin1Char('0'))
                            .arg(m_offset - 1));
        }
    }

private:
    bool fail(const QString &reason)
    {
        if (m_error.isEmpty())
            m_error = reason;
        return false;
    }
    bool need(qsizetype count)
    {
        if (m_bytes.size() - m_offset < count)
            return fail(QStringLiteral("AMF0 value truncated at byte %1").arg(m_offset));
        return true;
    }
    bool skip(qsizetype count)
    {
        if (!need(count))
            return false;
        m_offset += count;
        return true;
    }
    bool readU8(quint8 *value)
    {
        if (!need(1))
            return false;
        *value = quint8(m_bytes[m_offset++]);
        return true;
    }
    bool readU32(quint32 *value)
    {
        if (!need(4))
            return false;
        *value = qFromBigEndian<quint32>(m_bytes.data() + m_offset);
        m_offset += 4;
        return true;
    }
    bool readDouble(double *value)
    {
        if (!need(8))
            return false;
        const quint64 bits = qFromBigEndian<quint64>(m_bytes.data() + m_offset);
        std::memcpy(value, &bits, sizeof bits);
        m_offset += 8;
        return true;
    }
    bool readString(int lengthBytes, QString *text)
    {
        if (!need(lengthBytes))
            return false;
        const quint32 length = lengthBytes == 2
                                   ? qFromBigEndian<quint16>(m_bytes.data() + m_offset)
                                   : qFromBigEndian<quint32>(m_bytes.data() + m_offset);
        m_offset += lengthBytes;
        if (!need(qsizetype(length)))
            return false;
        *text = QString::fromUtf8(m_bytes.sliced(m_offset, qsizetype(length)));
        m_offset += qsizetype(length);
        return true;
    }
    bool readProperties(QVariantMap *map, int depth)
    {
        while (true) {
            QString key;
            if (!readString(2, &key))
                return false;
            if (key.isEmpty()) {
                quint8 end = 0;
                if (!readU8(&end))
                    return false;
                if (end != ObjectEndMarker)
                    return fail(QStringLiteral("object property without a name"));
                return true;
            }
            QVariant value;
            if (!readValue(&value, depth + 1))
                return false;
            map->insert(key, value);
        }
    }

    QByteArrayView m_bytes;
    qsizetype m_offset = 0;
    QString m_error;
};

void appendString(QByteArray *out, const QString &text, bool withMarker)
{
    const QByteArray utf8 = text.toUtf8();
    if (utf8.size() > 0xffff) {
        if (withMarker)
            out->append(char(LongStringMarker));
        appendU32(out, quint32(utf8.size()));
    } else {
        if (withMarker)
            out->append(char(StringMarker));
        appendU16(out, quint16(utf8.size()));
    }
    out->append(utf8);
}

} // namespace

bool Amf0::decodeAll(QByteArrayView bytes, QVariantList *values, QString *error)
{
    Reader reader(bytes);
    while (!reader.atEnd()) {
        QVariant value;
        if (!reader.readValue(&value, 0)) {
            *error = reader.error();
            return false;
        }
        values->append(value);
    }
    return true;
}

void Amf0::encodeValue(const QVariant &value, QByteArray *out)
{
    switch (value.typeId()) {
    case QMetaType::Bool:
        out->append(char(BooleanMarker));
        out->append(char(value.toBool() ? 1 : 0));
        return;
    case QMetaType::QString:
        appendString(out, value.toString(), true);
        return;
    case QMetaType::QVariantMap: {
        out->append(char(ObjectMarker));
        const QVariantMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            const QByteArray key = it.key().toUtf8().left(0xffff);
            appendU16(out, quint16(key.size()));
            out->append(key);
            encodeValue(it.value(), out);
        }
        appendU16(out, 0);
        out->append(char(ObjectEndMarker));
        return;
    }
    case QMetaType::QVariantList: {
        out->append(char(StrictArrayMarker));
        const QVariantList list = value.toList();
        appendU32(out, quint32(list.size()));
        for (const QVariant &item : list)
            encodeValue(item, out);
        return;
    }
    case QMetaType::Double:
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong: {
        out->append(char(NumberMarker));
        const double number = value.toDouble();
        quint64 bits = 0;
        std::memcpy(&bits, &number, sizeof bits);
        char bytes[8];
        qToBigEndian(bits, bytes);
        out->append(bytes, 8);
        return;
    }
    default:
        out->append(char(NullMarker));
        return;
    }
}

QByteArray Amf0::encode(const QVariantList &values)
{
    QByteArray out;
    for (const QVariant &value : values)
        encodeValue(value, &out);
    return out;
}

} // namespace afk::server
