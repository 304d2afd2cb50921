// The resampling filter that makes each rung's picture from the decoded source (`--scaler`).
#pragma once

#include <QString>
#include <QStringList>

namespace afk::media {

// Chosen by measurement (tests/bench/ladder-bench.sh; 720p source, 30 frames of testsrc2 with
// noise, scaled by swscale, single thread, PSNR of all planes against swscale lanczos):
//   filter, from         480p dB  360p dB  CPU ms/frame for both rungs
//   bilinear cascade      44.1     39.6     1.13   (what the ladder did before)
//   bilinear direct       44.1     42.7     0.96
//   area     direct       45.4     44.6     0.93
//   bicubic  cascade      53.7     48.7     1.18
//   bicubic  direct       53.7     53.9     1.33   (what the ffmpeg program does)
//   lanczos  direct        ref      ref     2.82
// Each rung is scaled straight from the source: a cascade step compounds the blur of the step
// above it and is not cheaper for bicubic. Bicubic direct is the default; see README's benchmark.
enum class ScaleFilter { Bicubic, Lanczos, Bilinear, Area };

constexpr ScaleFilter defaultScaleFilter = ScaleFilter::Bicubic;

// "bicubic", "lanczos", "bilinear", "area".
QString scaleFilterName(ScaleFilter filter);
QStringList scaleFilterNames();
// False (and *filter untouched) for a name that is not one of scaleFilterNames().
bool parseScaleFilter(const QString &name, ScaleFilter *filter);

} // namespace afk::media
