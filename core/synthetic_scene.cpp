#include "core/synthetic_scene.h"

#include "core/error.h"
#include "core/image.h"
#include "core/rle.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace ld {

namespace {

// splitmix64: tiny, and unlike std::uniform_*_distribution its output is the same with
// every standard library, so rendered samples are reproducible everywhere.
class Rng {
public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform(double lo, double hi) { return lo + (hi - lo) * double(next() >> 11) * 0x1.0p-53; }
    int integer(int lo, int hi) { return lo + int(next() % uint64_t(hi - lo + 1)); }
    bool chance(double p) { return uniform(0, 1) < p; }

private:
    uint64_t s_;
};

cv::Scalar jitter(Rng& rng, cv::Scalar base, double amount) {
    return cv::Scalar(std::clamp(base[0] + rng.uniform(-amount, amount), 0.0, 255.0),
                      std::clamp(base[1] + rng.uniform(-amount, amount), 0.0, 255.0),
                      std::clamp(base[2] + rng.uniform(-amount, amount), 0.0, 255.0));
}

class Painter {
public:
    Painter(int w, int h) : rgb_(h, w, CV_8UC3, cv::Scalar(0, 0, 0)) {}

    // Paints `shape` (CV_8UC1, nonzero = inside) in `color` and records it as an instance
    // of `category` (empty category: background decoration, occludes but is not labelled).
    void paint(const cv::Mat& shape, cv::Scalar color, const std::string& category) {
        rgb_.setTo(color, shape);
        for (auto& inst : instances_) inst.mask.mat().setTo(0, shape);
        if (!category.empty()) {
            BinaryMask m = BinaryMask::fromMat(shape);
            instances_.push_back({category, m});
        }
    }
    cv::Mat blank() const { return cv::Mat::zeros(rgb_.size(), CV_8UC1); }
    cv::Mat& rgb() { return rgb_; }
    std::vector<SyntheticInstance>& instances() { return instances_; }

private:
    cv::Mat rgb_;
    std::vector<SyntheticInstance> instances_;
};

cv::Mat rectShape(const Painter& p, cv::Rect r) {
    cv::Mat m = p.blank();
    cv::rectangle(m, r, cv::Scalar(255), cv::FILLED);
    return m;
}

void drawCar(Painter& p, Rng& rng, int x, int groundY, int len) {
    const int h = len * 2 / 5;
    cv::Mat m = p.blank();
    cv::rectangle(m, cv::Rect(x, groundY - h * 6 / 10, len, h * 45 / 100), cv::Scalar(255), cv::FILLED);
    std::vector<cv::Point> cabin{{x + len / 5, groundY - h * 6 / 10}, {x + len * 3 / 10, groundY - h},
                                 {x + len * 7 / 10, groundY - h}, {x + len * 85 / 100, groundY - h * 6 / 10}};
    cv::fillConvexPoly(m, cabin, cv::Scalar(255));
    cv::circle(m, {x + len / 5, groundY - h / 8}, h / 6, cv::Scalar(255), cv::FILLED);
    cv::circle(m, {x + len * 4 / 5, groundY - h / 8}, h / 6, cv::Scalar(255), cv::FILLED);
    static const cv::Scalar paints[] = {{180, 30, 30}, {30, 60, 160}, {220, 220, 220}, {40, 40, 40}, {200, 170, 40}};
    p.paint(m, jitter(rng, paints[rng.integer(0, 4)], 15), "car");
}

void drawTree(Painter& p, Rng& rng, int cx, int groundY, int size) {
    cv::Mat trunk = rectShape(p, cv::Rect(cx - size / 12, groundY - size, size / 6, size));
    cv::Mat crown = p.blank();
    for (int k = 0; k < 7; ++k) {
        cv::circle(crown, {cx + int(rng.uniform(-0.35, 0.35) * size), groundY - size - int(rng.uniform(0, 0.5) * size)},
                   int(size * rng.uniform(0.2, 0.35)), cv::Scalar(255), cv::FILLED);
    }
    cv::Mat tree;
    cv::bitwise_or(trunk, crown, tree);
    p.paint(trunk, cv::Scalar(90, 60, 30), "");
    p.paint(crown, jitter(rng, cv::Scalar(50, 120, 45), 20), "vegetation");
    // The trunk counts as vegetation too: one instance per tree.
    p.instances().back().mask = BinaryMask::fromMat(tree);
}

void drawSign(Painter& p, Rng& rng, int x, int groundY, int height) {
    cv::Mat m = rectShape(p, cv::Rect(x, groundY - height, std::max(2, height / 30), height));
    cv::circle(m, {x + height / 60, groundY - height}, height / 8, cv::Scalar(255), cv::FILLED);
    p.paint(m, jitter(rng, cv::Scalar(200, 40, 40), 20), "traffic-infrastructure");
}

}  // namespace

const std::vector<std::string>& syntheticSceneCategories() {
    static const std::vector<std::string> names{"facade", "window", "balcony-fence", "car", "shop",
                                                "street", "vegetation", "traffic-infrastructure"};
    return names;
}

