#include "core/formats/dataset_format.h"

#include "core/ascii_lower.h"
#include "core/formats/dataset_formats.h"

#include <algorithm>

namespace ld {

const std::vector<const DatasetFormat*>& datasetFormats() {
    // Order matters for detection: the most specific content checks come first, and a
    // folder of labelme files must not be taken for a mask folder.
    static const std::vector<const DatasetFormat*> all = {
        &cocoFormat(), &labelmeFormat(), &maskFolderFormat(), &panopticFormat(), &narrativeFormat(),
    };
    return all;
}

const DatasetFormat* findDatasetFormat(const std::string& name) {
    const std::string wanted = asciiLower(name);
    for (const DatasetFormat* f : datasetFormats())
        if (asciiLower(f->name()) == wanted) return f;
    return nullptr;
}

const DatasetFormat* detectDatasetFormat(const std::string& path) {
    for (const DatasetFormat* f : datasetFormats()) {
        if (!(f->capabilities() & DatasetFormat::Read)) continue;
        try {
            if (f->supportsPath(path)) return f;
        } catch (...) {
            // Detection is a guess; an unreadable path is reported by read() later.
        }
    }
    return nullptr;
}

}  // namespace ld
