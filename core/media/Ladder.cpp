#include "Ladder.h"

#include <QRegularExpression>
#include <algorithm>
#include <cmath>

namespace afk::media {
namespace {

Rendition renditionFor(int height, int videoBitrateKbps)
{
    Rendition rendition;
    rendition.name = QStringLiteral("%1p").arg(height);
    rendition.height = height;
    rendition.videoBitrateKbps = videoBitrateKbps;
    // 10 % headroom over the average and a two-second buffer: one segment's worth, so a
    // segment never needs much more than maxrate × duration.
    rendition.maxBitrateKbps = videoBitrateKbps * 11 / 10;
    rendition.bufferSizeKbits = videoBitrateKbps * 2;
    return rendition;
}

int evenAtLeastTwo(double value)
{
    return std::max(2, int(std::lround(value / 2.0)) * 2);
}

} // namespace

const QList<RenditionPreset> &renditionPresets()
{
    static const QList<RenditionPreset> presets = {
        {1080, 5000}, {720, 2500}, {480, 1500}, {360, 800}, {240, 400}};
    return presets;
}

QList<Rendition> parseLadder(const QString &text, QString *error)
{
    QList<Rendition> ladder;
    const QStringList names = text.split(u',', Qt::SkipEmptyParts);
    if (names.isEmpty()) {
        *error = QStringLiteral("the ladder is empty; give rungs like 720p,480p,360p");
        return {};
    }
    for (const QString &rawName : names) {
        const QString name = rawName.trimmed().toLower();
        const auto preset = std::find_if(
            renditionPresets().begin(), renditionPresets().end(),
            [&](const RenditionPreset &p) { return name == QStringLiteral("%1p").arg(p.height); });
        if (preset == renditionPresets().end()) {
            QStringList known;
            for (const RenditionPreset &p : renditionPresets())
                known << QStringLiteral("%1p").arg(p.height);
            *error = QStringLiteral("unknown rung '%1' (known: %2)").arg(name, known.join(u','));
            return {};
        }
        const bool duplicate = std::any_of(ladder.begin(), ladder.end(), [&](const Rendition &r) {
            return r.height == preset->height;
        });
        if (duplicate) {
            *error = QStringLiteral("rung '%1' is listed twice").arg(name);
            return {};
        }
        ladder << renditionFor(preset->height, preset->videoBitrateKbps);
    }
    std::sort(ladder.begin(), ladder.end(),
              [](const Rendition &a, const Rendition &b) { return a.height > b.height; });
    return ladder;
}

QList<Rendition> fitLadderToSource(const QList<Rendition> &ladder, int sourceWidth,
                                   int sourceHeight)
{
    QList<Rendition> fitted;
    if (ladder.isEmpty() || sourceWidth <= 0 || sourceHeight <= 0)
        return fitted;
    const double aspect = double(sourceWidth) / sourceHeight;
    for (Rendition rendition : ladder) {
        if (rendition.height > sourceHeight)
            continue;
        rendition.width = evenAtLeastTwo(rendition.height * aspect);
        fitted << rendition;
    }
    if (fitted.isEmpty()) {
        // Too small for every rung: one rendition at the source's own (even) size, with the
        // lowest rung's bitrate scaled by area.
        const Rendition &lowest = ladder.last();
        const int height = evenAtLeastTwo(sourceHeight);
        const double areaRatio = double(height) / lowest.height;
        Rendition rendition = renditionFor(
            height, std::max(100, int(lowest.videoBitrateKbps * areaRatio * areaRatio)));
        rendition.width = evenAtLeastTwo(sourceWidth);
        fitted << rendition;
    }
    return fitted;
}

QString ladderToText(const QList<Rendition> &ladder)
{
    QStringList names;
    for (const Rendition &rendition : ladder)
        names << rendition.name;
    return names.join(u',');
}

} // namespace afk::media
