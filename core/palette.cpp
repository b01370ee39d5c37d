#include "core/palette.h"

#include <cmath>

namespace ld {

Rgb paletteColor(int index) {
    // Tableau-like colours first: distinguishable for most colour-vision deficiencies.
    static const Rgb base[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
                               {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                               {188, 189, 34}, {23, 190, 207}};
    constexpr int n = sizeof(base) / sizeof(base[0]);
    if (index >= 0 && index < n) return base[index];
    // Beyond the list: walk the hue circle by the golden angle at fixed saturation/value.
    const double h = std::fmod(double(index) * 137.50776405, 360.0) / 60.0;
    const double s = 0.65, v = 0.9, c = v * s, x = c * (1 - std::fabs(std::fmod(h, 2.0) - 1)), m = v - c;
    double r = 0, g = 0, b = 0;
    switch (int(h)) {
        case 0: r = c, g = x; break;
        case 1: r = x, g = c; break;
        case 2: g = c, b = x; break;
        case 3: g = x, b = c; break;
        case 4: r = x, b = c; break;
        default: r = c, b = x; break;
    }
    auto to8 = [m](double u) { return uint8_t(std::lround((u + m) * 255)); };
    return {to8(r), to8(g), to8(b)};
}

}  // namespace ld
