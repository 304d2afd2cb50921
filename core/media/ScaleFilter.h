// The resampling filter that makes each rung's picture from the decoded source (`--scaler`).
#pragma once

#include <QString>
#include <QStringList>

namespace afk::media {

// Chosen by measurement. swscale alone, 720p source (30 frames of testsrc2 with noise), one
// thread; PSNR of Y, U and V against swscale's lanczos and, as a reference that is none of the
// candidates, its windowed sinc (the ideal low-pass); CPU for both rungs:
//   filter, made from      vs lanczos 480p/360p   vs sinc 480p/360p   ms/frame
//   bilinear, rung above       44.1 / 39.6           40.6 / 38.0         1.13  (the old ladder)
//   area, source               45.4 / 44.6           41.4 / 42.4         0.93
//   bicubic, rung above        53.7 / 48.7           43.9 / 43.9         1.18
//   bicubic, source            53.7 / 53.9           43.9 / 45.4         1.33  (ffmpeg program)
//   lanczos, rung above         ref / 55.6           45.5 / 47.0         1.87
//   lanczos, source             ref / ref            45.5 / 47.5         2.82
// After x264 (tests/bench/ladder-bench.sh, README) lanczos from the source is 0.05 dB above the
// ffmpeg program at 480p and 360p and bicubic equal to it; the extra 1.5 ms a frame is under 1 %
// of the ladder's CPU (0.95x the ffmpeg program's). So every rung is scaled from the source (a
// cascade adds each step's error to save under 1 ms), with lanczos by default.
enum class ScaleFilter { Bicubic, Lanczos, Bilinear, Area };

constexpr ScaleFilter defaultScaleFilter = ScaleFilter::Lanczos;

// "bicubic", "lanczos", "bilinear", "area".
QString scaleFilterName(ScaleFilter filter);
QStringList scaleFilterNames();
// False (and *filter untouched) for a name that is not one of scaleFilterNames().
bool parseScaleFilter(const QString &name, ScaleFilter *filter);

} // namespace afk::media
