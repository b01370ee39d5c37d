// The overfitting check of the whole trainer + sampler path on real photos: a model trained
// in the test on eight facade/train images with three classes must reproduce every class
// on those images, phrase by phrase (IoU > 0.9), and answer an absent class with an empty
// mask. A defect in conditioning, targets, timesteps or decoding fails it within minutes,
// long before a long run would show it. Reads ../shared/data/facade (skips without it).
#include "core/formats/dataset_format.h"
#include "core/mask.h"
#include "inference/io/model_directory.h"
#include "inference/text/phrase_similarity.h"
#include "inference/pipeline/sampler.h"
#include "inference/training/trainer.h"
#include "inference/training/training_data.h"

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <set>

using namespace ld;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kClasses{"facade", "window", "car"};
constexpr int kSide = 128;

// Six images with all three classes and two without a car, as a COCO file of their own.
std::string writeSubset(const fs::path& facadeTrain, const fs::path& out) {
    const DatasetFormat* coco = findDatasetFormat("coco");
    Dataset d = coco->read((facadeTrain / "instances.json").string(), {});
    std::map<int64_t, std::set<std::string>> classesOf;
    for (const auto& a : d.annotations)
        if (const Category* c = d.findCategory(a.categoryId)) classesOf[a.imageId].insert(c->name);
    std::set<int64_t> chosen;
    int withCar = 0, withoutCar = 0;
    for (const auto& im : d.images) {
        const auto& cs = classesOf[im.id];
        const bool base = cs.count("facade") && cs.count("window");
        if (base && cs.count("car") && withCar < 6) ++withCar, chosen.insert(im.id);
        else if (base && !cs.count("car") && withoutCar < 2) ++withoutCar, chosen.insert(im.id);
    }
    Dataset subset;
    subset.categories = d.categories;
    fs::create_directories(out / "images");
    for (const auto& im : d.images)
        if (chosen.count(im.id)) {
            subset.images.push_back(im);
            fs::copy_file(fs::path(d.imagesDir) / im.fileName, out / "images" / im.fileName,
                          fs::copy_options::overwrite_existing);
        }
    for (const auto& a : d.annotations)
        if (chosen.count(a.imageId)) subset.annotations.push_back(a);
    const std::string path = (out / "instances.json").string();
    coco->write(subset, path, {});
    return path;
}

// The default model's recipe at 128 px: TAEF2's frozen features (cached: no augmentation),
// the pixel-unshuffle codec, FiLM and the pooled phrase, three phrases per image.
json overfitConfig(const std::string& root, const std::string& coco, const std::string& taef2) {
    return json{
        {"output", root + "/model"},
        {"checkpoint_dir", root + "/checkpoints"},
        {"seed", 11},
        {"threads", 1},
        {"model",
         {{"resolution", kSide},
          {"pretrained_image_encoder", taef2},
          {"mask_codec", "pixel_unshuffle"},
          {"block_out_channels", {32, 64, 128}},
          {"attention", {false, true, true}},
          {"attention_head_dim", 16},
          {"norm_groups", 8},
          {"text_hidden", 32},
          {"text_layers", 1},
          {"text_heads", 2},
          {"pooled_phrase", true},
          {"film", true},
          {"scheduler", {{"rescale_betas_zero_snr", true}}},
          {"defaults", {{"steps", 1}, {"spacing", "trailing"}, {"threshold", 0.5}}}}},
        {"data",
         {{"train", coco},
          {"classes", kClasses},
          {"val_fraction", 0.0},
          {"absent_fraction", 0.25},
          {"phrases_per_image", 3},
          {"augment", false},
          {"cache_scale", 1.0}}},
        {"objective",
         {{"type", "sample"},
          {"timesteps", "long_tail"},
          {"shift", 0.1},
          {"terminal_fraction", 0.5},
          {"mask_loss", 1.0},
          {"phrase_separation", 0.1},
          {"p_drop", 0.0}}},
        {"steps", 1200},
        {"batch", 12},
        {"optim", {{"lr", 0.003}, {"warmup", 30}, {"ema", 0.0}, {"text_lr_scale", 0.3}}},
        {"checkpoint_every", 0},
        {"final_validation", false},
        {"log_every", 100}};
}

}  // namespace

class TestOverfitE2e : public QObject {
    Q_OBJECT
private slots:
    void reproducesEveryPhraseOnItsTrainingImages() {
        const fs::path facade = fs::path(LABELDIFF_SHARED_DIR) / "data/facade/train";
        const fs::path taef2 = fs::path(LABELDIFF_SHARED_DIR) / "models/taef2";
        if (!fs::exists(facade / "instances.json") || !fs::exists(taef2))
            QSKIP("../shared/data/facade or ../shared/models/taef2 is absent");
        QTemporaryDir tmp;
        const std::string root = tmp.path().toStdString();
        const std::string coco = writeSubset(facade, fs::path(root) / "data");
        TrainConfig cfg = TrainConfig::fromJson(overfitConfig(root, coco, taef2.string()), "", "overfit test");
        TrainResult r = Trainer(cfg).run([](const TrainProgress& p) {
            if (p.event == TrainEvent::Step) qInfo("step %lld loss %.4f", (long long)p.step, p.loss);
        });
        QVERIFY(!r.output.empty());

        auto model = ModelDirectory::open(r.output);
        const PhraseSimilarity similarity = measurePhraseSimilarity(*model, kClasses);
        QVERIFY2(similarity.above().empty(), similarity.toJson().dump().c_str());

        Sampler sampler(model);
        SamplerSettings s;
        s.threshold = 0.5;
        const LabelledImages data = loadLabelledImages({DataSource{"coco", coco, ""}}, kClasses, kSide);
        QCOMPARE(int(data.items.size()), 8);
        std::vector<double> inter(kClasses.size()), uni(kClasses.size());
        int absentPairs = 0;
        for (const auto& item : data.items)
            for (size_t c = 0; c < kClasses.size(); ++c) {
                const auto seg = sampler.segment(item.rgb, kClasses[c], s);
                cv::Mat predicted = seg.mask.mat() > 0;
                if (!item.has(c)) {
                    ++absentPairs;
                    QVERIFY2(cv::countNonZero(predicted) == 0,
                             qPrintable(QString("%1 on %2: %3 pixels for an absent class")
                                            .arg(kClasses[c].c_str(), item.file.c_str())
                                            .arg(cv::countNonZero(predicted))));
                    continue;
                }
                cv::Mat truth = item.masks[c] >= 128;
                inter[c] += cv::countNonZero(predicted & truth);
                uni[c] += cv::countNonZero(predicted | truth);
            }
        QCOMPARE(absentPairs, 2);
        for (size_t c = 0; c < kClasses.size(); ++c) {
            const double iou = inter[c] / std::max(1.0, uni[c]);
            qInfo("%s IoU %.3f", kClasses[c].c_str(), iou);
            QVERIFY2(iou > 0.9, qPrintable(QString("%1: IoU %2").arg(kClasses[c].c_str()).arg(iou)));
        }
    }
};

QTEST_APPLESS_MAIN(TestOverfitE2e)
#include "test_overfit_e2e.moc"
