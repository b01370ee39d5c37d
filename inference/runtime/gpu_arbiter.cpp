#include "inference/runtime/gpu_arbiter.h"

#include <algorithm>
#include <vector>

namespace ld {

GpuArbiter& GpuArbiter::process() {
    static GpuArbiter arbiter;
    return arbiter;
}

std::string GpuArbiter::normalise(const std::string& device) { return device == "cuda" ? "cuda:0" : device; }

bool GpuArbiter::isArbitrated(const std::string& device) { return normalise(device).rfind("cuda:", 0) == 0; }

GpuArbiter::Lease& GpuArbiter::Lease::operator=(Lease&& o) noexcept {
    if (this != &o) {
        release();
        arbiter_ = o.arbiter_;
        id_ = o.id_;
        device_ = std::move(o.device_);
        note_ = std::move(o.note_);
        fellBack_ = o.fellBack_;
        o.arbiter_ = nullptr;
        o.id_ = 0;
    }
    return *this;
}

void GpuArbiter::Lease::release() {
    if (GpuArbiter* a = arbiter_) {
        arbiter_ = nullptr;
        a->releaseLease(id_);
    }
}

GpuArbiter::Lease GpuArbiter::grant(const std::string& device, Party party, std::function<void()> onYield) {
    Lease lease;
    lease.arbiter_ = this;
    lease.id_ = nextLease_++;
    lease.device_ = device;
    holders_[lease.id_] = Holder{device, party, std::move(onYield)};
    return lease;
}

bool GpuArbiter::heldByLocked(const std::string& device, Party* party) const {
    for (const auto& [id, h] : holders_) {
        if (h.device != device) continue;
        if (party) *party = h.party;
        return true;
    }
    return false;
}

bool GpuArbiter::heldBy(const std::string& device, Party* party) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return heldByLocked(normalise(device), party);
}

GpuArbiter::Lease GpuArbiter::acquireForInference(const std::string& device, std::function<void()> onYield) {
    const std::string d = normalise(device);
    Lease lease;
    if (!isArbitrated(d)) {
        lease.device_ = d;
        return lease;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Party holder = Party::Inference;
    const bool held = heldByLocked(d, &holder);
    // A training run waiting for the card gets it next: inference taking it again would
    // starve the run.
    if ((held && holder == Party::Training) || waitingTraining_[d] > 0) {
        lease.device_ = "cpu";
        lease.fellBack_ = true;
        lease.note_ = d + (held && holder == Party::Training ? " is in use by a training run"
                                                             : " is wanted by a training run") +
                      ": inference runs on the CPU until the run ends";
        return lease;
    }
    return grant(d, Party::Inference, std::move(onYield));
}

GpuArbiter::Lease GpuArbiter::acquireForTraining(const std::string& device, const TrainingOptions& options) {
    const std::string d = normalise(device);
    if (!isArbitrated(d)) {
        Lease lease;
        lease.device_ = d;
        return lease;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    Party holder = Party::Inference;
    if (!heldByLocked(d, &holder)) return grant(d, Party::Training, {});

    ++waitingTraining_[d];
    std::vector<std::function<void()>> yields;
    for (const auto& [id, h] : holders_)
        if (h.device == d && h.party == Party::Inference && h.onYield) yields.push_back(h.onYield);
    const std::string waitNote = d + " is in use by " + partyName(holder) + ": the training run waits for it";
    // Outside the lock: a holder's callback may well ask the arbiter something.
    lock.unlock();
    if (options.onWaiting) options.onWaiting(waitNote);
    for (const auto& yield : yields) yield();
    lock.lock();

    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + options.patience;
    const auto stopWaiting = [&] { --waitingTraining_[d]; };
    while (heldByLocked(d, &holder)) {
        if (options.cancel && options.cancel->cancelled()) {
            stopWaiting();
            throw Cancelled();
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            stopWaiting();
            Lease lease;
            lease.device_ = "cpu";
            lease.fellBack_ = true;
            const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count();
            lease.note_ = d + " stayed in use by " + partyName(holder) + " for " + std::to_string(waited / 1000) +
                          " s: the training run uses the CPU";
            return lease;
        }
        // Polled as well as notified: a cancel does not notify.
        released_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
    }
    stopWaiting();
    Lease lease = grant(d, Party::Training, {});
    lease.note_ = "waited for " + d + " to be free";
    return lease;
}

void GpuArbiter::releaseLease(uint64_t id) {
    std::vector<std::function<void(const std::string&, Party)>> listeners;
    std::string device;
    Party party = Party::Inference;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = holders_.find(id);
        if (it == holders_.end()) return;
        device = it->second.device;
        party = it->second.party;
        holders_.erase(it);
        for (const auto& [key, l] : listeners_) listeners.push_back(l);
        ++notifying_;
    }
    released_.notify_all();
    for (const auto& l : listeners) l(device, party);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        --notifying_;
    }
    released_.notify_all();
}

int GpuArbiter::subscribe(std::function<void(const std::string& device, Party released)> listener) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int id = nextListener_++;
    listeners_[id] = std::move(listener);
    return id;
}

void GpuArbiter::unsubscribe(int id) {
    std::unique_lock<std::mutex> lock(mutex_);
    listeners_.erase(id);
    // A release on another thread may be calling a copy of it: wait until it returned, so
    // that whatever the listener refers to may go once this returns.
    released_.wait(lock, [this] { return notifying_ == 0; });
}

}  // namespace ld
