// A clock that tests move: the daemon reads "now" (Unix seconds) from a
// file named by the TURNOUT_TEST_CLOCK_FILE environment variable. It exists
// so the integration tests can carry the real daemon across quiet hours and
// DST without waiting. Guards against using it by accident in production:
// it is read only when that variable is set, the daemon refuses to start
// with it unless it listens on a loopback address, and it logs a warning
// at start. See docs/delivery.md, "Testing".
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "domain/time.hpp"

namespace turnout::delivery {

class FileClock final : public domain::Clock {
 public:
  explicit FileClock(std::filesystem::path file) : file_(std::move(file)) {}
  // The instant in the file; the system clock when it is missing or unreadable.
  domain::Time now() const override;

 private:
  std::filesystem::path file_;
};

// The clock TURNOUT_TEST_CLOCK_FILE asks for, or null when it is not set.
// Throws when it is set and `listen_address` is not loopback.
std::unique_ptr<FileClock> test_clock_from_environment(const std::string& listen_address);

}  // namespace turnout::delivery
