// Counters for GET /metrics, in Prometheus text format. Labels are route
// patterns and statuses only: never a path with ids, a query or a token.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace turnout::http {

class Metrics {
 public:
  // No allocation once the (method, route) pair has been seen.
  void request(std::string_view method, std::string_view route, int status, double seconds);
  void write_committed(double seconds);
  // extra: lines appended as they are (gauges read at scrape time).
  std::string render(const std::string& extra) const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double v);
  };
  static void render_histogram(std::string& out, const std::string& name, const std::string& labels,
                               const Histogram& h);

  mutable std::mutex mutex_;
  // method -> route -> status -> n
  std::map<std::string, std::map<std::string, std::map<int, std::uint64_t>, std::less<>>, std::less<>> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;  // route -> seconds
  Histogram writes_;
};

}  // namespace turnout::http
