#pragma once
// One class per dataset format behind one interface (as Tiled's FileFormat), enumerated
// by labeldiff-cli convert and by the GUI's import/export dialogs.
#include "core/dataset.h"

#include <string>
#include <vector>

namespace ld {

struct ReadOptions {
    std::string imagesDir;         // overrides the format's default image location
    bool checkImagesOnDisk = true; // missing image files become warnings
};

struct WriteOptions {
    enum class Segmentation { Rle, Polygons };
    Segmentation segmentation = Segmentation::Rle;
    std::string imagesDir;  // formats that embed or copy images read them from here
    Warnings* warnings = nullptr;  // where lossy writes report (e.g. holes as polygons)
};

class DatasetFormat {
public:
    enum Capability { Read = 1, Write = 2, ReadWrite = 3 };
    virtual ~DatasetFormat() = default;

    virtual std::string name() const = 0;         // "coco", "labelme", ...
    virtual std::string description() const = 0;  // "COCO instances JSON"
    virtual int capabilities() const = 0;
    // Whether `path` (file or folder) looks like this format.
    virtual bool supportsPath(const std::string& path) const = 0;
    virtual Dataset read(const std::string& path, const ReadOptions& options) const = 0;
    // Writes atomically: on error nothing (or the previous content) is left at `path`.
    virtual void write(const Dataset& dataset, const std::string& path,
                       const WriteOptions& options) const = 0;
};

// All registered formats, in a fixed order.
const std::vector<const DatasetFormat*>& datasetFormats();
// nullptr when unknown.
const DatasetFormat* findDatasetFormat(const std::string& name);
// The first format whose supportsPath() accepts `path`, or nullptr.
const DatasetFormat* detectDatasetFormat(const std::string& path);

}  // namespace ld
