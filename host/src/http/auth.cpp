#include "http/auth.hpp"

#include <fmt/format.h>

#include <cmath>

namespace turnout::http {

std::optional<std::string> session_cookie(const Request& request) {
  std::string_view rest = sv(request[beast_http::field::cookie]);
  while (!rest.empty()) {
    auto semi = rest.find(';');
    auto pair = rest.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookie) return std::string(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string session_set_cookie(const std::string& token, std::chrono::seconds max_age, bool secure) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, token, max_age.count(),
                     secure ? "; Secure" : "");
}

std::optional<int> LoginLimiter::check(Entry& e, std::chrono::steady_clock::time_point now) {
  if (now - e.window_start >= kWindow) e = Entry{0, now};
  if (e.failures < kMaxFailures) return std::nullopt;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(e.window_start + kWindow - now).count();
  return static_cast<int>(std::max<long>(1, left));
}

void LoginLimiter::count(Entry& e, std::chrono::steady_clock::time_point now) {
  if (e.failures == 0 || now - e.window_start >= kWindow) e = Entry{0, now};
  ++e.failures;
}

std::optional<int> LoginLimiter::blocked(const std::string& account_key, const std::string& address) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  // Look without inserting: only failures earn an entry.
  auto look = [&](std::map<std::string, Entry>& map, const std::string& key) -> std::optional<int> {
    auto it = map.find(key);
    return it == map.end() ? std::nullopt : check(it->second, now);
  };
  auto a = look(by_account_, account_key);
  auto b = look(by_address_, address);
  if (!a && !b) return std::nullopt;
  return std::max(a.value_or(0), b.value_or(0));
}

void LoginLimiter::prune(std::chrono::steady_clock::time_point now) {
  for (auto* map : {&by_account_, &by_address_}) {
    if (map->size() <= kPruneAbove) continue;
    std::erase_if(*map, [&](const auto& item) { return now - item.second.window_start >= kWindow; });
  }
}

void LoginLimiter::failed(const std::string& account_key, const std::string& address) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  prune(now);
  count(by_account_[account_key], now);
  count(by_address_[address], now);
}

void LoginLimiter::succeeded(const std::string& account_key) {
  std::lock_guard lock(mutex_);
  by_account_.erase(account_key);
}

std::optional<int> AddressRateLimit::take(const std::string& address) {
  if (per_minute_ <= 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  const double rate = per_minute_ / 60.0;  // tokens per second
  if (buckets_.size() > 10000)
    std::erase_if(buckets_, [&](const auto& b) { return now - b.second.at > std::chrono::minutes(2); });
  auto [it, fresh] = buckets_.try_emplace(address, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min<double>(per_minute_, b.tokens + std::chrono::duration<double>(now - b.at).count() * rate);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return static_cast<int>(std::ceil((1 - b.tokens) / rate));
}

}  // namespace turnout::http
