// Times the label-diffusion sampler on one model and prints JSON: image + text encoding,
// ms per denoising step at U-Net batch 2·E (classifier-free guidance on), and end-to-end
// seconds for (steps, ensemble) in {1, 4, 20} x {1, 4}, each the median of N runs, next
// to a same-run fp32 GEMM rate so that figures compare across machines as ratios.
// --busy K measures the step times again beside K processes that keep a core busy each
// (what a browser or a build does to a desktop) and prints the ratio to the idle figures.
//
//   bench_sampler --model DIR [--image PATH] [--phrase TEXT] [--guidance W] [--iters 3]
//                 [--device cpu|cuda] [--threads N] [--busy K]
#include "core/error.h"
#include "core/image.h"
#include "core/synthetic_scene.h"
#include "inference/runtime/device.h"
#include "inference/io/model_card.h"
#include "inference/pipeline/sampler.h"

#include "bench_support.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace ld::bench;

int main(int argc, char** argv) {
    std::string model, image, phrase, device = "cpu";
    double guidance = 2.0;
    int iters = 3, threads = 0, busy = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--model") model = v;
        else if (a == "--image") image = v;
        else if (a == "--phrase") phrase = v;
        else if (a == "--guidance") guidance = std::stod(v);
        else if (a == "--iters") iters = std::stoi(v);
        else if (a == "--device") device = v;
        else if (a == "--threads") threads = std::stoi(v);
        else if (a == "--busy") busy = std::stoi(v);
        else {
            std::cerr << "bench_sampler: unknown option " << a << "\n";
            return 2;
        }
    }
    if (model.empty() || iters < 1 || guidance == 1.0) {
        std::cerr << "usage: bench_sampler --model DIR [--image PATH] [--phrase TEXT] [--guidance W != 1] [--iters N]"
                     " [--device cpu|cuda] [--threads N] [--busy K]\n";
        return 2;
    }
    try {
        ld::SamplerOptions options;
        options.device = device;
        options.threads = threads;
        auto sampler = ld::Sampler::open(model, options);
        const int r = sampler->resolution();
        const cv::Mat rgb = image.empty() ? ld::renderSyntheticScene(1, r, r).rgb : ld::loadImageRgb(image);
        if (phrase.empty())
            phrase = sampler->card().classThresholds.empty() ? "window" : sampler->card().classThresholds.begin()->first;
        const torch::Device dev(sampler->deviceName());

        auto run = [&](int steps, int ensemble, bool cold) {
            ld::SamplerSettings s;
            s.steps = steps;
            s.ensemble = ensemble;
            s.guidance = guidance;
            if (cold) sampler->clearCaches();
            auto result = sampler->segment(rgb, phrase, s);
            synchronize(dev);
            return result.timings;
        };
        run(1, 1, true);  // warm-up: allocator, kernels

        std::vector<double> encode;
        for (int i = 0; i < iters; ++i) encode.push_back(run(1, 1, true).encodeMs);

        auto stepTimes = [&] {
            nlohmann::json out = nlohmann::json::object();
            for (int ensemble : {1, 4}) {
                std::vector<double> step;
                for (int i = 0; i < iters; ++i) step.push_back(run(4, ensemble, false).meanStepMs());
                out["batch_" + std::to_string(2 * ensemble)] = median(step);
            }
            out["threads"] = ld::intraOpThreads();  // the automatic policy may have chosen per image
            return out;
        };
        nlohmann::json perStep = stepTimes(), endToEnd = nlohmann::json::array(), underLoad;
        if (busy > 0) {
            std::vector<pid_t> spinners;
            for (int k = 0; k < busy; ++k) {
                const pid_t pid = ::fork();
                if (pid == 0)
                    for (volatile unsigned long x = 0;; x = x + 1) {
                    }
                if (pid > 0) spinners.push_back(pid);
            }
            // As on a desktop, the other programs were busy before the click.
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            underLoad = stepTimes();
            for (pid_t pid : spinners) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
            }
        }
        for (int steps : {1, 4, 20})
            for (int ensemble : {1, 4}) {
                std::vector<double> total;
                for (int i = 0; i < iters; ++i) total.push_back(run(steps, ensemble, false).totalMs / 1000.0);
                endToEnd.push_back({{"steps", steps}, {"ensemble", ensemble}, {"seconds", median(total)}});
            }
        const double gflops = matmulGflops(dev, dev.is_cuda() ? 4096 : 1024);
        nlohmann::json j;
        j["model"] = model;
        j["resolution"] = r;
        j["phrase"] = phrase;
        j["guidance"] = guidance;
        j["device"] = sampler->deviceName();
        j["threads"] = threads > 0 ? nlohmann::json(threads) : nlohmann::json("automatic");
        j["iterations"] = iters;
        j["encode_ms_median"] = median(encode);
        j["step_ms_median"] = perStep;
        if (busy > 0) {
            j["busy_processes"] = busy;
            j["step_ms_median_busy"] = underLoad;
            nlohmann::json ratio = nlohmann::json::object();
            for (auto it = perStep.begin(); it != perStep.end(); ++it)
                if (it.key() != "threads") ratio[it.key()] = underLoad[it.key()].get<double>() / it.value().get<double>();
            j["busy_over_idle"] = ratio;
        }
        j["end_to_end"] = endToEnd;
        j["peak_rss_mib"] = procStatusKiB("VmHWM") / 1024.0;
        j["baseline_matmul_fp32_gflops"] = gflops;
        // The one-step, one-member run in GEMM-seconds: comparable across machines.
        j["one_step_gemm_gflop_equivalent"] = endToEnd[0]["seconds"].get<double>() * gflops;
        std::cout << j.dump(2) << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_sampler: " << e.what() << "\n";
        return 1;
    }
}
