// The source a studio run streams, built from its options: --source alone, or composed
// (media::CompositeSource) with a picture-in-picture overlay (--camera-overlay, --overlay-source)
// and/or a microphone (--mic) beside a source that has none of its own. Call on the Qt event
// loop's thread: cameras and microphones live there.
#pragma once

#include "StudioOptions.h"

#include <memory>

namespace afk::media {
class MediaSource;
}

namespace afk::studio {

// Null with *error for a source that cannot be made (an unreadable file, a bad screen region);
// null with no error for --source none. Device errors (no camera, no microphone) come from the
// source's open(), i.e. when the stream starts.
std::unique_ptr<media::MediaSource> makeStudioSource(const StudioOptions &options, QString *error);

// Whether text names a picture source for --overlay-source: test-pattern, camera[:ID],
// screen[:DISPLAY[+X,Y,WxH]] or file:PATH. False with *error otherwise.
bool isOverlaySourceName(const QString &text, QString *error);

} // namespace afk::studio
