#pragma once
// Batch labelling, the one policy behind `labeldiff-cli label` and the GUI's "Label all
// images", so that the same image, phrases and settings give the same annotations in both.
// Every phrase is sampled and, with several, each pixel goes to the phrase of highest
// probability (DiGSeg's semantic map; background where none reaches τ, 0.5 when τ is the
// card's per class), so categories never overlap; each non-empty mask becomes a
// model-made, unreviewed annotation with the provenance that reproduces it.
// Work already there is kept: a category that has an annotation on the image gets no
// other. Its phrase still competes for the pixels, so that what the other categories get
// does not depend on what was labelled before.
// Each proposal carries its uncertainty (core/uncertainty_score.h) in the provenance, from
// the ensemble members, so that a review queue made by the CLI or the GUI is the same.
#include "core/dataset.h"
#include "inference/pipeline/sampler.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace ld {

struct BatchImageJob {
    int64_t imageId = 0;
    std::string file;                  // for messages
    int width = 0, height = 0;         // as the dataset records them (0: unknown)
    std::vector<std::string> phrases;  // the vocabulary: phrases[i] labels categoryIds[i]
    std::vector<int64_t> categoryIds;
    std::set<int64_t> labelledCategories;  // already annotated on this image: none added
    SamplerSettings settings;
    std::string model;                 // as the provenance names it (provenanceModel)
};

struct BatchImageResult {
    SemanticSegmentation segmentation;    // empty when nothing needed labelling
    std::vector<Annotation> annotations;  // in phrase order, id 0: the caller numbers them
};

// The model's own unreviewed proposal: the only kind of annotation a batch may replace.
bool isModelProposal(const Provenance& p);

// False when every category is already annotated: the image is not sampled at all.
bool needsLabelling(const BatchImageJob& job);

// rgb: CV_8UC3 RGB. Throws Cancelled, or ld::Error naming the file when the image is not
// the size the dataset records (its masks would not fit the image).
BatchImageResult labelImage(Sampler& sampler, const cv::Mat& rgb, const BatchImageJob& job,
                            const CancelToken* cancel = nullptr);

}  // namespace ld
