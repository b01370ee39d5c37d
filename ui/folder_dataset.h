#pragma once
// What the GUI opens: a dataset file, or a folder that holds one, or a plain folder of
// images (then a dataset with images and no annotations). Pure core calls, no Qt, so
// that it can run on a worker thread.
#include "core/dataset.h"

#include <string>

namespace ld {

// Throws ld::Error naming the path when it is neither a dataset nor a readable folder.
Dataset openDatasetOrFolder(const std::string& path);

}  // namespace ld
