#pragma once
// A dataset's file names must stay inside its images folder not only as text (that is
// insideRelativePath, format_util.h) but on disk: a symbolic link in a folder someone
// handed over (`a.png -> /home/me/.ssh/id_rsa`, `sub -> /etc`) must not make LabelDiff
// read, embed or copy a file from elsewhere.
#include "core/dataset.h"

#include <cstddef>
#include <string>

namespace ld {

// Whether `folder`/`relative` still lies inside `folder` once every symbolic link on the
// way, the file's own included, is resolved (the part that does not exist is taken as
// written). A link loop or an unresolvable path counts as outside. `folder` may itself
// be a link: it is resolved first.
bool resolvesInsideFolder(const std::string& folder, const std::string& relative);

// Removes from d.images every image whose file resolves outside d.imagesDir, adding
// `warning` once per image; returns how many were removed. Readers call it once the
// images folder is known and before they attach annotations, which then count as
// annotations of unknown images.
size_t dropImagesResolvingOutside(Dataset& d, const std::string& warning);

}  // namespace ld
