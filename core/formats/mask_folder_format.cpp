#include "core/formats/mask_folder.h"

#include "core/ascii_lower.h"
#include "core/formats/dataset_formats.h"
#include "core/error.h"
#include "core/file_batch.h"
#include "core/formats/format_util.h"
#include "core/formats/output_names.h"
#include "core/image.h"
#include "core/png_codec.h"
#include "core/segmentation.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace ld {
namespace {
namespace fs = std::filesystem;

const char* const kBackground = "_background_";

bool isBackgroundName(const std::string& name) {
    std::string s = asciiLower(name);
    s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
    return s == "background" || s == "bg";
}

std::vector<std::string> readClasses(const fs::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
        lines.push_back(line);
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

bool isPng(const fs::path& p) {
    return asciiLower(p.extension().string()) == ".png";
}

// "<k>_<name>.png" → k and name.
bool parseInstanceName(const fs::path& p, int64_t& index, std::string& category) {
    const std::string stem = p.stem().string();
    const size_t us = stem.find('_');
    if (us == 0 || us == std::string::npos || us + 1 >= stem.size() || us > 9) return false;
    for (size_t i = 0; i < us; ++i)
        if (!std::isdigit(static_cast<unsigned char>(stem[i]))) return false;
    index = std::stoll(stem.substr(0, us));
    category = stem.substr(us + 1);
    return true;
}

std::vector<fs::path> pngsUnder(const fs::path& dir, bool recursive) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (recursive) {
        for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec))
            if (it->is_regular_file() && isPng(it->path())) out.push_back(it->path());
    } else {
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && isPng(e.path())) out.push_back(e.path());
    }
    if (ec) throw Error(dir.string(), "cannot list folder: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

fs::path firstDir(const fs::path& root, std::initializer_list<const char*> names) {
    std::error_code ec;
    for (const char* n : names)
        if (fs::is_directory(root / n, ec)) return root / n;
    return {};
}

struct Layout {
    enum Kind { Instance, Semantic, Paired } kind = Semantic;
    fs::path maskRoot;
    fs::path pairedImages;
};

Layout detectLayout(const fs::path& root) {
    Layout layout;
    layout.maskRoot = root;
    const fs::path labels = firstDir(root, {"label", "labels", "mask", "masks"});
    const fs::path images = firstDir(root, {"image", "images"});
    if (!labels.empty() && !images.empty() && !pngsUnder(labels, false).empty()) {
        layout.kind = Layout::Paired;
        layout.maskRoot = labels;
        layout.pairedImages = images;
        return layout;
    }
    if (!pngsUnder(root, false).empty()) return layout;
    const auto all = pngsUnder(root, true);
    int64_t k;
    std::string name;
    if (!all.empty() && std::all_of(all.begin(), all.end(), [&](const fs::path& p) { return parseInstanceName(p, k, name); }))
        layout.kind = Layout::Instance;
    return layout;
}

class Reader {
public:
    Reader(const fs::path& root, const ReadOptions& options) : root_(root), options_(options) {}

    Dataset read() {
        std::error_code ec;
        if (!fs::is_directory(root_, ec)) throw Error(root_.string(), "mask folder not found");
        const Layout layout = detectLayout(root_);
        const fs::path classesFile = root_ / "classes.txt";
        if (fs::is_regular_file(classesFile, ec)) classes_ = readClasses(classesFile);
        else if (fs::is_regular_file(layout.maskRoot / "classes.txt", ec)) classes_ = readClasses(layout.maskRoot / "classes.txt");
        findImagesDir(layout);

        if (layout.kind == Layout::Instance) readInstances(layout);
        else readSemantic(layout);
        if (d_.images.empty()) throw Error(root_.string(), "no mask PNGs found");
        return std::move(d_);
    }

private:
    void findImagesDir(const Layout& layout) {
        if (!options_.imagesDir.empty()) imagesDir_ = options_.imagesDir;
        else if (!layout.pairedImages.empty()) imagesDir_ = layout.pairedImages;
        else imagesDir_ = firstDir(root_, {"images", "image"});
        if (imagesDir_.empty()) {
            std::error_code ec;
            const fs::path up = fs::absolute(root_, ec).lexically_normal().parent_path() / "images";
            if (fs::is_directory(up, ec)) imagesDir_ = up;
        }
        d_.imagesDir = imagesDir_.string();
    }

    // Adds the image `stem` (relative path without extension) of the given mask size.
    ImageInfo& addImage(const fs::path& stem, int width, int height, const fs::path& maskPath) {
        ImageInfo im;
        im.id = int64_t(d_.images.size()) + 1;
        im.width = width;
        im.height = height;
        std::error_code ec;
        fs::path found;
        if (!imagesDir_.empty()) {
            for (const char* ext : {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".JPG", ".JPEG", ".PNG"}) {
                fs::path candidate = imagesDir_ / stem;
                candidate += ext;
                if (fs::is_regular_file(candidate, ec)) {
                    found = candidate;
                    im.fileName = stem.generic_string() + ext;
                    break;
                }
            }
        }
        if (found.empty()) {
            im.fileName = stem.generic_string() + ".jpg";
            if (options_.checkImagesOnDisk) d_.warnings.add(imagesDir_.empty() ? "no image folder found (image names guessed)" : "image files missing");
        } else if (options_.checkImagesOnDisk) {
            const ImageHeader h = readImageHeader(found.string());
            if (h.orientedWidth() != width || h.orientedHeight() != height)
                throw Error(maskPath.string(), "mask is " + std::to_string(width) + "x" + std::to_string(height) +
                                                   " but the image " + found.string() + " is " +
                                                   std::to_string(h.orientedWidth()) + "x" +
                                                   std::to_string(h.orientedHeight()));
        }
        d_.images.push_back(im);
        return d_.images.back();
    }

    int64_t categoryByName(const std::string& name) {
        for (const auto& c : d_.categories)
            if (c.name == name || safeFileName(c.name) == name) return c.id;
        int64_t id = 1;
        for (const auto& c : d_.categories) id = std::max(id, c.id + 1);
        Category c;
        c.id = id;
        c.name = name;
        d_.categories.push_back(c);
        return id;
    }

    void classesAsCategories() {
        for (size_t i = 1; i < classes_.size(); ++i) {
            if (classes_[i].empty()) continue;
            Category c;
            c.id = int64_t(i);
            c.name = classes_[i];
            d_.categories.push_back(c);
        }
    }

    void addAnnotation(const ImageInfo& image, int64_t categoryId, const cv::Mat& binary01) {
        Annotation a;
        a.id = int64_t(d_.annotations.size()) + 1;
        a.imageId = image.id;
        a.categoryId = categoryId;
        a.segmentation = Segmentation::fromMask(BinaryMask::fromMat(binary01));
        setAreaAndBbox(a, image.height, image.width);
        d_.annotations.push_back(std::move(a));
    }

    void readInstances(const Layout& layout) {
        classesAsCategories();
        std::map<fs::path, std::vector<std::pair<int64_t, fs::path>>> byImage;
        for (const fs::path& p : pngsUnder(layout.maskRoot, true)) {
            int64_t k;
            std::string category;
            parseInstanceName(p, k, category);
            byImage[p.parent_path().lexically_relative(layout.maskRoot)].emplace_back(k, p);
        }
        for (auto& [stem, files] : byImage) {
            std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            const ImageInfo* image = nullptr;
            for (const auto& [k, p] : files) {
                const cv::Mat m = pngToLabels(readPngFile(p.string()), true, p.string());
                if (!image) {
                    image = &addImage(stem, m.cols, m.rows, p);
                } else if (m.cols != image->width || m.rows != image->height) {
                    throw Error(p.string(), "mask is " + std::to_string(m.cols) + "x" + std::to_string(m.rows) +
                                                " but the other masks of this image are " +
                                                std::to_string(image->width) + "x" + std::to_string(image->height));
                }
                int64_t idx;
                std::string category;
                parseInstanceName(p, idx, category);
                if (cv::countNonZero(m) == 0) d_.warnings.add("empty instance masks");
                addAnnotation(*image, categoryByName(category), m != 0);
            }
        }
    }

    void readSemantic(const Layout& layout) {
        // Class index → category id; the paired layout with one class maps every nonzero value.
        std::vector<std::string> names;
        for (size_t i = 1; i < classes_.size(); ++i)
            if (!classes_[i].empty() && !isBackgroundName(classes_[i])) names.push_back(classes_[i]);
        if (classes_.size() == 1 && !isBackgroundName(classes_[0])) names.push_back(classes_[0]);
        const bool binary = layout.kind == Layout::Paired && names.size() <= 1;
        if (binary) {
            Category c;
            c.id = 1;
            std::error_code ec;
            c.name = names.empty() ? fs::absolute(root_, ec).lexically_normal().filename().string() : names[0];
            if (c.name.empty()) c.name = "foreground";
            d_.categories.push_back(c);
        } else {
            if (classes_.empty()) d_.warnings.add("no classes.txt (classes named by their value)");
            classesAsCategories();
        }

        std::error_code ec;
        const fs::path imagesAbs = imagesDir_.empty() ? fs::path() : fs::absolute(imagesDir_, ec).lexically_normal();
        for (const fs::path& p : pngsUnder(layout.maskRoot, layout.kind != Layout::Paired)) {
            if (!imagesAbs.empty()) {
                const fs::path rel = fs::absolute(p, ec).lexically_normal().lexically_relative(imagesAbs);
                if (!rel.empty() && *rel.begin() != "..") continue;  // an image, not a label map
            }
            const cv::Mat labels = pngToLabels(readPngFile(p.string()), binary, p.string());
            fs::path stem = p.lexically_relative(layout.maskRoot);
            stem.replace_extension();
            const ImageInfo& image = addImage(stem, labels.cols, labels.rows, p);
            if (binary) {
                if (cv::countNonZero(labels) > 0) addAnnotation(image, 1, labels != 0);
                continue;
            }
            int hist[256] = {0};
            for (int y = 0; y < labels.rows; ++y) {
                const uint8_t* row = labels.ptr<uint8_t>(y);
                for (int x = 0; x < labels.cols; ++x) ++hist[row[x]];
            }
            for (int v = 1; v < 256; ++v) {
                if (hist[v] == 0) continue;
                int64_t categoryId = v;
                if (!d_.findCategory(categoryId)) {
                    if (v == 255 && !classes_.empty()) {
                        d_.warnings.add("pixels of value 255 (void) ignored");
                        continue;
                    }
                    if (!classes_.empty()) d_.warnings.add("label values without a class in classes.txt");
                    Category c;
                    c.id = v;
                    c.name = "class_" + std::to_string(v);
                    d_.categories.push_back(c);
                }
                addAnnotation(image, categoryId, labels == v);
            }
        }
        std::sort(d_.categories.begin(), d_.categories.end(), [](const Category& a, const Category& b) { return a.id < b.id; });
    }

    fs::path root_;
    ReadOptions options_;
    fs::path imagesDir_;
    std::vector<std::string> classes_;
    Dataset d_;
};

class MaskFolderFormat : public DatasetFormat {
public:
    std::string name() const override { return "masks"; }
    std::string description() const override { return "Mask PNG folder (per instance, or class-index per image)"; }
    int capabilities() const override { return ReadWrite; }

    bool supportsPath(const std::string& path) const override {
        std::error_code ec;
        if (!fs::is_directory(path, ec)) return false;
        const fs::path root(path);
        if (fs::is_regular_file(root / "classes.txt", ec)) return true;
        const Layout layout = detectLayout(root);
        return layout.kind != Layout::Semantic;
    }

    Dataset read(const std::string& path, const ReadOptions& options) const override {
        return Reader(fs::path(path), options).read();
    }

    void write(const Dataset& dataset, const std::string& path, const WriteOptions& options) const override {
        writeMaskFolder(dataset, path, options, MaskFolderLayout::Instance);
    }
};

}  // namespace