SyntheticScene renderSyntheticScene(uint64_t seed, int width, int height) {
    if (width < 64 || height < 64) throw Error("synthetic scene", "size must be at least 64×64");
    Rng rng(seed);
    Painter p(width, height);

    // Sky: a vertical gradient, background only.
    for (int y = 0; y < height; ++y) {
        double t = double(y) / height;
        p.rgb().row(y).setTo(cv::Scalar(120 + 80 * t, 170 + 50 * t, 235));
    }
    const int groundY = int(height * rng.uniform(0.78, 0.86));
    p.paint(rectShape(p, cv::Rect(0, groundY, width, height - groundY)), jitter(rng, cv::Scalar(95, 95, 100), 10),
            "street");

    // One or two buildings side by side.
    const int buildings = rng.integer(1, 2);
    int left = int(width * rng.uniform(0.0, 0.08));
    for (int b = 0; b < buildings; ++b) {
        const int right = b + 1 == buildings ? width - int(width * rng.uniform(0.0, 0.08))
                                             : left + int((width - left) * rng.uniform(0.45, 0.55));
        const int top = int(height * rng.uniform(0.05, 0.25));
        const cv::Rect facade(left, top, right - left, groundY - top);
        static const cv::Scalar walls[] = {{210, 190, 160}, {180, 120, 100}, {230, 225, 215}, {160, 160, 150}};
        p.paint(rectShape(p, facade), jitter(rng, walls[rng.integer(0, 3)], 12), "facade");

        const int floors = rng.integer(3, 5);
        const int cols = std::max(2, facade.width / rng.integer(45, 70));
        const int shopH = rng.chance(0.7) ? facade.height / (floors + 1) : 0;
        const int floorH = (facade.height - shopH) / floors;
        const int colW = facade.width / cols;
        const cv::Scalar glass = jitter(rng, cv::Scalar(60, 80, 100), 15);
        for (int f = 0; f < floors; ++f) {
            const bool balconies = rng.chance(0.4) && f > 0;
            for (int c = 0; c < cols; ++c) {
                cv::Rect win(facade.x + c * colW + colW / 4, facade.y + f * floorH + floorH / 5, colW / 2,
                             floorH * 11 / 20);
                p.paint(rectShape(p, win), jitter(rng, glass, 8), "window");
                if (balconies) {
                    cv::Mat fence = p.blank();
                    const int fy = win.y + win.height * 2 / 3, fh = win.height / 3 + floorH / 10;
                    cv::Rect r(win.x - colW / 10, fy, win.width + colW / 5, fh);
                    cv::rectangle(fence, r, cv::Scalar(255), std::max(1, colW / 25));
                    for (int bx = r.x; bx < r.x + r.width; bx += std::max(3, colW / 10))
                        cv::line(fence, {bx, r.y}, {bx, r.y + r.height}, cv::Scalar(255), 1);
                    p.paint(fence, cv::Scalar(40, 40, 45), "balcony-fence");
                }
            }
        }
        if (shopH > 0) {
            cv::Rect shop(facade.x + facade.width / 10, groundY - shopH * 8 / 10, facade.width * 8 / 10,
                          shopH * 8 / 10);
            p.paint(rectShape(p, shop), jitter(rng, cv::Scalar(70, 110, 120), 20), "shop");
        }
        left = right;
    }

    // Street furniture and traffic in front of the buildings.
    if (rng.chance(0.8)) drawTree(p, rng, int(width * rng.uniform(0.1, 0.9)), groundY + 4, height / 4);
    if (rng.chance(0.6)) drawSign(p, rng, int(width * rng.uniform(0.05, 0.95)), groundY + 6, height / 3);
    const int cars = rng.integer(0, 2);
    for (int k = 0; k < cars; ++k) {
        const int len = int(width * rng.uniform(0.18, 0.26));
        drawCar(p, rng, int((width - len) * rng.uniform(0.0, 1.0)), groundY + (height - groundY) / 2, len);
    }

    // Texture: per-pixel noise so that the images are not flat colours.
    cv::Mat noise(height, width, CV_16SC3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            noise.at<cv::Vec3s>(y, x) = cv::Vec3s(short(rng.integer(-9, 9)), short(rng.integer(-9, 9)),
                                                  short(rng.integer(-9, 9)));
    cv::Mat out;
    p.rgb().convertTo(out, CV_16SC3);
    out += noise;
    out.convertTo(out, CV_8UC3);
    cv::GaussianBlur(out, out, cv::Size(3, 3), 0.6);

    SyntheticScene scene;
    scene.rgb = out;
    for (auto& inst : p.instances())
        if (cv::countNonZero(inst.mask.mat()) > 0) scene.instances.push_back(std::move(inst));
    return scene;
}

Dataset writeSyntheticDataset(const std::string& dir, int count, int width, int height, uint64_t seed) {
    std::filesystem::create_directories(dir);
    Dataset ds;
    ds.imagesDir = dir;
    const auto& names = syntheticSceneCategories();
    for (size_t i = 0; i < names.size(); ++i) ds.categories.push_back({int64_t(i + 1), names[i], "scene", true, {}});
    int64_t annId = 1;
    for (int k = 0; k < count; ++k) {
        SyntheticScene scene = renderSyntheticScene(seed + uint64_t(k), width, height);
        const std::string file = "scene_" + std::to_string(k + 1) + ".png";
        saveImage((std::filesystem::path(dir) / file).string(), scene.rgb);
        ImageInfo info;
        info.id = k + 1;
        info.fileName = file;
        info.width = width;
        info.height = height;
        ds.images.push_back(info);
        for (const auto& inst : scene.instances) {
            Annotation a;
            a.id = annId++;
            a.imageId = info.id;
            a.categoryId = ds.findCategory(inst.category)->id;
            a.segmentation = Segmentation::fromMask(inst.mask);
            a.area = double(area(inst.mask));
            a.bbox = bbox(inst.mask);
            ds.annotations.push_back(std::move(a));
        }
    }
    return ds;
}

}  // namespace ld
