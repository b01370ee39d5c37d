#pragma once
// A mask the model proposed and nobody has accepted yet: the soft mask is kept so that τ
// can move without sampling again; the binary mask is threshold(soft, τ), or empty while
// the model's presence gate says the phrase is not in the image (moving τ by hand
// overrides that: the person has seen the soft mask and wants it).
#include "core/dataset.h"
#include "core/mask.h"

#include <QString>

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

struct Proposal {
    int64_t imageId = 0;
    int64_t categoryId = 0;  // 0: none chosen yet (accepting asks the current category)
    std::string phrase;
    SoftMask soft;
    SoftMask uncertainty;
    std::vector<SoftMask> members;
    float tau = 0.5f;
    bool present = true;  // the sampler's presence gate
    float presence = 0;   // and the score it compared
    BinaryMask mask;
    Provenance provenance;  // model, settings and seed, for the annotation it becomes

    bool empty() const { return soft.empty(); }
    void setThreshold(float t) {
        tau = t;
        mask = present ? threshold(soft, tau) : BinaryMask(soft.height(), soft.width());
        provenance.settings["threshold"] = tau;
    }
};

}  // namespace ld
