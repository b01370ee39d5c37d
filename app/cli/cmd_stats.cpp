// labeldiff-cli stats: what a dataset holds (images, categories with instance counts,
// annotations) and what its reader had to tolerate, as text or JSON.
#include "command.h"

#include "core/formats/dataset_format.h"
#include "core/dataset_summary.h"
#include "core/error.h"

#include <iostream>
#include <memory>

namespace {

std::string readableFormats() {
    std::string names;
    for (const ld::DatasetFormat* f : ld::datasetFormats())
        if (f->capabilities() & ld::DatasetFormat::Read) names += (names.empty() ? "" : ", ") + f->name();
    return names;
}

ld::cli::CommandRegistrar reg{{"stats", "Summarise a dataset: images, categories with instance counts, warnings",
                               [](CLI::App& sub) {
    struct Args {
        std::string input, format, images;
        bool json = false, noImageCheck = false;
    };
    auto a = std::make_shared<Args>();
    sub.add_option("INPUT", a->input, "Dataset file or folder")->required();
    sub.add_option("--format", a->format, "Dataset format (default: detected): " + readableFormats());
    sub.add_option("--images", a->images, "Image folder (default: the format's own)");
    sub.add_flag("--json", a->json, "Print the summary as JSON");
    sub.add_flag("--no-image-check", a->noImageCheck, "Do not look for the image files on disk");
    return [a]() {
        const ld::DatasetFormat* f = a->format.empty() ? ld::detectDatasetFormat(a->input)
                                                       : ld::findDatasetFormat(a->format);
        if (!f && a->format.empty())
            throw ld::Error(a->input, "cannot tell its dataset format; pass --format (one of: " + readableFormats() + ")");
        if (!f) throw ld::Error(a->format, "unknown dataset format (known: " + readableFormats() + ")");
        if (!(f->capabilities() & ld::DatasetFormat::Read))
            throw ld::Error(a->format, "this format cannot be read (formats that can: " + readableFormats() + ")");
        ld::ReadOptions ro;
        ro.imagesDir = a->images;
        ro.checkImagesOnDisk = !a->noImageCheck;
        const ld::Dataset ds = f->read(a->input, ro);
        const ld::DatasetSummary s = ld::summarizeDataset(ds, a->input, f->name());
        if (a->json)
            std::cout << ld::summaryToJson(s).dump(2) << "\n";
        else
            std::cout << ld::summaryText(s);
        return 0;
    };
}}};

}  // namespace
