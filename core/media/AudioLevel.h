// The level of a block of sound for the studio's audio meter: its sample peak and RMS in dBFS
// (0 = full scale), over every channel, from decoded audio of any libav sample format.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

namespace afk::media {

struct AudioLevel {
    static constexpr double silenceDbfs = -96.0; // the floor reported for digital silence
    double peakDbfs = silenceDbfs;
    double rmsDbfs = silenceDbfs;
};

// False when frame's sample format is not one this knows (the level is left as it was).
bool measureAudioLevel(const AVFrame &frame, AudioLevel *level);

// 20·log10(amplitude), floored at AudioLevel::silenceDbfs.
double amplitudeToDbfs(double amplitude);

} // namespace afk::media
