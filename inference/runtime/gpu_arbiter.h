#pragma once
// Who uses a GPU of this process: the inference worker (a model kept loaded for
// interactive, seconds-long runs) or a training run (minutes to hours, all of the card).
// Both on one card would share its memory and make each other slow or fail with out of
// memory, so the card is held by one of them at a time:
// - training has priority. It asks the inference holding the card to yield (a callback
//   the holder gave) and waits, up to its patience, for the inference to move to the CPU;
//   only if the card is still held then does training itself run on the CPU;
// - inference never waits: while training holds the card it runs on the CPU, and it is
//   told when the card is free again, to move back.
// Every outcome carries a note for people (the status bar, the training panel). Devices
// are names: "cuda" is "cuda:0"; anything not CUDA ("cpu", "mps") is not arbitrated, so
// the logic is the same, and testable, on a machine without a GPU. No Qt, no LibTorch.
#include "inference/runtime/cancel_token.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace ld {

class GpuArbiter {
public:
    enum class Party { Inference, Training };
    static const char* partyName(Party p) { return p == Party::Inference ? "inference" : "training"; }

    // The card's use by one party, released on destruction (or release()). A lease for a
    // device that is not arbitrated, or a fallback to the CPU, holds nothing.
    class Lease {
    public:
        Lease() = default;
        ~Lease() { release(); }
        Lease(Lease&& o) noexcept { *this = std::move(o); }
        Lease& operator=(Lease&& o) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        const std::string& device() const { return device_; }  // where to run: as asked, or "cpu"
        bool fellBack() const { return fellBack_; }             // asked for a GPU, runs on the CPU
        bool holdsGpu() const { return arbiter_ != nullptr; }
        const std::string& note() const { return note_; }       // why it waited or fell back; "" otherwise
        void release();

    private:
        friend class GpuArbiter;
        GpuArbiter* arbiter_ = nullptr;
        uint64_t id_ = 0;
        std::string device_, note_;
        bool fellBack_ = false;
    };

    struct TrainingOptions {
        // How long training waits for inference to leave the card before running on the CPU.
        std::chrono::milliseconds patience{60000};
        const CancelToken* cancel = nullptr;  // the run's Stop: acquireForTraining throws Cancelled
        // Called (on the training thread) once when it starts waiting, with a note to show.
        std::function<void(const std::string& note)> onWaiting;
    };

    // The one arbiter of this process.
    static GpuArbiter& process();

    // "cuda" -> "cuda:0"; other names as given.
    static std::string normalise(const std::string& device);
    static bool isArbitrated(const std::string& device);

    // Never waits. The card unless training holds it; then the CPU, with a note naming the
    // holder. `onYield` is called (on the thread of whoever asks for the card: hand it to your
    // own thread) when training wants the card back: release the lease soon, after moving
    // the work to the CPU.
    Lease acquireForInference(const std::string& device, std::function<void()> onYield);
    // Waits while inference holds the card (asking it to yield) up to options.patience;
    // then the CPU with a note. Another training run holding the card is waited for too.
    Lease acquireForTraining(const std::string& device, const TrainingOptions& options);

    // Called after any lease on a card is released (on the releasing thread): a party that
    // fell back may try again. Returns an id for unsubscribe, which returns once no call of
    // the listener is running (so it must not be called from inside one).
    int subscribe(std::function<void(const std::string& device, Party released)> listener);
    void unsubscribe(int id);

    // Which party holds the card now (for tests and the status bar), or none.
    bool heldBy(const std::string& device, Party* party) const;

private:
    struct Holder {
        std::string device;
        Party party;
        std::function<void()> onYield;
    };
    void releaseLease(uint64_t id);
    Lease grant(const std::string& device, Party party, std::function<void()> onYield);  // mutex held
    bool heldByLocked(const std::string& device, Party* party) const;

    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::map<uint64_t, Holder> holders_;
    std::map<int, std::function<void(const std::string&, Party)>> listeners_;
    std::map<std::string, int> waitingTraining_;  // training runs waiting for each card
    int notifying_ = 0;                           // releases calling listeners now
    uint64_t nextLease_ = 1;
    int nextListener_ = 1;
};

}  // namespace ld
