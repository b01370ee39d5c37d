#include "core/dataset.h"

namespace ld {

const ImageInfo* Dataset::findImage(int64_t id) const {
    for (const ImageInfo& image : images)
        if (image.id == id) return &image;
    return nullptr;
}

const Category* Dataset::findCategory(int64_t id) const {
    for (const Category& category : categories)
        if (category.id == id) return &category;
    return nullptr;
}

// The first match: a dataset with duplicate names (tolerated on reading) resolves to the
// category listed first, which is the one the writers keep when they merge duplicates.
const Category* Dataset::findCategory(const std::string& name) const {
    for (const Category& category : categories)
        if (category.name == name) return &category;
    return nullptr;
}

}  // namespace ld
