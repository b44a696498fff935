#include "store/read_pool.hpp"

namespace turnout::store {
namespace {

std::atomic<std::uint64_t> next_generation{1};

struct ThreadEntry {
  std::uint64_t generation = 0;
  Database* db = nullptr;
};
thread_local ThreadEntry this_thread;

}  // namespace

ReadPool::ReadPool(std::filesystem::path path) : path_(std::move(path)), generation_(next_generation++) {}

ReadPool::~ReadPool() = default;

Database& ReadPool::local() {
  if (this_thread.generation == generation_ && this_thread.db) return *this_thread.db;
  auto db = std::make_unique<Database>(path_, DatabaseOptions{.create = false});
  std::lock_guard lock(mutex_);
  connections_.push_back(std::move(db));
  this_thread = {generation_, connections_.back().get()};
  return *this_thread.db;
}

}  // namespace turnout::store
