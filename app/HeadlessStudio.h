// The studio without a GUI: drives the Studio core from the command line's options, prints the
// URLs and status lines to stdout/stderr, and turns the end of the run into an exit code.
#pragma once

#include "CommandLine.h"

#include <QObject>
#include <QTimer>
#include <memory>

namespace afk::media {
class MediaSource;
}
namespace afk::session {
class Stream;
}
namespace afk::restream {
class Restreamer;
}
namespace afk::studio {
class Studio;
}

namespace afk::app {

class HeadlessStudio : public QObject
{
    Q_OBJECT
public:
    explicit HeadlessStudio(StudioOptions options, QObject *parent = nullptr);
    ~HeadlessStudio() override;

    // Sets everything up; false with a one-line *error (exit code 2) when it cannot.
    bool start(QString *error);
    // Ends every stream cleanly; exitRequested() follows.
    void shutDown();

signals:
    void exitRequested(int exitCode);

private:
    std::unique_ptr<media::MediaSource> makeSource(QString *error) const;
    void printPlaybackUrls(const session::Stream &stream) const;
    void printStats();
    void watchRestreaming(restream::Restreamer &restreamer);

    StudioOptions m_options;
    std::unique_ptr<studio::Studio> m_studio;
    QTimer m_statsTimer;
    int m_exitCode = 0;
};

} // namespace afk::app
