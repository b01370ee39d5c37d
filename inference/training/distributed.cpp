#include "inference/training/distributed.h"

#include "core/environment.h"
#include "core/error.h"

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>
// LibTorch's CMake package defines USE_C10D_GLOO (and USE_C10D_NCCL) for the builds that have them.
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>

namespace ld {
struct DataParallel::Group {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<c10d::ProcessGroup> group;
};

std::optional<DistributedSettings> distributedSettingsFromEnvironment(const DistributedEnvironment& getenv) {
    // torchrun's names first; srun sets only Slurm's.
    const bool torchrun = getenv("WORLD_SIZE").has_value();
    const std::string worldName = torchrun ? "WORLD_SIZE" : "SLURM_NTASKS";
    const std::string rankName = torchrun ? "RANK" : "SLURM_PROCID";
    if (!getenv(worldName)) return std::nullopt;
    const std::string why = "a data-parallel run needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT";
    const long long world = requireNumber(getenv, worldName, why);
    if (world <= 1) return std::nullopt;
    DistributedSettings s;
    const long long rank = requireNumber(getenv, rankName, why);
    if (rank >= world)
        throw Error(rankName, std::to_string(rank) + " is not below " + worldName + " " + std::to_string(world));
    s.worldSize = int(world);
    s.rank = int(rank);
    const std::string localName = getenv("LOCAL_RANK") ? "LOCAL_RANK" : "SLURM_LOCALID";
    if (getenv(localName)) s.localRank = int(requireNumber(getenv, localName, "the rank on its node"));
    const auto addr = getenv("MASTER_ADDR");
    if (!addr || addr->empty()) throw Error("MASTER_ADDR", "not set (" + why + ")");
    s.masterAddr = *addr;
    const long long port = requireNumber(getenv, "MASTER_PORT", why);
    if (port < 1 || port > 65535) throw Error("MASTER_PORT", std::to_string(port) + " is not a port number");
    s.masterPort = int(port);
    if (getenv("LABELDIFF_DIST_TIMEOUT_S")) {
        const long long seconds = requireNumber(getenv, "LABELDIFF_DIST_TIMEOUT_S", "seconds");
        if (seconds < 1) throw Error("LABELDIFF_DIST_TIMEOUT_S", "must be at least 1 second");
        s.timeout = std::chrono::seconds(seconds);
    }
    return s;
}

std::optional<DistributedSettings> distributedSettingsFromEnvironment() {
    return distributedSettingsFromEnvironment([](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    });
}

BatchShare batchShare(int batch, int phrasesPerImage, int rank, int worldSize) {
    const int group = std::max(1, phrasesPerImage);
    if (batch % (worldSize * group) != 0)
        throw Error("batch", std::to_string(batch) + " does not split into " + std::to_string(worldSize) +
                                 " ranks" + (group > 1 ? " of whole " + std::to_string(group) + "-phrase groups" : "") +
                                 ": make it a multiple of " + std::to_string(worldSize * group));
    const int count = batch / worldSize;
    return {rank * count, count};
}

DataParallel::DataParallel(const DistributedSettings& settings, const torch::Device& device)
    : settings_(settings), device_(device), group_(std::make_unique<Group>()) {
    const std::string where = settings.masterAddr + ":" + std::to_string(settings.masterPort);
    try {
        c10d::TCPStoreOptions o;
        o.port = uint16_t(settings.masterPort);
        o.isServer = settings.rank == 0;
        o.numWorkers = size_t(settings.worldSize);
        o.waitWorkers = true;
        o.timeout = settings.timeout;
        group_->store = c10::make_intrusive<c10d::TCPStore>(settings.masterAddr, o);
        if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = settings.timeout;
            group_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(group_->store, settings.rank,
                                                                         settings.worldSize, options);
#else
            throw Error(where, "CUDA tensors need NCCL, and this LibTorch was built without it (USE_C10D_NCCL); "
                               "train on the CPU (--device cpu) or with a LibTorch that has NCCL");
#endif
        } else {
#ifdef USE_C10D_GLOO
            auto options = c10d::ProcessGroupGloo::Options::create(settings.timeout);
            // As torch.distributed: GLOO_SOCKET_IFNAME picks the network interface.
            const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
            options->devices.push_back(ifname && *ifname
                                           ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                           : c10d::ProcessGroupGloo::createDefaultDevice());
            // Gloo's threads only move bytes; the cores belong to the model.
            options->threads = 2;
            group_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, settings.rank,
                                                                         settings.worldSize, options);
#else
            throw Error(where, "CPU tensors need Gloo, and this LibTorch was built without it (USE_C10D_GLOO)");
#endif
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(where, "rank " + std::to_string(settings.rank) + " of " + std::to_string(settings.worldSize) +
                               " could not join the group: " + e.what());
    }
}

