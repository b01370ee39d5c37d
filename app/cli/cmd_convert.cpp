// labeldiff-cli convert: reads a dataset in one registered format and writes it in
// another (or the same: `--from coco --to coco --segmentation rle` normalises a COCO
// file to pycocotools' compressed RLE). Every format is reached through the registry.
#include "command.h"

#include "core/formats/dataset_format.h"
#include "core/dataset_summary.h"
#include "core/error.h"

#include <iostream>
#include <memory>

namespace {

std::string formatNames(int capability) {
    std::string names;
    for (const ld::DatasetFormat* f : ld::datasetFormats())
        if (f->capabilities() & capability) names += (names.empty() ? "" : ", ") + f->name();
    return names;
}

const ld::DatasetFormat& formatFor(const std::string& name, const std::string& path, int capability) {
    const ld::DatasetFormat* f = name.empty() ? ld::detectDatasetFormat(path) : ld::findDatasetFormat(name);
    const char* verb = capability == ld::DatasetFormat::Read ? "read" : "written";
    if (!f && name.empty())
        throw ld::Error(path, "cannot tell its dataset format; pass --from (one of: " + formatNames(capability) + ")");
    if (!f) throw ld::Error(name, "unknown dataset format (known: " + formatNames(capability) + ")");
    if (!(f->capabilities() & capability))
        throw ld::Error(name, std::string("this format cannot be ") + verb + " (formats that can: " +
                                  formatNames(capability) + ")");
    return *f;
}

ld::cli::CommandRegistrar reg{{"convert", "Convert a dataset between formats (COCO, labelme, mask folders, ...)",
                               [](CLI::App& sub) {
    struct Args {
        std::string from, to, images, segmentation = "rle", input, output;
        bool noImageCheck = false, quiet = false;
    };
    auto a = std::make_shared<Args>();
    sub.add_option("--from", a->from, "Input format (default: detected): " + formatNames(ld::DatasetFormat::Read));
    sub.add_option("--to", a->to, "Output format: " + formatNames(ld::DatasetFormat::Write))->required();
    sub.add_option("--images", a->images, "Image folder (default: the input format's own)");
    sub.add_option("--segmentation", a->segmentation,
                   "rle (compressed, as pycocotools writes it) or polygon (masks with holes stay RLE)")
        ->check(CLI::IsMember({"rle", "polygon"}));
    sub.add_flag("--no-image-check", a->noImageCheck, "Do not look for the image files on disk");
    sub.add_flag("-q,--quiet", a->quiet, "Print errors only");
    sub.add_option("INPUT", a->input, "Input dataset file or folder")->required();
    sub.add_option("OUTPUT", a->output, "Output file or folder")->required();
    return [a]() {
        const ld::DatasetFormat& from = formatFor(a->from, a->input, ld::DatasetFormat::Read);
        const ld::DatasetFormat& to = formatFor(a->to, a->output, ld::DatasetFormat::Write);

        ld::ReadOptions ro;
        ro.imagesDir = a->images;
        ro.checkImagesOnDisk = !a->noImageCheck;
        const ld::Dataset ds = from.read(a->input, ro);

        ld::Warnings writeWarnings;
        ld::WriteOptions wo;
        wo.segmentation = a->segmentation == "polygon" ? ld::WriteOptions::Segmentation::Polygons
                                                       : ld::WriteOptions::Segmentation::Rle;
        wo.imagesDir = a->images.empty() ? ds.imagesDir : a->images;
        wo.warnings = &writeWarnings;
        to.write(ds, a->output, wo);

        if (!ds.warnings.empty())
            std::cerr << "labeldiff-cli convert: " << ds.warnings.total() << " warnings reading " << a->input << ":\n"
                      << ld::warningsText(ds.warnings);
        if (!writeWarnings.empty())
            std::cerr << "labeldiff-cli convert: " << writeWarnings.total() << " warnings writing " << a->output
                      << ":\n"
                      << ld::warningsText(writeWarnings);
        if (!a->quiet)
            std::cout << "wrote " << a->output << " (" << to.name() << "): " << ds.images.size() << " images, "
                      << ds.annotations.size() << " annotations read, " << ds.categories.size()
                      << " categories read\n";
        return 0;
    };
}}};

}  // namespace
