#include "plugins/dispatch.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "domain/time.hpp"
#include "store/journal.hpp"
#include "store/plugin_state.hpp"
#include "store/read_pool.hpp"
#include "store/writer.hpp"

namespace turnout::plugins {

namespace {
constexpr const char* kHost = "_host";
constexpr const char* kCursorKey = "events_cursor";
constexpr auto kPoll = std::chrono::seconds(1);  // in case a notify is missed
}  // namespace

class EventBus::Subscription final : public plugin::Registration {
 public:
  Subscription(EventBus& bus, std::uint64_t id) : bus_(bus), id_(id) {}
  ~Subscription() override { bus_.unsubscribe(id_); }

 private:
  EventBus& bus_;
  std::uint64_t id_;
};

EventBus::EventBus(store::ReadPool& reads, store::Writer& writer, FailureReport report)
    : reads_(reads), writer_(writer), report_(std::move(report)) {
  auto& db = reads_.local();
  auto stored = store::plugin_value(db, kHost, kCursorKey);
  cursor_ = stored ? std::stoll(*stored) : store::last_event_id(db);
  thread_ = std::thread([this] { run(); });
}

EventBus::~EventBus() { stop(); }

plugin::Handle EventBus::subscribe(const std::string& plugin, std::string prefix, plugin::EventHandler handler) {
  std::lock_guard lock(calling_);
  auto id = next_id_++;
  listeners_.push_back(std::make_unique<Listener>(Listener{id, plugin, std::move(prefix), std::move(handler), 0, false}));
  return std::make_unique<Subscription>(*this, id);
}

void EventBus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(calling_);  // waits for a listener that is running
  if (std::this_thread::get_id() == thread_.get_id()) {
    // From inside a handler: it may be the one running; erase it afterwards.
    for (auto& l : listeners_)
      if (l->id == id) l->removed = true;
    return;
  }
  std::erase_if(listeners_, [&](const auto& l) { return l->id == id; });
}

void EventBus::notify() {
  std::lock_guard lock(wake_mutex_);
  woken_ = true;
  wake_.notify_one();
}

void EventBus::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

std::int64_t EventBus::cursor() const {
  std::lock_guard lock(wake_mutex_);
  return cursor_;
}

void EventBus::run() {
  for (;;) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, kPoll, [&] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    std::vector<store::DomainEvent> events;
    try {
      events = store::events_after(reads_.local(), cursor(), 500);
    } catch (const std::exception& e) {
      spdlog::error("event bus: cannot read events: {}", e.what());
      continue;
    }
    if (events.empty()) continue;
    for (const auto& e : events) {
      plugin::Event event{e.id, e.type, e.group_id, e.entity_kind, e.entity_id, e.payload.dump(),
                          e.at.time_since_epoch().count()};
      std::lock_guard calling(calling_);
      // By index: a handler may subscribe more listeners while it runs.
      for (std::size_t i = 0; i < listeners_.size(); ++i) {
        Listener& l = *listeners_[i];
        if (l.removed || !event.type.starts_with(l.prefix)) continue;
        std::string error;
        try {
          l.handler(event);
        } catch (const std::exception& ex) {
          error = ex.what();
        } catch (...) {
          error = "something that is not an exception";
        }
        if (error.empty()) {
          l.failures = 0;
        } else if (++l.failures >= kMaxFailuresInARow) {
          auto reason = fmt::format("its listener for \"{}\" threw {} times in a row and was switched off (last: {})",
                                    l.prefix, l.failures, error);
          spdlog::error("plugin {}: {}", l.plugin, reason);
          if (report_) report_(l.plugin, reason);
          l.removed = true;
        } else {
          spdlog::warn("plugin {}: a listener threw on {}: {}", l.plugin, event.type, error);
        }
      }
      std::erase_if(listeners_, [](const auto& l) { return l->removed; });
      std::lock_guard lock(wake_mutex_);
      cursor_ = e.id;
    }
    // Remember how far delivery got, so a restart resumes there.
    auto reached = std::to_string(cursor());
    writer_.submit(
        [reached](store::Database& db) {
          domain::SystemClock clock;
          store::set_plugin_value({db, clock, domain::Actor::system("events")}, kHost, kCursorKey, reached);
        },
        [](std::exception_ptr) {});
  }
}

