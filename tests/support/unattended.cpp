// Linked into every GUI test: the window's questions get the unattended answers (keep the
// work, restore a recovery) instead of a modal dialog that no one would click away —
// whether the test runs under CTest or by hand.
#include <QByteArray>
#include <QtGlobal>

namespace {
const bool kUnattended = qputenv("LABELDIFF_UNATTENDED", "1");
}  // namespace
