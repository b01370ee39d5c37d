#pragma once
// What "Open" and "Import" give a front end: a project to work on, wherever it came from —
// a project file, a folder that holds one, a dataset in any registered format, or a plain
// folder of images — with where it will be saved and whether it is saved yet.
#include "core/project.h"

#include <string>

namespace ld {

class DatasetFormat;

// The project file LabelDiff keeps beside the images.
inline constexpr const char* kProjectFileName = "project.labeldiff";

struct OpenedProject {
    Project project;
    std::string projectPath;  // where saving writes (a new project: imagesDir/project.labeldiff)
    std::string imagesDir;    // absolute
    Warnings warnings;        // what the dataset reader tolerated or left out
    bool unsaved = false;     // imported annotations that are in no project file yet
};

// A project file (*.labeldiff), a folder with project.labeldiff in it, or else a dataset or
// an image folder (openDatasetOrFolder). Throws ld::Error naming the path.
OpenedProject openProjectOrDataset(const std::string& path);

// A dataset read through `format` (`imagesDir` empty: the format's own rule, else the
// dataset file's folder) as a new, unsaved project.
OpenedProject importDataset(const DatasetFormat& format, const std::string& path, const std::string& imagesDir);

}  // namespace ld
