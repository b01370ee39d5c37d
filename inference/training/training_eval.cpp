#include "inference/training/training_eval.h"

#include "core/error.h"
#include "inference/io/model_directory.h"

#include <opencv2/imgproc.hpp>

#include <chrono>

namespace ld {

using json = nlohmann::json;

std::map<std::string, double> EvalResult::tunedThresholds() const {
    std::map<std::string, double> out;
    for (const auto& c : classes) out[c.name] = c.tunedThreshold;
    return out;
}

std::map<std::string, double> EvalResult::tunedPresence() const {
    std::map<std::string, double> out;
    for (const auto& c : classes)
        if (c.tunedPresence > 0) out[c.name] = c.tunedPresence;
    return out;
}

json EvalResult::toJson() const {
    json per = json::object(), tuned = json::object(), thr = json::object(), gate = json::object(),
         absent = json::object();
    for (const auto& c : classes) {
        per[c.name] = c.iou();
        tuned[c.name] = c.tunedIou;
        thr[c.name] = c.tunedThreshold;
        gate[c.name] = c.tunedPresence;
        if (c.absent) absent[c.name] = double(c.absentCorrect) / c.absent;
    }
    return {{"miou", miou},
            {"tuned_miou", tunedMiou},
            {"absent_accuracy", absentAccuracy},
            {"per_class_iou", per},
            {"per_class_absent_accuracy", absent},
            {"per_class_tuned_iou", tuned},
            {"tuned_thresholds", thr},
            {"tuned_presence", gate},
            {"pairs", pairs},
            {"images", images},
            {"seconds", seconds},
            {"pairs_per_second", pairsPerSecond()}};
}

EvalResult evaluateModel(std::shared_ptr<ModelDirectory> model, const LabelledImages& data,
                         const std::vector<size_t>& indicesIn, const EvalOptions& options, const CancelToken* cancel,
                         const std::function<void(int, int)>& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<size_t> indices = indicesIn;
    if (indices.empty())
        for (size_t i = 0; i < data.items.size(); ++i) indices.push_back(i);
    Sampler sampler(model);
    const size_t nc = data.classes.size();
    EvalResult r;
    r.classes.resize(nc);
    std::vector<std::vector<GridCounts>> counts(nc);
    for (size_t c = 0; c < nc; ++c) {
        ClassScore& cs = r.classes[c];
        cs.name = data.classes[c];
        cs.threshold = options.threshold >= 0 ? options.threshold : model->card().thresholdFor(cs.name);
        cs.presence = options.presence >= 0 ? options.presence : model->card().presenceFor(cs.name);
    }
    int done = 0;
    for (size_t idx : indices) {
        const LabelledImage& item = data.items[idx];
        const double pixels = double(item.rgb.rows) * item.rgb.cols;
        for (size_t c = 0; c < nc; ++c) {
            if (cancel && cancel->cancelled()) throw Cancelled();
            ClassScore& cs = r.classes[c];
            SamplerSettings s = options.settings;
            s.threshold = cs.threshold;
            s.presence = cs.presence;
            const PhraseSegmentation seg = sampler.segment(item.rgb, cs.name, s, {}, cancel);
            const bool present = item.has(c);
            cv::Mat gt = present ? (item.masks[c] > 127) : cv::Mat::zeros(item.rgb.rows, item.rgb.cols, CV_8U);
            const cv::Mat& pred = seg.mask.mat();
            const IouCounts image = iouCounts(seg.mask, BinaryMask::fromMat(gt));
            cs.counts.intersection += image.intersection;
            cs.counts.unionArea += image.unionArea;
            if (present) {
                cs.present++;
            } else {
                cs.absent++;
                if (cv::countNonZero(pred) < options.absentAreaFraction * pixels) cs.absentCorrect++;
            }
            if (options.tuneThresholds) {
                const int side = options.tuneSide;
                cv::Mat ps, gs;
                cv::resize(seg.soft.mat(), ps, cv::Size(side, side), 0, 0, cv::INTER_AREA);
                cv::resize(gt, gs, cv::Size(side, side), 0, 0, cv::INTER_NEAREST);
                counts[c].push_back(gridCounts(SoftMask::fromMat(ps), BinaryMask::fromMat(gs), seg.presence));
            }
            r.pairs++;
        }
        ++done;
        if (progress) progress(done, int(indices.size()));
    }
    r.images = done;
    std::vector<GatedThreshold> tuned;
    if (options.tuneThresholds) tuned = bestGatedThresholds(counts, options.minAbsentAccuracy, options.absentAreaFraction);
    double sum = 0, tunedSum = 0;
    int absent = 0, absentOk = 0;
    for (size_t c = 0; c < nc; ++c) {
        ClassScore& cs = r.classes[c];
        sum += cs.iou();
        absent += cs.absent;
        absentOk += cs.absentCorrect;
        cs.tunedThreshold = cs.threshold;
        cs.tunedPresence = cs.presence;
        cs.tunedIou = cs.iou();
        cs.tunedAbsentAccuracy = cs.absent ? double(cs.absentCorrect) / cs.absent : 1.0;
        if (options.tuneThresholds) {
            const GatedThreshold& best = tuned[c];
            cs.tunedThreshold = best.tau;
            cs.tunedPresence = best.presence;
            cs.tunedIou = best.iou;
            cs.tunedAbsentAccuracy = best.absentAccuracy;
        }
        tunedSum += cs.tunedIou;
    }
    r.miou = nc ? sum / double(nc) : 0;
    r.tunedMiou = nc ? tunedSum / double(nc) : 0;
    r.absentAccuracy = absent ? double(absentOk) / absent : 1.0;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

EvalResult evaluateModel(const std::string& modelDir, const LabelledImages& data, const std::vector<size_t>& indices,
                         const EvalOptions& options, const CancelToken* cancel,
                         const std::function<void(int, int)>& progress) {
    ModelDirectoryOptions mo;
    mo.cancel = cancel;
    return evaluateModel(ModelDirectory::open(modelDir, mo), data, indices, options, cancel, progress);
}

}  // namespace ld
