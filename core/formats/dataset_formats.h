#pragma once
// The registered dataset formats; each is defined in its own <name>_format.cpp.
#include "core/formats/dataset_format.h"

namespace ld {
const DatasetFormat& cocoFormat();
const DatasetFormat& labelmeFormat();
const DatasetFormat& maskFolderFormat();
const DatasetFormat& panopticFormat();
const DatasetFormat& narrativeFormat();
}  // namespace ld
