#include "ScaleFilter.h"

#include <array>
#include <utility>

namespace afk::media {
namespace {

constexpr std::array<std::pair<ScaleFilter, const char *>, 4> filterNames = {{
    {ScaleFilter::Bicubic, "bicubic"},
    {ScaleFilter::Lanczos, "lanczos"},
    {ScaleFilter::Bilinear, "bilinear"},
    {ScaleFilter::Area, "area"},
}};

} // namespace

QString scaleFilterName(ScaleFilter filter)
{
    for (const auto &[known, name] : filterNames)
        if (known == filter)
            return QString::fromLatin1(name);
    return {};
}

QStringList scaleFilterNames()
{
    QStringList names;
    for (const auto &entry : filterNames)
        names << QString::fromLatin1(entry.second);
    return names;
}

bool parseScaleFilter(const QString &name, ScaleFilter *filter)
{
    for (const auto &[known, knownName] : filterNames) {
        if (name == QLatin1String(knownName)) {
            *filter = known;
            return true;
        }
    }
    return false;
}

} // namespace afk::media
