#include "delivery/test_clock.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace turnout::delivery {

domain::Time FileClock::now() const {
  std::ifstream in(file_);
  std::string text;
  if (in && std::getline(in, text)) {
    long long seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec == std::errc() && seconds > 0) return domain::Time{std::chrono::seconds{seconds}};
  }
  return domain::SystemClock().now();
}

std::unique_ptr<FileClock> test_clock_from_environment(const std::string& listen_address) {
  const char* file = std::getenv("TURNOUT_TEST_CLOCK_FILE");
  if (!file || !*file) return nullptr;
  if (listen_address != "127.0.0.1" && listen_address != "::1" && listen_address != "localhost")
    throw std::runtime_error(
        "TURNOUT_TEST_CLOCK_FILE is set but the daemon listens beyond loopback: the test clock is for tests only; "
        "unset it");
  spdlog::warn("TEST CLOCK: time is read from {} (TURNOUT_TEST_CLOCK_FILE); never use this in production", file);
  return std::make_unique<FileClock>(file);
}

}  // namespace turnout::delivery
