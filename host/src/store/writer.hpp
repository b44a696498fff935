// The one writer: a thread that owns the write connection and commits the
// requests queued to it in batches (group commit). Each request runs in its
// own savepoint, so one that fails rolls back alone; the batch commits once,
// with one fsync, and only then is each request told it is done. That keeps
// every acknowledged write durable (synchronous=FULL) while many concurrent
// sign-ups share the cost of the fsync.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "domain/time.hpp"
#include "store/database.hpp"

namespace turnout::store {

class Writer {
 public:
  // Runs inside the batch's transaction; throw to roll back this job alone.
  using Job = std::function<void(Database&)>;
  // Called on the writer thread after the batch committed (nullptr) or with
  // what went wrong. Must be quick and must not throw: post elsewhere.
  using Done = std::function<void(std::exception_ptr)>;

  struct Stats {
    std::uint64_t jobs = 0, batches = 0, failed_commits = 0;
  };

  explicit Writer(const std::filesystem::path& path, std::size_t max_batch = 512);
  ~Writer();  // stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void submit(Job job, Done done);
  // Called on the writer thread after every batch that committed; set it
  // before the first submit. Used to wake the plugin event bus.
  void after_each_commit(std::function<void()> fn) { after_each_commit_ = std::move(fn); }
  // Finishes every job queued so far, then closes the connection. Jobs
  // submitted afterwards fail at once.
  void stop();
  Stats stats() const;
  std::size_t queued() const;

 private:
  struct Pending {
    Job job;
    Done done;
  };
  void run();

  std::unique_ptr<Database> db_;
  std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::function<void()> after_each_commit_;
  std::thread thread_;
};

}  // namespace turnout::store