void writeMaskFolder(const Dataset& dataset, const std::string& path, const WriteOptions& options,
                     MaskFolderLayout layout) {
    std::error_code ec;
    if (fs::exists(path, ec) && !fs::is_directory(path, ec)) throw Error(path, "mask output must be a folder, and this is a file");
    Warnings localWarnings;
    Warnings& warnings = options.warnings ? *options.warnings : localWarnings;
    const fs::path root(path);

    std::map<int64_t, size_t> classIndex;  // category id → line of classes.txt
    std::map<std::string, std::string> fileNames;
    std::string classes = std::string(kBackground) + "\n";
    size_t line = 1;
    for (const Category& c : dataset.categories) {
        if (isBackgroundName(c.name) && layout == MaskFolderLayout::Semantic) continue;
        const std::string safe = safeFileName(c.name);
        auto [it, inserted] = fileNames.emplace(safe, c.name);
        if (!inserted && it->second != c.name)
            throw Error(path, "categories '" + it->second + "' and '" + c.name + "' would have the same file name");
        if (c.name.find('\n') != std::string::npos) throw Error(path, "category name with a line break: " + c.name);
        classIndex[c.id] = line++;
        classes += c.name + "\n";
    }
    if (layout == MaskFolderLayout::Semantic && line > 255)
        throw Error(path, "more than 254 categories do not fit an 8-bit class-index PNG");

    std::map<int64_t, std::vector<const Annotation*>> byImage;
    for (const auto& a : dataset.annotations) byImage[a.imageId].push_back(&a);

    FileBatch batch;
    batch.add((root / "classes.txt").string(), classes);
    const OutputStems stems = uniqueOutputStems(dataset.images, outputStemOf);
    if (stems.renamed > 0) warnings.add(kRenamedOutputs, stems.renamed);
    for (const ImageInfo& image : dataset.images) {
        if (image.width <= 0 || image.height <= 0) throw Error(image.fileName, "image has no size; masks cannot be made");
        const fs::path& stem = stems.byImage.at(image.id);
        const auto& anns = byImage[image.id];
        if (layout == MaskFolderLayout::Instance) {
            int k = 0;
            for (const Annotation* a : anns) {
                const Category* c = dataset.findCategory(a->categoryId);
                const std::string cat = c ? safeFileName(c->name) : "category_" + std::to_string(a->categoryId);
                if (!c) warnings.add("annotations of unknown categories written with a made-up name");
                if (a->iscrowd) warnings.add("crowd flags not kept by mask folders");
                const Rle r = toRle(a->segmentation, image.height, image.width);
                if (rleArea(r) == 0) {
                    warnings.add("empty annotations not written");
                    continue;
                }
                const fs::path file = root / stem / (std::to_string(k++) + "_" + cat + ".png");
                // 0/1 to 0/255 in place: at 16384² every full-size temporary is 256 MB of
                // fresh pages, seconds on a machine where page faults are slow.
                cv::Mat png = decodeRle(r).mat();
                png *= 255;
                batch.add(file.string(), encodePng(png, file.string()));
            }
            if (anns.empty()) warnings.add("images without annotations not represented in an instance mask folder");
        } else {
            cv::Mat labels = cv::Mat::zeros(image.height, image.width, CV_8UC1);
            for (const Annotation* a : anns) {
                auto ci = classIndex.find(a->categoryId);
                if (ci == classIndex.end()) {
                    warnings.add("annotations of unknown or background categories not written");
                    continue;
                }
                const BinaryMask m = toMask(a->segmentation, image.height, image.width);
                if (cv::countNonZero((labels != 0) & (m.mat() != 0)) > 0)
                    warnings.add("overlapping annotations (later ones painted over earlier ones)");
                labels.setTo(cv::Scalar(double(ci->second)), m.mat());
            }
            fs::path file = root / stem;
            file += ".png";
            batch.add(file.string(), encodePng(labels, file.string()));
        }
    }
    batch.commit();
}

const DatasetFormat& maskFolderFormat() {
    static const MaskFolderFormat format;
    return format;
}

}  // namespace ld