class Jobs::Registration final : public plugin::Registration {
 public:
  Registration(Jobs& jobs, std::uint64_t id) : jobs_(jobs), id_(id) {}
  ~Registration() override { jobs_.remove(id_); }

 private:
  Jobs& jobs_;
  std::uint64_t id_;
};

Jobs::Jobs() : thread_([this] { run(); }) {}

Jobs::~Jobs() { stop(); }

plugin::Handle Jobs::every(const std::string& plugin, std::chrono::seconds period, std::function<void()> job) {
  if (period < std::chrono::seconds(1)) return nullptr;
  std::lock_guard calling(calling_);
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  jobs_.emplace(id, Job{plugin, period, std::chrono::steady_clock::now() + period, std::move(job)});
  changed_ = true;
  wake_.notify_one();
  return std::make_unique<Registration>(*this, id);
}

void Jobs::post(const std::string& plugin, std::function<void()> job) {
  // Not through calling_ like every(): a job may be running for a while,
  // and the caller (an HTTP request) must not wait for it. The job thread
  // moves posted jobs into jobs_ itself.
  std::lock_guard lock(mutex_);
  posted_.push_back(Job{plugin, std::chrono::seconds(0), std::chrono::steady_clock::now(), std::move(job), false, true});
  changed_ = true;
  wake_.notify_one();
}

void Jobs::remove(std::uint64_t id) {
  std::lock_guard calling(calling_);  // waits for a job that is running
  std::lock_guard lock(mutex_);
  if (std::this_thread::get_id() == thread_.get_id()) {
    // From inside a job: it may be the one running; erase it afterwards.
    if (auto it = jobs_.find(id); it != jobs_.end()) it->second.removed = true;
    return;
  }
  jobs_.erase(id);
}

void Jobs::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Jobs::run() {
  for (;;) {
    std::unique_lock lock(mutex_);
    for (auto& job : posted_) jobs_.emplace(next_id_++, std::move(job));
    posted_.clear();
    auto next = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (const auto& [id, job] : jobs_) next = std::min(next, job.next);
    wake_.wait_until(lock, next, [&] { return stopping_ || changed_; });
    if (stopping_) return;
    if (changed_) {
      changed_ = false;
      continue;
    }
    lock.unlock();
    std::lock_guard calling(calling_);
    auto now = std::chrono::steady_clock::now();
    std::vector<std::uint64_t> due;
    {
      std::lock_guard relock(mutex_);
      for (auto& [id, job] : jobs_)
        if (job.next <= now) {
          due.push_back(id);
          job.next = now + job.period;
        }
    }
    for (auto id : due) {
      auto it = jobs_.find(id);  // a job may have removed another
      if (it == jobs_.end() || it->second.removed) continue;
      try {
        it->second.fn();
      } catch (const std::exception& e) {
        spdlog::error("plugin {}: a periodic job threw: {}", it->second.plugin, e.what());
      } catch (...) {
        spdlog::error("plugin {}: a periodic job threw", it->second.plugin);
      }
      if (it->second.once) it->second.removed = true;
    }
    std::lock_guard relock(mutex_);
    std::erase_if(jobs_, [](const auto& item) { return item.second.removed; });
  }
}

class Digests::Registration final : public plugin::Registration {
 public:
  Registration(Digests& digests, std::uint64_t id) : digests_(digests), id_(id) {}
  ~Registration() override {
    std::lock_guard lock(digests_.mutex_);
    digests_.runners_.erase(id_);
  }

 private:
  Digests& digests_;
  std::uint64_t id_;
};

plugin::Handle Digests::add(const std::string& plugin, std::function<void(std::int64_t)> runner) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  runners_.emplace(id, Runner{plugin, std::move(runner)});
  return std::make_unique<Registration>(*this, id);
}

std::vector<std::string> Digests::run(std::int64_t group_id) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [id, runner] : runners_) {
    names.push_back(runner.plugin);
    jobs_.post(runner.plugin, [this, id = id, group_id] { call(id, group_id); });
  }
  return names;
}

void Digests::call(std::uint64_t id, std::int64_t group_id) {
  std::lock_guard lock(mutex_);
  auto it = runners_.find(id);
  if (it == runners_.end()) return;  // dropped since: nothing of the plugin is left to call
  it->second.fn(group_id);           // Jobs logs what it throws
}

}  // namespace turnout::plugins
