// Times one UNet2DConditionModel forward pass and prints JSON: the median over N timed
// runs after warm-up, peak memory, and a same-run matmul throughput so that figures from
// different machines can be compared as ratios.
//
//   bench_unet [--config tiny|sd15|sd21|PATH/config.json] [--batch 2] [--size 32]
//              [--text-len 77] [--iters 5] [--warmup 1] [--device cpu|cuda] [--dtype fp32|bf16|fp16]
//              [--threads N]
// --size is the latent resolution (64 for SD at 512x512 pixels).
#include "core/error.h"
#include "inference/unet.h"

#include "bench_support.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace ld::bench;

int usage(const char* msg) {
    std::cerr << "bench_unet: " << msg
              << "\nusage: bench_unet [--config tiny|sd15|sd21|PATH] [--batch B] [--size S] [--text-len L]"
                 " [--iters N] [--warmup W] [--device cpu|cuda] [--dtype fp32|bf16|fp16] [--threads T]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string configName = "tiny", deviceName = "cpu", dtypeName = "fp32";
    int64_t batch = 2, size = 32, textLen = 77;
    int iters = 5, warmup = 1, threads = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage(("missing value for " + a).c_str());
        const std::string v = argv[++i];
        try {
            if (a == "--config") configName = v;
            else if (a == "--batch") batch = std::stol(v);
            else if (a == "--size") size = std::stol(v);
            else if (a == "--text-len") textLen = std::stol(v);
            else if (a == "--iters") iters = std::stoi(v);
            else if (a == "--warmup") warmup = std::stoi(v);
            else if (a == "--device") deviceName = v;
            else if (a == "--dtype") dtypeName = v;
            else if (a == "--threads") threads = std::stoi(v);
            else return usage(("unknown option " + a).c_str());
        } catch (const std::exception&) {
            return usage(("bad value for " + a).c_str());
        }
    }
    if (batch <= 0 || size <= 0 || textLen <= 0 || iters <= 0 || warmup < 0) return usage("values must be positive");

    try {
        if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        torch::set_num_threads(threads);

        ld::UNet2DConditionConfig config;
        if (configName == "tiny") config = ld::UNet2DConditionConfig::tiny();
        else if (configName == "sd15") config = ld::UNet2DConditionConfig::sd15();
        else if (configName == "sd21") config = ld::UNet2DConditionConfig::sd21();
        else config = ld::UNet2DConditionConfig::fromJsonFile(configName);

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

        torch::NoGradGuard noGrad;
        const long rssBefore = procStatusKiB("VmRSS");
        const double cudaBefore = device.is_cuda() ? cudaUsedMiB() : -1;
        torch::manual_seed(0);
        auto unet = std::make_shared<ld::UNet2DConditionModel>(config);
        unet->eval();
        unet->to(device, dtype);
        auto opts = torch::TensorOptions().dtype(dtype).device(device);
        torch::Tensor sample = torch::randn({batch, config.inChannels, size, size}, opts);
        torch::Tensor t = torch::full({batch}, 500.0f, torch::TensorOptions().device(device));
        torch::Tensor text = torch::randn({batch, textLen, config.crossAttentionDim[0]}, opts);
        ld::UNetAddedConditions added;
        if (config.additionEmbedType == "text_time") {
            added.textEmbeds =
                torch::randn({batch, config.projectionClassEmbeddingsInputDim - 6 * config.additionTimeEmbedDim}, opts);
            added.timeIds = torch::tensor({1024.0f, 1024.0f, 0.0f, 0.0f, 1024.0f, 1024.0f}).repeat({batch, 1}).to(device);
        }
        const ld::UNetAddedConditions* addedPtr = added.textEmbeds.defined() ? &added : nullptr;

        for (int i = 0; i < warmup; ++i) unet->forward(sample, t, text, addedPtr);
        synchronize(device);
        std::vector<double> ms;
        for (int i = 0; i < iters; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            torch::Tensor out = unet->forward(sample, t, text, addedPtr);
            synchronize(device);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        const long hwm = procStatusKiB("VmHWM");
        const double cudaAfter = device.is_cuda() ? cudaUsedMiB() : -1;
        const double gflops = matmulGflops(device, device.is_cuda() ? 4096 : 1024);

        nlohmann::json j;
        j["config"] = configName;
        j["parameters"] = unet->parameterCount();
        j["batch"] = batch;
        j["latent_size"] = size;
        j["text_len"] = textLen;
        j["device"] = device.str();
        j["dtype"] = dtypeName;
        j["threads"] = threads;
        j["torch_version"] = TORCH_VERSION;
        j["sdpa"] = ld::hasScaledDotProductAttention();
        j["warmup"] = warmup;
        j["iterations"] = iters;
        j["ms_per_forward_median"] = median(ms);
        j["ms_per_forward_min"] = *std::min_element(ms.begin(), ms.end());
        j["ms_per_forward_max"] = *std::max_element(ms.begin(), ms.end());
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
