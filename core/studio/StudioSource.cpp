#include "StudioSource.h"

#include "CameraSource.h"
#include "CompositeSource.h"
#include "FileSource.h"
#include "MicrophoneSource.h"
#include "ScreenSource.h"
#include "TestPatternSource.h"

#include <QFileInfo>

namespace afk::studio {
namespace {

std::unique_ptr<media::MediaSource> makeFileSource(const QString &path, bool isRealtime,
                                                   QString *error)
{
    if (!QFileInfo(path).isReadable()) {
        *error = QStringLiteral("cannot read %1: no such readable file").arg(path);
        return nullptr;
    }
    return std::make_unique<media::FileSource>(path, isRealtime);
}

std::unique_ptr<media::MediaSource> makeScreenSource(const QString &spec, QString *error)
{
    media::ScreenRegion region;
    if (!media::ScreenRegion::parse(spec, &region, error))
        return nullptr;
    return std::make_unique<media::ScreenSource>(region);
}

std::unique_ptr<media::MediaSource> makeMainSource(const StudioOptions &options, QString *error)
{
    using Kind = StudioOptions::SourceKind;
    switch (options.sourceKind) {
    case Kind::TestPattern:
        return std::make_unique<media::TestPatternSource>();
    case Kind::File:
        return makeFileSource(options.sourceFile, options.isRealtime, error);
    case Kind::Camera:
        return std::make_unique<media::CameraSource>(options.cameraId, options.isMicrophoneUsed,
                                                     options.microphoneId);
    case Kind::Screen:
        return makeScreenSource(options.screenSpec, error);
    case Kind::None:
    case Kind::Invalid:
        break;
    }
    return nullptr;
}

std::unique_ptr<media::MediaSource> makeOverlaySource(const StudioOptions &options, QString *error)
{
    const QString &name = options.overlaySource;
    if (name.isEmpty())
        return std::make_unique<media::CameraSource>(options.overlayCameraId);
    if (name == u"test-pattern")
        return std::make_unique<media::TestPatternSource>();
    if (name == u"camera" || name.startsWith(u"camera:"))
        return std::make_unique<media::CameraSource>(name.mid(7).toUtf8());
    if (name == u"screen" || name.startsWith(u"screen:"))
        return makeScreenSource(name.mid(7), error);
    if (name.startsWith(u"file:") && name.size() > 5)
        return makeFileSource(name.mid(5), true, error);
    *error = QStringLiteral("--overlay-source: '%1' is not a picture source").arg(name.left(80));
    return nullptr;
}

} // namespace

bool isOverlaySourceName(const QString &text, QString *error)
{
    if (text == u"test-pattern" || text == u"camera" || text.startsWith(u"camera:") ||
        (text.startsWith(u"file:") && text.size() > 5))
        return true;
    if (text == u"screen" || text.startsWith(u"screen:")) {
        media::ScreenRegion region;
        return media::ScreenRegion::parse(text.mid(7), &region, error);
    }
    *error = QStringLiteral("'%1' is not test-pattern, camera[:ID], screen[:DISPLAY[+X,Y,WxH]] or "
                            "file:PATH")
                 .arg(text.left(80));
    return false;
}

std::unique_ptr<media::MediaSource> makeStudioSource(const StudioOptions &options, QString *error)
{
    std::unique_ptr<media::MediaSource> main = makeMainSource(options, error);
    if (!main)
        return nullptr;
    // A camera brings its microphone itself; other sources get it composed beside them.
    const bool isMicrophoneComposed =
        options.isMicrophoneUsed && options.sourceKind != StudioOptions::SourceKind::Camera;
    if (!options.isOverlayUsed && !isMicrophoneComposed)
        return main;
    std::unique_ptr<media::MediaSource> overlay;
    if (options.isOverlayUsed) {
        overlay = makeOverlaySource(options, error);
        if (!overlay)
            return nullptr;
    }
    std::unique_ptr<media::MediaSource> sound;
    if (isMicrophoneComposed)
        sound = std::make_unique<media::MicrophoneSource>(options.microphoneId);
    return std::make_unique<media::CompositeSource>(std::move(main), std::move(overlay),
                                                    std::move(sound), options.layout);
}

} // namespace afk::studio
