#include "http/metrics.hpp"

#include <fmt/format.h>

namespace turnout::http {

void Metrics::Histogram::observe(double v) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (v <= kBuckets[i]) ++buckets[i];
  ++count;
  sum += v;
}

void Metrics::request(std::string_view method, std::string_view route, int status, double seconds) {
  // Heterogeneous lookups first: a hit allocates nothing.
  auto find_or_add = [](auto& map, std::string_view key) -> auto& {
    auto it = map.find(key);
    if (it == map.end()) it = map.emplace(std::string(key), typename std::decay_t<decltype(map)>::mapped_type{}).first;
    return it->second;
  };
  std::lock_guard lock(mutex_);
  ++find_or_add(find_or_add(requests_, method), route)[status];
  find_or_add(latency_, route).observe(seconds);
}

void Metrics::write_committed(double seconds) {
  std::lock_guard lock(mutex_);
  writes_.observe(seconds);
}

void Metrics::render_histogram(std::string& out, const std::string& name, const std::string& labels,
                               const Histogram& h) {
  std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, kBuckets[i], h.buckets[i]);
  out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
  out += fmt::format("{}_sum{} {}\n", name, labels.empty() ? "" : "{" + labels + "}", h.sum);
  out += fmt::format("{}_count{} {}\n", name, labels.empty() ? "" : "{" + labels + "}", h.count);
}

std::string Metrics::render(const std::string& extra) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP turnout_http_requests_total HTTP requests by method, route and status.\n";
  out += "# TYPE turnout_http_requests_total counter\n";
  for (const auto& [method, routes] : requests_)
    for (const auto& [route, statuses] : routes)
      for (const auto& [status, n] : statuses)
        out += fmt::format("turnout_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", method,
                           route, status, n);
  out += "# HELP turnout_http_request_duration_seconds Time to answer, by route.\n";
  out += "# TYPE turnout_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_)
    render_histogram(out, "turnout_http_request_duration_seconds", fmt::format("route=\"{}\"", route), h);
  out += "# HELP turnout_write_commit_seconds From queueing a write to its durable commit.\n";
  out += "# TYPE turnout_write_commit_seconds histogram\n";
  render_histogram(out, "turnout_write_commit_seconds", "", writes_);
  out += extra;
  return out;
}

}  // namespace turnout::http
