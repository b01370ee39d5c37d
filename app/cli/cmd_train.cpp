// labeldiff-cli train: train or fine-tune a model from a JSON training config, with
// checkpoints, --resume, validation and JSON-lines progress. Ctrl-C saves a checkpoint
// and exits cleanly. Started as several processes (torchrun's or Slurm's variables) it is
// one rank of a data-parallel run (inference/training/distributed.h).
#include "command.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/json_read.h"
#include "inference/pipeline/sampler.h"
#include "inference/training/trainer.h"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace {

ld::CancelToken& interruptToken() {
    static ld::CancelToken token;
    return token;
}

extern "C" void onInterrupt(int) { interruptToken().cancel(); }

std::string duration(double s) {
    if (!(s >= 0)) return "?";
    const long t = long(s + 0.5);
    char buf[32];
    if (t >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    return buf;
}

ld::cli::CommandRegistrar reg{{"train", "Train or fine-tune a model from a JSON training config",
                               [](CLI::App& sub) {
    struct Args {
        std::string config, resume, device, output;
        int threads = -1;
        long stopAfter = 0, steps = 0;
        bool quiet = false;
    };
    auto a = std::make_shared<Args>();
    sub.add_option("--config", a->config, "Training config (JSON)");
    sub.add_option("--resume", a->resume, "Continue from this checkpoint directory");
    sub.add_option("--device", a->device, "cpu, cuda or cuda:N (default: the config's)");
    sub.add_option("--threads", a->threads, "CPU threads (default: the config's, else automatic)");
    sub.add_option("--output", a->output, "Final model directory (default: the config's)");
    sub.add_option("--steps", a->steps, "Total steps (default: the config's; the cosine schedule follows it)");
    sub.add_option("--stop-after", a->stopAfter, "Stop with a checkpoint after this step (as an interruption)");
    sub.add_flag("--quiet", a->quiet, "No progress lines on the terminal");
    return [a]() {
        if (a->config.empty() && a->resume.empty()) throw ld::Error("train", "give --config, or --resume with a checkpoint");
        ld::TrainConfig cfg;
        if (!a->config.empty()) {
            cfg = ld::TrainConfig::fromFile(a->config);
        } else {
            // The config stored in the checkpoint.
            const std::string sp = a->resume + "/training_state/state.json";
            const auto state = ld::readJsonFile(sp);
            cfg = ld::TrainConfig::fromJson(state.at("config"), "", sp);
        }
        if (!a->device.empty()) cfg.device = a->device;
        if (a->threads >= 0) cfg.threads = a->threads;
        if (!a->output.empty()) cfg.output = a->output;
        if (a->steps > 0) cfg.steps = a->steps;
        std::signal(SIGINT, onInterrupt);
        std::signal(SIGTERM, onInterrupt);
        const bool tty = ::isatty(STDOUT_FILENO);
        auto onProgress = [a, tty](const ld::TrainProgress& p) {
            if (a->quiet) return;
            if (p.event == ld::TrainEvent::Step) {
                char buf[256];
                std::snprintf(buf, sizeof buf, "step %lld/%lld  loss %.5f  lr %.2e  %.2f s/step  elapsed %s  eta %s",
                              (long long)p.step, (long long)p.steps, p.loss, p.lr, p.secondsPerStep,
                              duration(p.elapsed).c_str(), duration(p.eta).c_str());
                std::cout << (tty ? "\r" : "") << buf << (tty ? "\033[K" : "\n") << std::flush;
            } else if (p.event == ld::TrainEvent::Validation) {
                char buf[256];
                std::snprintf(buf, sizeof buf, "validation at step %lld: mIoU %.4f (tuned thresholds %.4f), absent-class accuracy %.4f",
                              (long long)p.step, p.metrics.value("miou", 0.0), p.metrics.value("tuned_miou", 0.0),
                              p.metrics.value("absent_accuracy", 0.0));
                std::cout << (tty ? "\n" : "") << buf << "\n" << std::flush;
            } else {
                std::cout << (tty && p.event != ld::TrainEvent::Start ? "\n" : "") << ld::trainEventName(p.event) << ": step " << p.step << "/" << p.steps
                          << (p.path.empty() ? "" : "  " + p.path) << "\n" << std::flush;
            }
        };
        ld::Trainer trainer(cfg);
        const ld::TrainResult r = trainer.run(onProgress, &interruptToken(), a->resume, a->stopAfter);
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        if (r.rank != 0) {
            std::cout << "rank " << r.rank << " of " << r.worldSize << (r.cancelled ? " stopped" : " done")
                      << " at step " << r.steps << " (rank 0 writes the checkpoints and the model)\n";
            return 0;
        }
        if (r.cancelled) {
            std::cout << "stopped at step " << r.steps << "; resume with: labeldiff-cli train --resume " << r.lastCheckpoint
                      << "\n";
            return 0;
        }
        if (r.timeLimited)
            std::cout << "time limit reached at step " << r.steps << "; go on with: labeldiff-cli train --resume "
                      << r.lastCheckpoint << "\n";
        std::cout << "model written to " << r.output << " (" << duration(r.wallSeconds) << ")\n";
        return 0;
    };
}}};

}  // namespace
