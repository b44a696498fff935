// Delivery: the outbox's planner and dispatcher, and the notification
// channels plugins register. One thread (the delivery thread) calls every
// channel function, so a plugin's render and send never run on a request's
// thread and never two at once. It sleeps until the next pending message is
// due (a timed wait, never a busy poll), or until something new is queued.
//
// See docs/delivery.md for the states, the planner's rules, quiet hours,
// retries and what happens to messages left in `sending` by a crash.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <turnout/plugin.hpp>
#include <vector>

#include "config/config.hpp"
#include "domain/time.hpp"
#include "store/delivery.hpp"

namespace turnout::store {
class ReadPool;
class Writer;
}  // namespace turnout::store

namespace turnout::delivery {

struct Options {
  // Longest sleep between looks at the outbox. The dispatcher wakes at the
  // next due message anyway; this bounds how long a jump of the wall clock
  // (or of the test clock) goes unnoticed.
  std::chrono::milliseconds max_sleep{std::chrono::seconds(30)};
  // How often the whole outbox is planned again (messages coming within
  // the horizon, rules changed without an event). A jump of the clock
  // (forward by this much or more, or back) plans again at once.
  std::chrono::seconds plan_every{std::chrono::minutes(15)};
  // The horizon: messages due within it are written to the outbox; later
  // ones are written by a later pass, as they come within it. A week: far
  // more than plan_every, so nothing comes due between two passes without
  // a row, and coordinators see the coming week in the outbox.
  std::chrono::hours horizon{24 * 7};
  // Confirmation requests are due when the place is taken: they are written
  // for places on meetings up to this far ahead (60 days is the longest
  // reminder offset a group may set).
  std::chrono::hours look_ahead{24 * 62};
  int batch = 50;
  int channel_failures_before_off = 10;
};

// What one full planning pass at `now` covers (the daemon's start, every
// plan_every, after a jump of the clock): the benchmark measures this.
store::PlanScope full_plan_scope(domain::Time now, const Options& options = {});

using FailureReport = std::function<void(const std::string& plugin, const std::string& reason)>;

// A message kind's stored name ("meeting_cancelled"), and back.
std::string_view kind_name(plugin::MessageKind kind);
std::optional<plugin::MessageKind> parse_kind(std::string_view name);

// What a running channel lets a group word for itself (ChannelSpec::templates).
struct TemplateCatalog {
  std::string channel;
  std::vector<plugin::ChannelTemplate> templates;
  std::vector<std::string> variables;
};

class Delivery {
 public:
  Delivery(const config::Config& config, const domain::Clock& clock, store::ReadPool& reads, store::Writer& writer,
           Options options = {}, FailureReport report = {});
  ~Delivery();  // stop()
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Starts the delivery thread (plans everything once, then dispatches).
  void start();
  void stop();

  plugin::Handle add_channel(const std::string& plugin, plugin::ChannelSpec spec);
  bool delivery_report(std::string_view channel, std::string_view provider_id, plugin::DeliveryStatus status,
                       std::string_view error);
  plugin::InboundResult inbound(std::string_view channel, const plugin::InboundMessage& message);
  // A domain event after commit (from the event bus): re-plan what it touches.
  void on_event(const plugin::Event& event);
  // Something may be due now: look at once.
  void poke();
  // The channels' own templates, by channel name. Never waits for a
  // channel call that is running.
  std::vector<TemplateCatalog> template_catalog() const;

 private:
  struct Channel;
  class Registration;
  void run();
  void remove_channel(std::uint64_t id);
  void plan_everything();
  void reconcile(Channel& channel);
  // One batch of due messages; false when none was due.
  bool dispatch_batch();
  std::vector<std::string> channel_names();
  template <typename Fn>
  void write(const char* what, Fn fn);

  const config::Config& config_;
  const domain::Clock& clock_;
  store::ReadPool& reads_;
  store::Writer& writer_;
  Options options_;
  FailureReport report_;

  std::recursive_mutex calling_;  // held while a channel function runs; guards channels_
  std::map<std::uint64_t, std::unique_ptr<Channel>> channels_;
  std::uint64_t next_id_ = 1;
  mutable std::mutex catalog_mutex_;  // guards catalog_
  std::map<std::uint64_t, TemplateCatalog> catalog_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool woken_ = false, stopping_ = false;
  std::thread thread_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace turnout::delivery
