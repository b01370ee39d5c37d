#pragma once
// The exponential moving average of the trained weights: what checkpoints, validation and
// the final model hold, since it scores better than the last step's raw weights.
#include "inference/io/safetensors.h"
#include "inference/training/trainable_parameters.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ld {

class EmaWeights {
public:
    // decay 0: off (every call below is then a no-op and the raw weights stand for the EMA).
    EmaWeights(std::vector<TrainableParameter> params, double decay);

    bool enabled() const { return decay_ > 0; }
    // After the update of `step` (1-based); the decay ramps up as min(decay, (1+step)/(10+step))
    // so that the average does not drag the random initialisation along for thousands of steps.
    void update(int64_t step);
    TensorMap state() const;  // contiguous CPU copies by parameter name
    void loadState(const TensorMap& state, const std::string& subject);

    // While a Swap lives the parameters hold the EMA weights; the raw ones come back when it
    // ends, also when an exception leaves the scope.
    class Swap {
    public:
        explicit Swap(EmaWeights& ema);
        ~Swap();
        Swap(const Swap&) = delete;
        Swap& operator=(const Swap&) = delete;

    private:
        EmaWeights& ema_;
        std::vector<torch::Tensor> raw_;
    };

private:
    std::vector<TrainableParameter> params_;
    double decay_;
    std::vector<torch::Tensor> average_;
};

}  // namespace ld
