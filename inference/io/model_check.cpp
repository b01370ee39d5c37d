#include "inference/io/model_check.h"

#include "inference/io/model_directory.h"

namespace ld {

ModelCheck checkModelDirectory(const std::string& dir) {
    const auto model = ModelDirectory::open(dir);
    return {model->components().size(), model->totalParameters()};
}

}  // namespace ld
