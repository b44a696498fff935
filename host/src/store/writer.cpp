#include "store/writer.hpp"

#include <vector>

namespace turnout::store {

Writer::Writer(const std::filesystem::path& path, std::size_t max_batch)
    // Opened here so a bad path fails the constructor; used only by the thread.
    : db_(std::make_unique<Database>(path)), max_batch_(max_batch), thread_([this] { run(); }) {}

Writer::~Writer() { stop(); }

void Writer::submit(Job job, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(job), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(std::make_exception_ptr(DatabaseError(0, "the database is closing")));
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

Writer::Stats Writer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::size_t Writer::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Writer::run() {
  Database& db = *db_;
  std::vector<Pending> batch;
  std::vector<std::exception_ptr> results;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      // Take all that waited while the last batch was committing: that is
      // what makes the batches grow with the load.
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    results.assign(batch.size(), nullptr);
    std::exception_ptr commit_error;
    try {
      db.write([&] {
        for (std::size_t i = 0; i < batch.size(); ++i) {
          try {
            db.write([&] { batch[i].job(db); });  // a savepoint of its own
          } catch (...) {
            results[i] = std::current_exception();
          }
        }
      });
    } catch (...) {
      // Nothing of this batch is on disk: every job hears so.
      commit_error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      stats_.jobs += batch.size();
      ++stats_.batches;
      if (commit_error) ++stats_.failed_commits;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      // Let go of each callback (and whatever it holds, such as a client's
      // connection) right after calling it.
      Done done = std::move(batch[i].done);
      batch[i].job = nullptr;
      done(commit_error ? commit_error : results[i]);
    }
    if (!commit_error && after_each_commit_) after_each_commit_();
    batch.clear();
  }
}

}  // namespace turnout::store
