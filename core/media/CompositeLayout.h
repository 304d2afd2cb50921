// What a CompositeSource shows: its main input full-frame with the overlay input (the camera) as
// picture-in-picture in a corner, either input alone, or colour bars. A value type; the geometry
// is computed here so the compositor and its tests agree on it.
#pragma once

#include <QRect>
#include <QString>
#include <QStringList>
#include <memory>
#include <mutex>

namespace afk::media {

struct CompositeLayout {
    enum class Scene { PictureInPicture, MainOnly, OverlayOnly, TestPattern };
    enum class Corner { TopLeft, TopRight, BottomLeft, BottomRight };

    static constexpr double minimumOverlayWidth = 0.05;
    static constexpr double maximumOverlayWidth = 0.9;

    Scene scene = Scene::PictureInPicture;
    Corner corner = Corner::BottomRight;
    double overlayWidth = 0.25; // of the output's width
    double margin = 0.02;       // between the overlay and the output's edges, of its width

    // "CORNER[,SIZE]" (the value of --camera-overlay; empty: bottom-right, 25 %): CORNER one of
    // cornerNames(), SIZE a fraction of the output's width from 0.05 to 0.9. False with *error
    // (and *layout untouched) otherwise.
    static bool parseOverlay(const QString &text, CompositeLayout *layout, QString *error);
    static QStringList cornerNames(); // "top-left", "top-right", "bottom-left", "bottom-right"
    static QStringList sceneNames();  // "picture-in-picture", "main", "overlay", "test-pattern"
    static bool parseScene(const QString &name, Scene *scene);
    static QString sceneName(Scene scene);
    static QString cornerName(Corner corner);

    // "picture-in-picture bottom-right 25%", "main", …
    QString description() const;
    // Where the overlay goes in an output of outputSize, keeping the overlay's aspect ratio;
    // even coordinates and sizes (4:2:0 chroma), inside the output.
    QRect overlayRect(QSize outputSize, QSize overlaySize) const;
    // The largest rectangle of inputSize's aspect ratio centred in outputSize (letterboxed or
    // pillarboxed), even coordinates and sizes.
    static QRect fittedRect(QSize outputSize, QSize inputSize);

    bool operator==(const CompositeLayout &) const = default;
};

// The layout a running compositor reads at each output frame and a face changes while live:
// shared by both, so either may go away first.
class SharedLayout
{
public:
    explicit SharedLayout(const CompositeLayout &layout) : m_layout(layout) {}

    void set(const CompositeLayout &layout)
    {
        std::lock_guard lock(m_mutex);
        m_layout = layout;
    }
    CompositeLayout get() const
    {
        std::lock_guard lock(m_mutex);
        return m_layout;
    }

private:
    mutable std::mutex m_mutex;
    CompositeLayout m_layout;
};

using SharedLayoutPtr = std::shared_ptr<SharedLayout>;

} // namespace afk::media
