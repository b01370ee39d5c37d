#include "inference/training_eval.h"

#include "core/error.h"
#include "core/threshold.h"
#include "inference/conditioning.h"
#include "inference/model_directory.h"
#include "inference/unet.h"

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <chrono>

namespace ld {

using json = nlohmann::json;

std::map<std::string, double> EvalResult::tunedThresholds() const {
    std::map<std::string, double> out;
    for (const auto& c : classes) out[c.name] = c.tunedThreshold;
    return out;
}

json EvalResult::toJson() const {
    json per = json::object(), tuned = json::object(), thr = json::object();
    for (const auto& c : classes) {
        per[c.name] = c.iou();
        tuned[c.name] = c.tunedIou;
        thr[c.name] = c.tunedThreshold;
    }
    return {{"miou", miou},
            {"tuned_miou", tunedMiou},
            {"absent_accuracy", absentAccuracy},
            {"per_class_iou", per},
            {"per_class_tuned_iou", tuned},
            {"tuned_thresholds", thr},
            {"pairs", pairs},
            {"images", images},
            {"seconds", seconds},
            {"pairs_per_second", pairsPerSecond()}};
}

bool isDiscriminativeModel(const ModelDirectory& model) {
    const json& t = model.card().training;
    if (!t.is_object()) return false;
    auto it = t.find("objective");
    if (it == t.end()) return false;
    if (it->is_string()) return it->get<std::string>() == "discriminative";
    return it->is_object() && it->value("type", std::string()) == "discriminative";
}

SoftMask discriminativeSegment(const ModelDirectory& model, const cv::Mat& rgb, const std::string& phrase) {
    torch::NoGradGuard noGrad;
    const int r = model.card().resolution;
    cv::Mat resized;
    cv::resize(rgb, resized, cv::Size(r, r), 0, 0, rgb.cols > r ? cv::INTER_AREA : cv::INTER_LINEAR);
    if (!resized.isContinuous()) resized = resized.clone();
    auto img = torch::from_blob(resized.data, {1, r, r, 3}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat).div(255.0);
    auto lat = encodeImages(model, img);
    auto ctx = encodePhrases(model, {phrase});
    const auto shape = model.maskLatentShape();
    auto zeros = torch::zeros({1, shape[0], shape[1], shape[2]}, lat.options());
    auto out = runDenoiser(model, denoiserInput(zeros, lat), torch::zeros({1}, lat.options()), ctx);
    auto p = torch::sigmoid(out.mean(1, true));
    p = torch::nn::functional::interpolate(p, torch::nn::functional::InterpolateFuncOptions()
                                                  .size(std::vector<int64_t>{rgb.rows, rgb.cols})
                                                  .mode(torch::kBilinear)
                                                  .align_corners(false));
    p = p.squeeze().to(torch::kCPU).contiguous();
    cv::Mat m(rgb.rows, rgb.cols, CV_32F, p.data_ptr<float>());
    return SoftMask::fromMat(m.clone());
}

EvalResult evaluateModel(std::shared_ptr<ModelDirectory> model, const LabelledImages& data,
                         const std::vector<size_t>& indicesIn, const EvalOptions& options, const CancelToken* cancel,
                         const std::function<void(int, int)>& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<size_t> indices = indicesIn;
    if (indices.empty())
        for (size_t i = 0; i < data.items.size(); ++i) indices.push_back(i);
    const bool disc = isDiscriminativeModel(*model);
    std::unique_ptr<Sampler> sampler;
    if (!disc) sampler = std::make_unique<Sampler>(model);
    const size_t nc = data.classes.size();
    const auto& grid = defaultThresholdGrid();
    EvalResult r;
    r.classes.resize(nc);
    std::vector<std::vector<double>> gridI(nc, std::vector<double>(grid.size())), gridU = gridI, gridAbsentOk = gridI;
    for (size_t c = 0; c < nc; ++c) {
        r.classes[c].name = data.classes[c];
        r.classes[c].threshold = options.threshold >= 0 ? options.threshold : model->card().thresholdFor(data.classes[c]);
    }
    int done = 0;
    for (size_t idx : indices) {
        const LabelledImage& item = data.items[idx];
        const double pixels = double(item.rgb.rows) * item.rgb.cols;
        for (size_t c = 0; c < nc; ++c) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            SoftMask soft;
            if (disc) {
                soft = discriminativeSegment(*model, item.rgb, data.classes[c]);
            } else {
                SamplerSettings s = options.settings;
                s.threshold = r.classes[c].threshold;
                soft = sampler->segment(item.rgb, data.classes[c], s, {}, cancel).soft;
            }
            ClassScore& cs = r.classes[c];
            const bool present = item.has(c);
            cv::Mat gt = present ? (item.masks[c] > 127) : cv::Mat::zeros(item.rgb.rows, item.rgb.cols, CV_8U);
            cv::Mat pred = soft.mat() >= float(cs.threshold);
            cs.intersection += cv::countNonZero(pred & gt);
            cs.uni += cv::countNonZero(pred | gt);
            if (present) {
                cs.present++;
            } else {
                cs.absent++;
                if (cv::countNonZero(pred) < options.absentAreaFraction * pixels) cs.absentCorrect++;
            }
            if (options.tuneThresholds) {
                const int side = options.tuneSide;
                cv::Mat ps, gs;
                cv::resize(soft.mat(), ps, cv::Size(side, side), 0, 0, cv::INTER_AREA);
                cv::resize(gt, gs, cv::Size(side, side), 0, 0, cv::INTER_NEAREST);
                for (size_t g = 0; g < grid.size(); ++g) {
                    cv::Mat pg = ps >= grid[g];
                    gridI[c][g] += cv::countNonZero(pg & gs);
                    gridU[c][g] += cv::countNonZero(pg | gs);
                    if (!present && cv::countNonZero(pg) < options.absentAreaFraction * side * side) gridAbsentOk[c][g]++;
                }
            }
            r.pairs++;
        }
        ++done;
        if (progress) progress(done, int(indices.size()));
    }
    r.images = done;
    double sum = 0, tunedSum = 0;
    int absent = 0, absentOk = 0;
    for (size_t c = 0; c < nc; ++c) {
        ClassScore& cs = r.classes[c];
        sum += cs.iou();
        absent += cs.absent;
        absentOk += cs.absentCorrect;
        cs.tunedThreshold = cs.threshold;
        cs.tunedIou = cs.iou();
        if (options.tuneThresholds) {
            // Best IoU among the τ that keep the absent accuracy; else the best absent accuracy.
            auto absentAccuracy = [&](size_t g) { return cs.absent ? gridAbsentOk[c][g] / cs.absent : 1.0; };
            double bestAbsent = 0;
            for (size_t g = 0; g < grid.size(); ++g) bestAbsent = std::max(bestAbsent, absentAccuracy(g));
            const double floor = std::min(options.minAbsentAccuracy, bestAbsent);
            double best = -1;
            size_t bestG = 0;
            for (size_t g = 0; g < grid.size(); ++g) {
                if (absentAccuracy(g) + 1e-12 < floor) continue;
                const double v = gridU[c][g] > 0 ? gridI[c][g] / gridU[c][g] : 1.0;
                if (v > best + 1e-12) {
                    best = v;
                    bestG = g;
                }
            }
            cs.tunedThreshold = grid[bestG];
            cs.tunedIou = best;
        }
        tunedSum += cs.tunedIou;
    }
    r.miou = nc ? sum / double(nc) : 0;
    r.tunedMiou = nc ? tunedSum / double(nc) : 0;
    r.absentAccuracy = absent ? double(absentOk) / absent : 1.0;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace ld
