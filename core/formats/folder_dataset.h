#pragma once
// What a front end opens: a dataset file, a folder that holds one, or a plain folder of
// images (then a dataset with images and no annotations). No Qt, so that the GUI can run
// it on a worker thread.
#include "core/dataset.h"

#include <string>

namespace ld {

// Throws ld::Error naming the path when it is neither a dataset nor a readable folder.
Dataset openDatasetOrFolder(const std::string& path);

}  // namespace ld
