// Anything libavformat reads, decoded once; paced at its native rate like a live source, or as
// fast as the pipeline takes it (not real time).
#pragma once

#include "DemuxDecoder.h"
#include "MediaSource.h"

namespace afk::media {

class FileSource : public MediaSource
{
public:
    FileSource(QString path, bool isRealtime);

    bool open(QString *error) override;
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

private:
    QString m_path;
    bool m_isRealtime;
    SourceInfo m_info;
    DemuxDecoder m_decoder;
};

} // namespace afk::media