DataParallel::~DataParallel() = default;

void DataParallel::allReduceInPlace(torch::Tensor& t) {
    std::vector<at::Tensor> one{t};
    group_->group->allreduce(one)->wait();
}

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
    torch::NoGradGuard noGrad;
    for (const torch::Tensor& t : tensors) {
        std::vector<at::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
        c10d::BroadcastOptions o;
        o.rootRank = 0;
        group_->group->broadcast(one, o)->wait();
        if (!t.is_contiguous()) t.copy_(one[0]);
    }
}

void DataParallel::averageGradients(const std::vector<torch::Tensor>& parameters, size_t bucketBytes) {
    torch::NoGradGuard noGrad;
    // Which parameters have a gradient on any rank (the null embedding, for one, only where a
    // sample drew condition dropout): one small collective, so that every rank packs the
    // same buckets.
    torch::Tensor has = torch::zeros({int64_t(parameters.size())}, torch::kFloat);
    for (size_t i = 0; i < parameters.size(); ++i)
        if (parameters[i].grad().defined()) has[int64_t(i)] = 1;
    if (device_.is_cuda()) has = has.to(device_);
    allReduceInPlace(has);
    has = has.cpu();
    const float* anyRank = has.data_ptr<float>();

    std::vector<torch::Tensor> grads;
    for (size_t i = 0; i < parameters.size(); ++i) {
        if (anyRank[i] == 0) continue;
        torch::Tensor p = parameters[i];
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
    }
    const double scale = 1.0 / settings_.worldSize;
    size_t start = 0;
    while (start < grads.size()) {
        // A bucket: consecutive gradients of one dtype and device up to bucketBytes (at least one).
        size_t end = start, bytes = 0;
        while (end < grads.size() && grads[end].scalar_type() == grads[start].scalar_type() &&
               grads[end].device() == grads[start].device() &&
               (end == start || bytes + grads[end].nbytes() <= bucketBytes)) {
            bytes += grads[end].nbytes();
            ++end;
        }
        std::vector<torch::Tensor> flat;
        for (size_t i = start; i < end; ++i) flat.push_back(grads[i].reshape({-1}));
        torch::Tensor bucket = torch::cat(flat);
        allReduceInPlace(bucket);
        bucket.mul_(scale);
        int64_t offset = 0;
        for (size_t i = start; i < end; ++i) {
            const int64_t n = grads[i].numel();
            grads[i].copy_(bucket.narrow(0, offset, n).view_as(grads[i]));
            offset += n;
        }
        start = end;
    }
}

std::vector<double> DataParallel::sum(const std::vector<double>& values) {
    if (values.empty()) return {};
    torch::Tensor t = torch::tensor(values, torch::kDouble);
    if (device_.is_cuda()) t = t.to(device_);
    allReduceInPlace(t);
    t = t.cpu();
    return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

void DataParallel::barrier() { group_->group->barrier()->wait(); }

std::unique_ptr<DataParallel> dataParallelFromEnvironment(const torch::Device& device) {
    const auto settings = distributedSettingsFromEnvironment();
    if (!settings) return nullptr;
    return std::make_unique<DataParallel>(*settings, device);
}

}  // namespace ld
