#pragma once
// Category colours shared by the GUI and the headless overlays, so that a class looks the
// same everywhere: a fixed, well-separated list, then golden-angle hues.
#include <array>
#include <cstdint>

namespace ld {

using Rgb = std::array<uint8_t, 3>;

// Colour for the k-th category (0-based), stable across runs.
Rgb paletteColor(int index);

}  // namespace ld
