#pragma once
// What the UI asks the inference worker for and what comes back, as plain values that
// travel through queued signals. Frames carry ready-made QImages so that the UI thread
// only paints them.
#include "core/mask.h"
#include "inference/pipeline/batch_labelling.h"
#include "inference/pipeline/sampler.h"

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QVector>

#include <memory>
#include <string>
#include <vector>

namespace ld {

struct SegmentRequest {
    quint64 id = 0;        // assigned by InferenceService::submit
    QString imagePath;     // decoded on the worker (core/image.h, EXIF applied)
    int64_t imageId = 0;   // the project image it is for, passed through
    std::vector<std::string> phrases;
    SamplerSettings settings;
    bool trajectory = true;  // send frames for live rendering
    double backgroundThreshold = 0.5;
    // Set: the worker labels the image by the batch policy (labelImage) instead, with its
    // model named in the provenance; phrases and settings come from the job.
    std::shared_ptr<const BatchImageJob> batch;
    // Set from the UI thread; the sampler checks it between steps.
    std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
};

// One denoising step as the trajectory strip and the canvas show it.
struct TrajectoryImage {
    int phraseIndex = 0;
    QString phrase;
    int step = 0;
    int steps = 0;
    double timestep = 0;
    QImage x0;  // Grayscale8 at the model's working resolution
    QImage xt;
};

struct SegmentResult {
    SegmentRequest request;
    SemanticSegmentation segmentation;
    std::vector<Annotation> annotations;  // a batch job's
    int imageWidth = 0;
    int imageHeight = 0;
    QString modelName;
    QString device;
    double totalMs = 0;
};

using SegmentResultPtr = std::shared_ptr<const SegmentResult>;

}  // namespace ld

Q_DECLARE_METATYPE(ld::SegmentRequest)
Q_DECLARE_METATYPE(ld::TrajectoryImage)
Q_DECLARE_METATYPE(ld::SegmentResultPtr)
