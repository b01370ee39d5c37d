// Times one UNet2DConditionModel forward pass (or, with --train, one training step) and
// prints JSON: the median over N timed runs after warm-up, peak memory, and a same-run
// matmul throughput so that figures from different machines can be compared as ratios.
//
//   bench_unet [--config tiny|sd15|sd21|PATH/config.json] [--in-channels C] [--weights W.safetensors]
//              [--batch 2] [--size 32] [--text-len 77] [--iters 5] [--warmup 1]
//              [--device cpu|cuda] [--dtype fp32|bf16|fp16] [--threads N] [--seed S]
//              [--train 0|1] [--dump OUT.safetensors] [--dump-weights 0|1] [--write-config OUT.json]
// --size is the latent resolution (64 for SD at 512x512 pixels). --threads goes through
// ld::configureThreads (the product's policy: OpenBLAS 1 thread, inter-op 1; 0 = its default).
// --train times forward + MSE loss against a random x0 target + backward + gradient clipping
// (norm 1) + the trainer's AdamW update (lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay
// 0.01 on matrices and kernels, none on biases, norms and *embedding*), as ld::Trainer does.
// --dump writes the inputs and the last output (and with --dump-weights 1 the weights) for a
// parity check against bench/pytorch/labeldiff_unet.py; --write-config writes the resolved
// config (after --in-channels) as diffusers' config.json and exits.
#include "core/error.h"
#include "inference/runtime/device.h"
#include "inference/io/safetensors.h"
#include "inference/io/state_dict.h"
#include "inference/models/unets/unet.h"

#include "bench_support.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace ld::bench;

int usage(const char* msg) {
    std::cerr << "bench_unet: " << msg
              << "\nusage: bench_unet [--config tiny|sd15|sd21|PATH] [--in-channels C] [--weights W]"
                 " [--batch B] [--size S] [--text-len L] [--iters N] [--warmup W] [--device cpu|cuda]"
                 " [--dtype fp32|bf16|fp16] [--threads T] [--seed S] [--train 0|1] [--dump OUT]"
                 " [--dump-weights 0|1] [--write-config OUT.json]\n";
    return 2;
}

// The update of ld::Trainer (inference/trainer.cpp) for one step: decoupled weight decay,
// bias-corrected moments.
struct AdamW {
    struct Slot {
        torch::Tensor param, m, v;
        bool decay;
    };
    std::vector<Slot> slots;
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01, clip = 1.0;
    int64_t step = 0;

