#pragma once
// A request to stop long work — a sampling run, a training run, loading a model — set
// from another thread and checked where the work can stop cleanly (between denoising
// steps, training steps, model components and tensors). No LibTorch here: the UI's
// request types hold one.
#include <atomic>
#include <stdexcept>

namespace ld {

class CancelToken {
public:
    void cancel() { flag_.store(true); }
    void reset() { flag_.store(false); }
    bool cancelled() const { return flag_.load(); }

private:
    std::atomic<bool> flag_{false};
};

// Thrown out of the work when its token was cancelled.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

// Throws Cancelled when `token` is set; a null token never cancels.
inline void throwIfCancelled(const CancelToken* token) {
    if (token && token->cancelled()) throw Cancelled();
}

// The token that weight loading on this thread answers to between tensors
// (ld::loadStateDict), for the extent of a ModelDirectory::open. Thread-local rather than
// a parameter: every component's fromPretrained → load → loadStateDict chain (U-Net, DiTs,
// VAE, TAESD, CLIP, stem, codec) would otherwise carry it. Scopes nest.
class LoadCancelScope {
public:
    explicit LoadCancelScope(const CancelToken* token) : previous_(current_) { current_ = token; }
    ~LoadCancelScope() { current_ = previous_; }
    LoadCancelScope(const LoadCancelScope&) = delete;
    LoadCancelScope& operator=(const LoadCancelScope&) = delete;
    static const CancelToken* current() { return current_; }

private:
    const CancelToken* previous_;
    static inline thread_local const CancelToken* current_ = nullptr;
};

}  // namespace ld
