#include "core/opened_project.h"

#include "core/formats/dataset_format.h"
#include "core/formats/folder_dataset.h"

#include <filesystem>

namespace ld {

namespace fs = std::filesystem;

namespace {

OpenedProject fromDataset(const Dataset& ds, const std::string& fallbackImagesDir) {
    OpenedProject r;
    r.warnings = ds.warnings;
    r.project = projectFromDataset(ds);
    r.imagesDir = fs::absolute(ds.imagesDir.empty() ? fallbackImagesDir : ds.imagesDir).string();
    r.projectPath = (fs::path(r.imagesDir) / kProjectFileName).string();
    return r;
}

}  // namespace

OpenedProject openProjectOrDataset(const std::string& path) {
    std::error_code ec;
    fs::path projectFile;
    if (fs::is_directory(path, ec) && fs::exists(fs::path(path) / kProjectFileName, ec))
        projectFile = fs::path(path) / kProjectFileName;
    else if (fs::path(path).extension() == ".labeldiff")
        projectFile = path;
    if (!projectFile.empty()) {
        OpenedProject r;
        r.project = loadProject(projectFile.string());
        r.projectPath = fs::absolute(projectFile).string();
        r.imagesDir = fs::path(r.projectPath).parent_path().string();
        return r;
    }
    const Dataset ds = openDatasetOrFolder(path);
    OpenedProject r = fromDataset(ds, fs::is_directory(path, ec) ? path : fs::path(path).parent_path().string());
    r.unsaved = !r.project.annotations.empty();
    return r;
}

OpenedProject importDataset(const DatasetFormat& format, const std::string& path, const std::string& imagesDir) {
    ReadOptions o;
    o.imagesDir = imagesDir;
    OpenedProject r = fromDataset(format.read(path, o), fs::path(path).parent_path().string());
    r.unsaved = true;
    return r;
}

}  // namespace ld
