#pragma once
// Folder-shaped outputs (labelme, mask folders, panoptic PNGs) are built completely in
// memory first and only then written, so that an encoding error leaves nothing on disk;
// each file is written atomically, and a failure part-way removes the files this batch
// created (files it replaced keep their new content: a folder cannot be swapped atomically
// without touching files that are not ours).
#include <string>
#include <utility>
#include <vector>

namespace ld {

class FileBatch {
public:
    // `path` absolute or relative to the working directory.
    void add(std::string path, std::string bytes) { files_.emplace_back(std::move(path), std::move(bytes)); }
    size_t size() const { return files_.size(); }
    // Creates parent folders and writes every file. Throws ld::Error naming the file.
    void commit();

private:
    std::vector<std::pair<std::string, std::string>> files_;
};

}  // namespace ld