    explicit AdamW(const torch::nn::Module& module) {
        for (const auto& kv : module.named_parameters(true)) {
            const bool decay = kv.value().dim() >= 2 && kv.key().find("embedding") == std::string::npos;
            slots.push_back({kv.value(), torch::zeros_like(kv.value()), torch::zeros_like(kv.value()), decay});
        }
    }
    void zeroGrad() {
        for (auto& s : slots)
            if (s.param.grad().defined()) s.param.mutable_grad().zero_();
    }
    void update() {
        torch::NoGradGuard ng;
        ++step;
        std::vector<torch::Tensor> ps;
        for (auto& s : slots)
            if (s.param.grad().defined()) ps.push_back(s.param);
        if (clip > 0) torch::nn::utils::clip_grad_norm_(ps, clip);
        const double bc1 = 1 - std::pow(beta1, double(step)), bc2 = 1 - std::pow(beta2, double(step));
        for (auto& s : slots) {
            if (!s.param.grad().defined()) continue;
            const auto& g = s.param.grad();
            s.m.mul_(beta1).add_(g, 1 - beta1);
            s.v.mul_(beta2).addcmul_(g, g, 1 - beta2);
            if (s.decay && weightDecay > 0) s.param.mul_(1 - lr * weightDecay);
            auto denom = (s.v / bc2).sqrt_().add_(eps);
            s.param.addcdiv_(s.m, denom, -lr / bc1);
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    std::string configName = "tiny", deviceName = "cpu", dtypeName = "fp32", weightsPath, dumpPath, configOut;
    int64_t batch = 2, size = 32, textLen = 77, inChannels = 0, seed = 0;
    int iters = 5, warmup = 1, threads = 0, train = 0, dumpWeights = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage(("missing value for " + a).c_str());
        const std::string v = argv[++i];
        try {
            if (a == "--config") configName = v;
            else if (a == "--in-channels") inChannels = std::stol(v);
            else if (a == "--weights") weightsPath = v;
            else if (a == "--batch") batch = std::stol(v);
            else if (a == "--size") size = std::stol(v);
            else if (a == "--text-len") textLen = std::stol(v);
            else if (a == "--iters") iters = std::stoi(v);
            else if (a == "--warmup") warmup = std::stoi(v);
            else if (a == "--device") deviceName = v;
            else if (a == "--dtype") dtypeName = v;
            else if (a == "--threads") threads = std::stoi(v);
            else if (a == "--seed") seed = std::stol(v);
            else if (a == "--train") train = std::stoi(v);
            else if (a == "--dump") dumpPath = v;
            else if (a == "--dump-weights") dumpWeights = std::stoi(v);
            else if (a == "--write-config") configOut = v;
            else return usage(("unknown option " + a).c_str());
        } catch (const std::exception&) {
            return usage(("bad value for " + a).c_str());
        }
    }
    if (batch <= 0 || size <= 0 || textLen <= 0 || iters <= 0 || warmup < 0 || inChannels < 0)
        return usage("values must be positive");

    try {
        ld::UNet2DConditionConfig config;
        if (configName == "tiny") config = ld::UNet2DConditionConfig::tiny();
        else if (configName == "sd15") config = ld::UNet2DConditionConfig::sd15();
        else if (configName == "sd21") config = ld::UNet2DConditionConfig::sd21();
        else config = ld::UNet2DConditionConfig::fromJsonFile(configName);
        if (inChannels > 0) config.inChannels = static_cast<int>(inChannels);
        config.validate(configName);
        if (!configOut.empty()) {
            std::ofstream(configOut) << config.toJson().dump(2) << "\n";
            return 0;
        }
        threads = ld::configureThreads(threads);

        torch::Device device(torch::kCPU);
        if (deviceName == "cuda") {
            if (!torch::cuda::is_available()) throw ld::Error("--device", "cuda requested but CUDA is not available");
            device = torch::Device(torch::kCUDA);
        } else if (deviceName != "cpu") {
            throw ld::Error("--device", "unknown device '" + deviceName + "' (cpu, cuda)");
        }
        torch::Dtype dtype = torch::kFloat;
        if (dtypeName == "bf16") dtype = torch::kBFloat16;
        else if (dtypeName == "fp16") dtype = torch::kHalf;
        else if (dtypeName != "fp32") throw ld::Error("--dtype", "unknown dtype '" + dtypeName + "' (fp32, bf16, fp16)");

        // The sampler runs the U-Net under NoGradGuard; a training step records the graph.
        std::optional<torch::NoGradGuard> noGrad;
        if (!train) noGrad.emplace();
        const long rssBefore = procStatusKiB("VmRSS");
        const double cudaBefore = device.is_cuda() ? cudaUsedMiB() : -1;
        torch::manual_seed(static_cast<uint64_t>(seed));
        auto unet = std::make_shared<ld::UNet2DConditionModel>(config);
        if (!weightsPath.empty()) unet->loadFile(weightsPath);
        if (train) unet->train();
        else unet->eval();
        unet->to(device, dtype);
        auto opts = torch::TensorOptions().dtype(dtype).device(device);
        torch::Tensor sample = torch::randn({batch, config.inChannels, size, size}, opts);
        torch::Tensor t = torch::full({batch}, 500.0f, torch::TensorOptions().device(device));
        torch::Tensor text = torch::randn({batch, textLen, config.crossAttentionDim[0]}, opts);
        torch::Tensor target = train ? torch::randn({batch, config.outChannels, size, size}, opts) : torch::Tensor();
        ld::UNetAddedConditions added;
        if (config.additionEmbedType == "text_time") {
            added.textEmbeds =
                torch::randn({batch, config.projectionClassEmbeddingsInputDim - 6 * config.additionTimeEmbedDim}, opts);
            added.timeIds = torch::tensor({1024.0f, 1024.0f, 0.0f, 0.0f, 1024.0f, 1024.0f}).repeat({batch, 1}).to(device);
        }
        const ld::UNetAddedConditions* addedPtr = added.textEmbeds.defined() ? &added : nullptr;
        ld::TensorMap initialWeights;
        if (!dumpPath.empty() && dumpWeights)
            for (const auto& kv : ld::stateDict(*unet)) initialWeights["unet." + kv.first] = kv.second.clone();

        std::unique_ptr<AdamW> optim;
        if (train) optim = std::make_unique<AdamW>(*unet);
        torch::Tensor out, loss;
        double firstLoss = 0;
        auto once = [&]() {
            if (!train) {
                out = unet->forward(sample, t, text, addedPtr);
                return;
            }
            optim->zeroGrad();
            out = unet->forward(sample, t, text, addedPtr);
            loss = torch::mse_loss(out, target);
            loss.backward();
            optim->update();
        };
        std::vector<double> ms;
        for (int i = 0; i < warmup + iters; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            once();
            synchronize(device);
            const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (train && i == 0) firstLoss = loss.item<double>();
            if (i >= warmup) ms.push_back(elapsed);
        }
        const long hwm = procStatusKiB("VmHWM");
        const double cudaAfter = device.is_cuda() ? cudaUsedMiB() : -1;

        if (!dumpPath.empty()) {
            // Inputs, the output of the last run and, for --train, the first loss (with
            // the initial weights; the last output is after warmup + iters - 1 updates).
            ld::TensorMap d = std::move(initialWeights);
            d["sample"] = sample;
            d["timesteps"] = t;
            d["encoder_hidden_states"] = text;
            if (addedPtr) {
                d["text_embeds"] = added.textEmbeds;
                d["time_ids"] = added.timeIds;
            }
            if (train) {
                d["target"] = target;
                d["first_loss"] = torch::tensor({firstLoss}, torch::kFloat);
            } else {
                d["output"] = out.detach();
            }
            ld::saveSafetensors(dumpPath, d, {{"format", "pt"}, {"config", config.toJson().dump()}});
        }
        const double gflops = matmulGflops(device, device.is_cuda() ? 4096 : 1024);

        nlohmann::json j;
        j["config"] = configName;
        j["mode"] = train ? "train" : "forward";
        j["parameters"] = unet->parameterCount();
        j["in_channels"] = config.inChannels;
        j["batch"] = batch;
        j["latent_size"] = size;
        j["text_len"] = textLen;
        j["device"] = device.str();
        j["dtype"] = dtypeName;
        j["threads"] = threads;
        j["openblas_threads"] = ld::openBlasThreads();
        j["torch_version"] = TORCH_VERSION;
        j["sdpa"] = ld::hasScaledDotProductAttention();
        j["warmup"] = warmup;
        j["iterations"] = iters;
        j["ms"] = ms;
        j["ms_per_forward_median"] = median(ms);  // per training step with --train
        j["ms_per_forward_min"] = *std::min_element(ms.begin(), ms.end());
        j["ms_per_forward_max"] = *std::max_element(ms.begin(), ms.end());
        if (train) j["first_loss"] = firstLoss;
        if (rssBefore >= 0 && hwm >= 0) j["peak_rss_delta_mib"] = (hwm - rssBefore) / 1024.0;
        if (hwm >= 0) j["peak_rss_mib"] = hwm / 1024.0;
        if (cudaAfter >= 0) {
            j["cuda_used_mib"] = cudaAfter;
            if (cudaBefore >= 0) j["cuda_used_delta_mib"] = cudaAfter - cudaBefore;
        }
        j["baseline_matmul_fp32_gflops"] = gflops;
        // Forward time in units of "seconds of fp32 GEMM at the measured rate" is not
        // portable either; the ratio below is: ms per forward x GFLOP/s (~ GFLOP equivalents).
        j["forward_gemm_gflop_equivalent"] = median(ms) * 1e-3 * gflops;
        std::cout << j.dump(2) << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_unet: " << e.what() << "\n";
        return 1;
    }
}
