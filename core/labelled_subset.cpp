#include "core/labelled_subset.h"

namespace ld {

Project labelledSubset(const Project& project) {
    Project p = project;
    p.images.clear();
    for (const auto& im : project.images)
        if (im.status != ImageStatus::Unlabelled) p.images.push_back(im);
    p.annotations.clear();
    for (const auto& a : project.annotations)
        if (p.findImage(a.imageId)) p.annotations.push_back(a);
    return p;
}

}  // namespace ld
