// Read connections, one per thread that asks, so HTTP threads read in
// parallel (WAL lets readers run beside the writer). The pool owns them and
// closes them when it goes; use it only from threads that stop before that.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "store/database.hpp"

namespace turnout::store {

class ReadPool {
 public:
  explicit ReadPool(std::filesystem::path path);
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // This thread's connection, opened on first use.
  Database& local();

 private:
  std::filesystem::path path_;
  std::uint64_t generation_;  // tells this pool's thread-local entries from an old pool's
  std::mutex mutex_;
  std::vector<std::unique_ptr<Database>> connections_;
};

}  // namespace turnout::store
