#include "AudioLevel.h"

extern "C" {
#include <libavutil/samplefmt.h>
}

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace afk::media {
namespace {

// Sample i of a plane as a value in [-1, 1].
template <typename Sample> double normalised(const uint8_t *plane, int index);

template <> double normalised<uint8_t>(const uint8_t *plane, int index)
{
    return (plane[index] - 128) / 128.0;
}
template <> double normalised<int16_t>(const uint8_t *plane, int index)
{
    int16_t sample;
    std::memcpy(&sample, plane + index * sizeof sample, sizeof sample);
    return sample / 32768.0;
}
template <> double normalised<int32_t>(const uint8_t *plane, int index)
{
    int32_t sample;
    std::memcpy(&sample, plane + index * sizeof sample, sizeof sample);
    return sample / 2147483648.0;
}
template <> double normalised<float>(const uint8_t *plane, int index)
{
    float sample;
    std::memcpy(&sample, plane + index * sizeof sample, sizeof sample);
    return sample;
}
template <> double normalised<double>(const uint8_t *plane, int index)
{
    double sample;
    std::memcpy(&sample, plane + index * sizeof sample, sizeof sample);
    return sample;
}

template <typename Sample>
void accumulate(const AVFrame &frame, bool isPlanar, int channels, double *peak, double *sumSquares)
{
    const int planes = isPlanar ? channels : 1;
    const int samplesPerPlane = isPlanar ? frame.nb_samples : frame.nb_samples * channels;
    for (int plane = 0; plane < planes; ++plane) {
        const uint8_t *data = frame.extended_data[plane];
        for (int index = 0; index < samplesPerPlane; ++index) {
            const double value = normalised<Sample>(data, index);
            *peak = std::max(*peak, std::abs(value));
            *sumSquares += value * value;
        }
    }
}

} // namespace

double amplitudeToDbfs(double amplitude)
{
    if (amplitude <= 0)
        return AudioLevel::silenceDbfs;
    return std::max(AudioLevel::silenceDbfs, 20.0 * std::log10(amplitude));
}

bool measureAudioLevel(const AVFrame &frame, AudioLevel *level)
{
    const int channels = frame.ch_layout.nb_channels;
    if (channels < 1 || frame.nb_samples < 1 || !frame.extended_data)
        return false;
    const auto format = AVSampleFormat(frame.format);
    const bool isPlanar = av_sample_fmt_is_planar(format);
    double peak = 0;
    double sumSquares = 0;
    switch (av_get_packed_sample_fmt(format)) {
    case AV_SAMPLE_FMT_U8:
        accumulate<uint8_t>(frame, isPlanar, channels, &peak, &sumSquares);
        break;
    case AV_SAMPLE_FMT_S16:
        accumulate<int16_t>(frame, isPlanar, channels, &peak, &sumSquares);
        break;
    case AV_SAMPLE_FMT_S32:
        accumulate<int32_t>(frame, isPlanar, channels, &peak, &sumSquares);
        break;
    case AV_SAMPLE_FMT_FLT:
        accumulate<float>(frame, isPlanar, channels, &peak, &sumSquares);
        break;
    case AV_SAMPLE_FMT_DBL:
        accumulate<double>(frame, isPlanar, channels, &peak, &sumSquares);
        break;
    default:
        return false;
    }
    level->peakDbfs = amplitudeToDbfs(peak);
    level->rmsDbfs = amplitudeToDbfs(std::sqrt(sumSquares / (double(frame.nb_samples) * channels)));
    return true;
}

} // namespace afk::media
