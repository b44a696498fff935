// Browser sessions and sign-in limits.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "http/server.hpp"

namespace turnout::http {

inline constexpr const char* kSessionCookie = "turnout_session";
inline constexpr std::chrono::hours kSessionLifetime{12};

// The session token from the Cookie header, if any.
std::optional<std::string> session_cookie(const Request& request);
// Set-Cookie for a new session: HttpOnly, SameSite=Strict, Path=/, and
// Secure when Turnout is reached over https.
std::string session_set_cookie(const std::string& token, std::chrono::seconds max_age, bool secure);

// Failed sign-ins, counted per account and per address: after kMaxFailures
// in kWindow, further tries are refused until the window has passed, even
// with the right password (so guessing cannot go on in the background).
class LoginLimiter {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr std::chrono::minutes kWindow{15};

  // Seconds to wait, or nullopt when a try is allowed now.
  std::optional<int> blocked(const std::string& account_key, const std::string& address);
  void failed(const std::string& account_key, const std::string& address);
  void succeeded(const std::string& account_key);

 private:
  struct Entry {
    int failures = 0;
    std::chrono::steady_clock::time_point window_start;
  };
  std::optional<int> check(Entry& e, std::chrono::steady_clock::time_point now);
  void count(Entry& e, std::chrono::steady_clock::time_point now);
  // Forgets windows that have passed, so guessing at many emails cannot
  // grow memory without bound.
  void prune(std::chrono::steady_clock::time_point now);
  static constexpr std::size_t kPruneAbove = 10000;
  std::mutex mutex_;
  std::map<std::string, Entry> by_account_, by_address_;
};

// At most `per_minute` tries per address, refilled evenly (a token
// bucket). For open routes that write, such as public sign-up.
class AddressRateLimit {
 public:
  explicit AddressRateLimit(int per_minute) : per_minute_(per_minute) {}
  // Seconds to wait, or nullopt when this try may go ahead (and is counted).
  std::optional<int> take(const std::string& address);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  int per_minute_;  // 0: no limit
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace turnout::http
