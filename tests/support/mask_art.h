#pragma once
// Masks written as rows of '#' (set) and '.' (clear), top row first: readable expectations.
#include "core/mask.h"

#include <QString>
#include <QStringList>

namespace ld::test {

inline BinaryMask maskFromArt(const QStringList& rows) {
    BinaryMask m(int(rows.size()), rows.isEmpty() ? 0 : int(rows[0].size()));
    for (int y = 0; y < rows.size(); ++y)
        for (int x = 0; x < rows[y].size(); ++x) m.set(y, x, rows[y][x] == '#');
    return m;
}

inline QStringList artFromMask(const BinaryMask& m) {
    QStringList rows;
    for (int y = 0; y < m.height(); ++y) {
        QString r;
        for (int x = 0; x < m.width(); ++x) r += m.at(y, x) ? '#' : '.';
        rows << r;
    }
    return rows;
}

}  // namespace ld::test
