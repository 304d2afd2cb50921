// The adaptive-bitrate ladder: which renditions to encode, and how they fit a given source.
#pragma once

#include <QList>
#include <QString>

namespace afk::media {

struct Rendition {
    QString name;          // "720p": also the rendition's folder and playlist name
    int width = 0;         // even; 0 until fitted to a source
    int height = 0;
    int videoBitrateKbps = 0;
    int maxBitrateKbps = 0;    // VBV maxrate
    int bufferSizeKbits = 0;   // VBV buffer
};

struct RenditionPreset {
    int height;
    int videoBitrateKbps;
};

// Known rungs (height, bitrate), highest first.
const QList<RenditionPreset> &renditionPresets();

// Parses "720p,480p,360p" into rungs sorted highest first; duplicates and unknown names are
// errors. Widths stay 0 until fitLadderToSource().
QList<Rendition> parseLadder(const QString &text, QString *error);

// Drops rungs taller than the source (never upscale) and sets widths from the source aspect
// ratio (even numbers). A source shorter than every rung yields one rung at the source size.
QList<Rendition> fitLadderToSource(const QList<Rendition> &ladder, int sourceWidth,
                                   int sourceHeight);

QString ladderToText(const QList<Rendition> &ladder);

} // namespace afk::media
