// The threads that call plugins outside requests: the event bus (domain
// events after commit, in order) and the job runner (periodic jobs). Both
// hold a lock while calling into a plugin, and unregistering takes the same
// lock: once a Handle is gone, its std::function (plugin code) is destroyed
// and never called again, so the library can unload safely.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <turnout/plugin.hpp>

namespace turnout::store {
class ReadPool;
class Writer;
}  // namespace turnout::store

namespace turnout::plugins {

// Told when a plugin's listener is switched off, for `plugins list`.
using FailureReport = std::function<void(const std::string& plugin, const std::string& reason)>;

class EventBus {
 public:
  static constexpr int kMaxFailuresInARow = 5;

  // Delivers events committed after the stored cursor (or, on the very
  // first start, after the newest event: history is not replayed).
  EventBus(store::ReadPool& reads, store::Writer& writer, FailureReport report);
  ~EventBus();  // stop()
  plugin::Handle subscribe(const std::string& plugin, std::string prefix, plugin::EventHandler handler);
  // New commits may hold events: look now rather than at the next poll.
  void notify();
  void stop();
  // The id of the last event delivered (for tests).
  std::int64_t cursor() const;

 private:
  struct Listener {
    std::uint64_t id;
    std::string plugin, prefix;
    plugin::EventHandler handler;
    int failures = 0;
    bool removed = false;  // dropped by its own handler: erased after it returns
  };
  class Subscription;
  void run();
  void unsubscribe(std::uint64_t id);

  store::ReadPool& reads_;
  store::Writer& writer_;
  FailureReport report_;
  mutable std::recursive_mutex calling_;  // held while a listener runs
  std::vector<std::unique_ptr<Listener>> listeners_;  // guarded by calling_; stable while one runs
  std::uint64_t next_id_ = 1;
  mutable std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool woken_ = false, stopping_ = false;
  std::int64_t cursor_ = 0;
  std::thread thread_;
};

class Jobs {
 public:
  Jobs();
  ~Jobs();  // stop()
  plugin::Handle every(const std::string& plugin, std::chrono::seconds period, std::function<void()> job);
  // Runs `job` once, soon, on the job thread. `job` must be host code: it
  // outlives no Handle, so it must look plugin code up when it runs.
  void post(const std::string& plugin, std::function<void()> job);
  void stop();

 private:
  struct Job {
    std::string plugin;
    std::chrono::seconds period;
    std::chrono::steady_clock::time_point next;
    std::function<void()> fn;
    bool removed = false;  // dropped by its own job: erased after it returns
    bool once = false;
  };
  class Registration;
  void run();
  void remove(std::uint64_t id);

  std::recursive_mutex calling_;  // held while a job runs
  std::mutex mutex_;              // guards jobs_ and stopping_ for the wait
  std::condition_variable_any wake_;
  std::map<std::uint64_t, Job> jobs_;
  std::vector<Job> posted_;  // guarded by mutex_ alone; moved into jobs_ by the job thread
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  bool changed_ = false;  // a job was added: recompute the next wake-up
  std::thread thread_;
};

// The digest runners plugins register; POST /api/v1/digests/run calls
// them on the job thread.
class Digests {
 public:
  explicit Digests(Jobs& jobs) : jobs_(jobs) {}
  plugin::Handle add(const std::string& plugin, std::function<void(std::int64_t)> runner);
  // Queues a run of every runner for the group; the plugins' names.
  std::vector<std::string> run(std::int64_t group_id);

 private:
  struct Runner {
    std::string plugin;
    std::function<void(std::int64_t)> fn;
  };
  class Registration;
  void call(std::uint64_t id, std::int64_t group_id);

  Jobs& jobs_;
  std::recursive_mutex mutex_;  // held while a runner runs, so dropping its Handle waits
  std::map<std::uint64_t, Runner> runners_;
  std::uint64_t next_id_ = 1;
};

}  // namespace turnout::plugins
