// Audio packets held back until the video reaches them, so that a muxer gets both streams in time
// order and a segment or part holds the sound of its own frames. The audio is encoded ahead of
// the video (x264 holds frames for its lookahead), so the packagers (TS and CMAF) each keep one.
#pragma once

#include "LibavPtr.h"

#include <deque>

extern "C" {
#include <libavutil/mathematics.h>
}

namespace afk::media {

class HeldAudio
{
public:
    // If the video stalls (it should not), audio older than this goes out anyway.
    static constexpr qint64 maxHeldSeconds = 10;

    // audio: the time base of the packets pushed (the muxer's audio stream); video: the one
    // writeUntil's times are in.
    void setTimeBases(AVRational audio, AVRational video)
    {
        m_audioTimeBase = audio;
        m_videoTimeBase = video;
    }

    void push(PacketPtr packet) { m_packets.push_back(std::move(packet)); }
    bool isEmpty() const { return m_packets.empty(); }

    // Hands write(AVPacket &) -> bool every held packet up to videoTime (with one at exactly
    // videoTime only when isInclusive), oldest first; stops at the first write that fails.
    template <typename Write>
    bool writeUntil(qint64 videoTime, bool isInclusive, Write &&write)
    {
        while (!m_packets.empty()) {
            AVPacket &audio = *m_packets.front();
            const int order =
                av_compare_ts(audio.pts, m_audioTimeBase, videoTime, m_videoTimeBase);
            if (order > 0 || (order == 0 && !isInclusive))
                break;
            if (!write(audio))
                return false;
            m_packets.pop_front();
        }
        return true;
    }

    template <typename Write>
    bool writeAll(Write &&write)
    {
        while (!m_packets.empty()) {
            if (!write(*m_packets.front()))
                return false;
            m_packets.pop_front();
        }
        return true;
    }

    // The oldest packet while the held audio spans more than maxHeldSeconds, else null: the
    // caller writes it (or drops it, when it has nowhere to go yet) and asks again.
    PacketPtr takeOverflowing()
    {
        if (m_packets.size() < 2
            || av_compare_ts(m_packets.back()->pts - m_packets.front()->pts, m_audioTimeBase,
                             maxHeldSeconds, AVRational{1, 1})
                   <= 0)
            return nullptr;
        PacketPtr oldest = std::move(m_packets.front());
        m_packets.pop_front();
        return oldest;
    }

private:
    std::deque<PacketPtr> m_packets;
    AVRational m_audioTimeBase{1, 1};
    AVRational m_videoTimeBase{1, 1};
};

} // namespace afk::media
