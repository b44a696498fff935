// Composing a group's digests is most of a digest run's work and each is
// independent: spread it over the cores.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace turnout::email {

// Calls fn(0) ... fn(n - 1) on up to four threads (this one included), at
// least 50 calls a thread. fn must not throw.
template <typename Fn>
void parallel_for(std::size_t n, Fn fn) {
  std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
  threads = std::min(threads, std::max<std::size_t>(1, n / 50));
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < threads; ++t)
    helpers.emplace_back([&fn, t, threads, n] {
      for (std::size_t i = t; i < n; i += threads) fn(i);
    });
  for (std::size_t i = 0; i < n; i += threads) fn(i);
  for (auto& h : helpers) h.join();
}

}  // namespace turnout::email
