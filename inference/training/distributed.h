#pragma once
// Data-parallel training over several processes with LibTorch's own collectives (c10d):
// every rank runs the same model on its share of each batch and the gradients are averaged
// over the ranks before the optimiser step, so that all ranks keep identical weights and a
// step of batch B over R ranks equals a step of batch B in one process (for a loss that is
// a mean over the samples).
//
// Rendezvous is torchrun's: MASTER_ADDR / MASTER_PORT name rank 0's c10d::TCPStore, RANK
// and WORLD_SIZE place the process (Slurm's SLURM_PROCID / SLURM_NTASKS stand in for the
// last two under srun). Gloo carries CPU tensors; NCCL carries CUDA tensors where LibTorch
// was built with it (USE_C10D_NCCL; Debian's is not, so a CUDA run there is refused).
// c10d's headers stay in distributed.cpp.
#include "core/environment.h"

#include <torch/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ld {

struct DistributedSettings {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;  // on its node: which GPU a CUDA rank takes
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    // Rendezvous and every collective. Ranks other than 0 wait in the next step's collective
    // while rank 0 validates and writes checkpoints, so this bounds those too.
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};
};

// RANK/WORLD_SIZE (else SLURM_PROCID/SLURM_NTASKS) with MASTER_ADDR/MASTER_PORT;
// LOCAL_RANK (else SLURM_LOCALID); LABELDIFF_DIST_TIMEOUT_S overrides the timeout. Nothing
// when the world size is unset or 1; an ld::Error naming the variable when one is missing
// or not a number, or the rank is not below the world size. `getenv` is std::getenv
// outside tests.
using DistributedEnvironment = EnvironmentLookup;
std::optional<DistributedSettings> distributedSettingsFromEnvironment(const DistributedEnvironment& getenv);
std::optional<DistributedSettings> distributedSettingsFromEnvironment();

// The samples [first, first + count) of a batch that a rank takes. Consecutive blocks, not
// every R-th sample: a group of `phrasesPerImage` samples shares one image and must stay on
// one rank. ld::Error naming "batch" when the batch does not split into whole groups per rank.
struct BatchShare {
    int first = 0;
    int count = 0;
};
BatchShare batchShare(int batch, int phrasesPerImage, int rank, int worldSize);

class DataParallel {
public:
    // Joins the group (blocks until every rank has arrived, or throws an ld::Error naming
    // MASTER_ADDR:MASTER_PORT after the timeout). `device` picks Gloo (CPU) or NCCL (CUDA).
    DataParallel(const DistributedSettings& settings, const torch::Device& device);
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    int rank() const { return settings_.rank; }
    int worldSize() const { return settings_.worldSize; }
    // Rank 0 writes checkpoints, the log and the model, and validates.
    bool isRoot() const { return settings_.rank == 0; }

    // Rank 0's values into every rank's tensors (in place).
    void broadcast(const std::vector<torch::Tensor>& tensors);
    // Replaces each parameter's gradient by its mean over the ranks. The gradients are packed
    // into flat buckets of at most `bucketBytes` (one collective per bucket instead of one per
    // tensor: a U-Net has hundreds of small ones). A parameter with a gradient on some ranks
    // only counts as zero on the others (a sample that did not reach it); one with a gradient
    // on no rank keeps none, so that the optimiser leaves it as one process would.
    void averageGradients(const std::vector<torch::Tensor>& parameters, size_t bucketBytes = size_t(25) << 20);
    // Each value summed over the ranks (one collective for a loss and a few flags).
    std::vector<double> sum(const std::vector<double>& values);
    void barrier();

private:
    void allReduceInPlace(torch::Tensor& t);

    struct Group;  // the store and the process group
    DistributedSettings settings_;
    torch::Device device_;
    std::unique_ptr<Group> group_;
};

// A DataParallel from the environment, or none when not launched as several ranks.
std::unique_ptr<DataParallel> dataParallelFromEnvironment(const torch::Device& device);

}  // namespace ld
