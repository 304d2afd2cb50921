#include "CompositeLayout.h"

#include <algorithm>
#include <cmath>

namespace afk::media {
namespace {

// Down to an even number: 4:2:0 chroma covers 2x2 luma pixels.
int even(double value)
{
    return int(std::floor(value / 2)) * 2;
}

const QStringList &corners()
{
    static const QStringList names{QStringLiteral("top-left"), QStringLiteral("top-right"),
                                   QStringLiteral("bottom-left"), QStringLiteral("bottom-right")};
    return names;
}

const QStringList &scenes()
{
    static const QStringList names{QStringLiteral("picture-in-picture"), QStringLiteral("main"),
                                   QStringLiteral("overlay"), QStringLiteral("test-pattern")};
    return names;
}

} // namespace

QStringList CompositeLayout::cornerNames()
{
    return corners();
}

QStringList CompositeLayout::sceneNames()
{
    return scenes();
}

QString CompositeLayout::cornerName(Corner corner)
{
    return corners().value(int(corner));
}

QString CompositeLayout::sceneName(Scene scene)
{
    return scenes().value(int(scene));
}

bool CompositeLayout::parseScene(const QString &name, Scene *scene)
{
    const qsizetype index = scenes().indexOf(name);
    if (index < 0)
        return false;
    *scene = Scene(index);
    return true;
}

bool CompositeLayout::parseOverlay(const QString &text, CompositeLayout *layout, QString *error)
{
    CompositeLayout parsed = *layout;
    parsed.scene = Scene::PictureInPicture;
    if (text.isEmpty()) {
        *layout = parsed;
        return true;
    }
    const QStringList parts = text.split(u',');
    const qsizetype corner = corners().indexOf(parts[0]);
    if (parts.size() > 2 || corner < 0) {
        *error = QStringLiteral("'%1' is not CORNER[,SIZE] with CORNER one of %2 (e.g. "
                                "top-left,0.3)")
                     .arg(text.left(80), corners().join(u' '));
        return false;
    }
    parsed.corner = Corner(corner);
    if (parts.size() == 2) {
        bool isNumber = false;
        const double width = parts[1].toDouble(&isNumber);
        if (!isNumber || !(width >= minimumOverlayWidth && width <= maximumOverlayWidth)) {
            *error = QStringLiteral("the size '%1' is not a fraction of the picture's width from "
                                    "%2 to %3")
                         .arg(parts[1].left(40))
                         .arg(minimumOverlayWidth)
                         .arg(maximumOverlayWidth);
            return false;
        }
        parsed.overlayWidth = width;
    }
    *layout = parsed;
    return true;
}

QString CompositeLayout::description() const
{
    if (scene != Scene::PictureInPicture)
        return sceneName(scene);
    return QStringLiteral("%1 %2 %3%")
        .arg(sceneName(scene), cornerName(corner))
        .arg(qRound(overlayWidth * 100));
}

QRect CompositeLayout::overlayRect(QSize outputSize, QSize overlaySize) const
{
    if (outputSize.isEmpty() || overlaySize.isEmpty())
        return {};
    const double fraction = std::clamp(overlayWidth, minimumOverlayWidth, maximumOverlayWidth);
    const int gap = even(outputSize.width() * std::clamp(margin, 0.0, 0.2));
    int width = std::max(2, even(outputSize.width() * fraction));
    int height = std::max(2, even(double(width) * overlaySize.height() / overlaySize.width()));
    // A tall overlay must still fit: shrink it to the output's height, aspect kept.
    if (height > outputSize.height() - 2 * gap) {
        height = std::max(2, even(outputSize.height() - 2 * gap));
        width = std::max(2, even(double(height) * overlaySize.width() / overlaySize.height()));
    }
    const bool isLeft = corner == Corner::TopLeft || corner == Corner::BottomLeft;
    const bool isTop = corner == Corner::TopLeft || corner == Corner::TopRight;
    const int x = isLeft ? gap : even(outputSize.width() - gap - width);
    const int y = isTop ? gap : even(outputSize.height() - gap - height);
    return QRect(std::max(0, x), std::max(0, y), width, height);
}

QRect CompositeLayout::fittedRect(QSize outputSize, QSize inputSize)
{
    if (outputSize.isEmpty() || inputSize.isEmpty())
        return {};
    const double scale = std::min(double(outputSize.width()) / inputSize.width(),
                                  double(outputSize.height()) / inputSize.height());
    // Within a pixel of the output's size is the output's size: no one-pixel black edges.
    int width = even(inputSize.width() * scale + 1);
    int height = even(inputSize.height() * scale + 1);
    width = std::clamp(width, 2, even(outputSize.width()));
    height = std::clamp(height, 2, even(outputSize.height()));
    return QRect(even((outputSize.width() - width) / 2.0),
                 even((outputSize.height() - height) / 2.0), width, height);
}

} // namespace afk::media
