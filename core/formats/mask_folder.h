#pragma once
// Folders of mask PNGs (maskFolderFormat(), name "masks"). Three layouts are read, told
// apart by what the folder holds:
//
//  instance  <root>/<image path without extension>/<k>_<category>.png
//            one binary PNG per instance (nonzero = inside; written as 0/255), image-sized;
//            k is the instance's index in its image (0, 1, ...), <category> the category
//            name made file-safe ('/' etc. become '_'). Optional <root>/classes.txt lists
//            the category names (line 0 = background), giving category ids = line index.
//            Chosen when no PNG lies directly in <root> and every PNG is named <k>_<name>.
//  semantic  <root>/<image path without extension>.png, one class-index PNG per image
//            (0 = background, value i = line i of <root>/classes.txt; 255 is VOC's "void"
//            and ignored unless classes.txt names it). One annotation per class present.
//  paired    <root>/image(s)/N.png + <root>/label(s)|mask(s)/N.png, as the ISBI membranes
//            data: binary masks (nonzero = the class) of one class, named by the first
//            non-background line of <root>/classes.txt, or else the folder's name (so give
//            the membranes folder a classes.txt "_background_\nmembrane"). With two or more
//            classes in classes.txt the label PNGs are read as class indices instead.
//
// Images are looked for, by their path without extension and any image extension, in
// ReadOptions::imagesDir, else <root>/images, <root>/image or <root>/../images. Their size
// is the masks' size; a found image of another size, or masks of different sizes for one
// image, is an ld::Error naming the PNG.
//
// Writing uses the instance layout (crowd flags are not kept) unless the semantic one is
// asked for through writeMaskFolder().
#include "core/formats/dataset_format.h"

#include <string>

namespace ld {

enum class MaskFolderLayout { Instance, Semantic };

// Semantic: overlapping annotations are painted in order (the later wins, a warning);
// more than 254 categories is an ld::Error.
void writeMaskFolder(const Dataset& dataset, const std::string& path, const WriteOptions& options,
                     MaskFolderLayout layout);

}  // namespace ld
