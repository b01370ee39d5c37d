#pragma once
// Masks turned into QImages for drawing: the only place where core's cv::Mat masks meet
// Qt's pixel formats.
#include "core/mask.h"

#include <QColor>
#include <QImage>

namespace ld {

// Grayscale8, 0..1 → 0..255 (a deep copy: the result owns its pixels).
QImage grayImage(const SoftMask& mask);
// ARGB32 premultiplied: `fill` at `fillAlpha` inside the mask, and a one-pixel-wide
// boundary (in mask pixels) at full alpha when `outline`.
QImage maskImage(const BinaryMask& mask, const QColor& color, int fillAlpha, bool outline);
// ARGB32 premultiplied: `color` with alpha proportional to the value (scaled by `gain`).
QImage heatImage(const SoftMask& mask, const QColor& color, double gain = 1.0);
// Back from a Grayscale8 image (used for trajectory frames held as images).
SoftMask softMaskFromGray(const QImage& gray);

}  // namespace ld
