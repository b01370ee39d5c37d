#pragma once
// The one error type of core/ and inference/: every failure names the file (or object)
// it is about and says what is wrong with it, so that a user can act on the message.
#include <stdexcept>
#include <string>

namespace ld {

class Error : public std::runtime_error {
public:
    Error(std::string subject, std::string reason)
        : std::runtime_error(subject.empty() ? reason : subject + ": " + reason),
          subject_(std::move(subject)), reason_(std::move(reason)) {}

    // The file, tensor or object the error is about (may be empty).
    const std::string& subject() const { return subject_; }
    const std::string& reason() const { return reason_; }

private:
    std::string subject_;
    std::string reason_;
};

}  // namespace ld
