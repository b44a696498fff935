#include "delivery/delivery.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <regex>

#include "domain/delivery.hpp"
#include "domain/error.hpp"
#include "domain/time.hpp"
#include "domain/validate.hpp"
#include "plugins/queries.hpp"
#include "store/delivery.hpp"
#include "store/groups.hpp"
#include "store/read_pool.hpp"
#include "store/volunteers.hpp"
#include "store/writer.hpp"

namespace turnout::delivery {
namespace {

using K = plugin::MessageKind;
constexpr std::pair<std::string_view, K> kKindNames[] = {{"reminder", K::reminder},
                                                        {"confirmation_request", K::confirmation_request},
                                                        {"meeting_cancelled", K::meeting_cancelled},
                                                        {"meeting_moved", K::meeting_moved},
                                                        {"deadline", K::deadline},
                                                        {"opt_out_confirmation", K::opt_out_confirmation},
                                                        {"opt_in_confirmation", K::opt_in_confirmation},
                                                        {"help", K::help},
                                                        {"reply_received", K::reply_received},
                                                        {"coordinator_notice", K::coordinator_notice},
                                                        {"meeting_postponed", K::meeting_postponed}};

}  // namespace

std::string_view kind_name(plugin::MessageKind kind) {
  for (const auto& [name, k] : kKindNames)
    if (k == kind) return name;
  return "unknown";
}

std::optional<plugin::MessageKind> parse_kind(std::string_view name) {
  for (const auto& [n, kind] : kKindNames)
    if (n == name) return kind;
  return std::nullopt;
}

namespace {

using domain::Time;

// Answers to a person who just wrote: they go out at any hour.
bool is_answer(std::string_view kind) {
  return kind == "opt_out_confirmation" || kind == "opt_in_confirmation" || kind == "help" || kind == "reply_received";
}

std::string local(std::int64_t t, const std::string& zone) {
  if (t == 0) return {};
  try {
    return domain::format_rfc3339(domain::Time{std::chrono::seconds{t}}, zone);
  } catch (...) {
    return domain::format_rfc3339_utc(domain::Time{std::chrono::seconds{t}});
  }
}

std::vector<std::string> replies_for(plugin::MessageKind kind, const std::string& language) {
  bool es = language.starts_with("es");
  using K = plugin::MessageKind;
  if (kind == K::confirmation_request) return {es ? "SI" : "YES", "NO", es ? "AYUDA" : "HELP", "STOP"};
  if (kind == K::opt_out_confirmation) return {"START"};
  if (kind == K::coordinator_notice) return {};
  return {es ? "AYUDA" : "HELP", "STOP"};
}

}  // namespace

store::PlanScope full_plan_scope(domain::Time now, const Options& options) {
  store::PlanScope scope;
  scope.until = now + options.horizon;
  scope.meetings_until = now + std::max(options.look_ahead, options.horizon);
  return scope;
}

struct Delivery::Channel {
  std::string plugin;
  plugin::ChannelSpec spec;
  bool reconciled = false;
  bool off = false;
  int failures = 0;
};

class Delivery::Registration final : public plugin::Registration {
 public:
  Registration(Delivery& d, std::uint64_t id) : delivery_(d), id_(id) {}
  ~Registration() override { delivery_.remove_channel(id_); }

 private:
  Delivery& delivery_;
  std::uint64_t id_;
};

Delivery::Delivery(const config::Config& config, const domain::Clock& clock, store::ReadPool& reads,
                   store::Writer& writer, Options options, FailureReport report)
    : config_(config), clock_(clock), reads_(reads), writer_(writer), options_(options), report_(std::move(report)) {}

Delivery::~Delivery() {
  stop();
}

void Delivery::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void Delivery::stop() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Delivery::poke() {
  std::lock_guard lock(wake_mutex_);
  woken_ = true;
  wake_.notify_one();
}

plugin::Handle Delivery::add_channel(const std::string& plugin, plugin::ChannelSpec spec) {
  static const std::regex kName("[a-z0-9_]{1,40}");
  if (!std::regex_match(spec.name, kName) || !spec.render || !spec.send) return nullptr;
  std::lock_guard lock(calling_);
  for (const auto& [id, c] : channels_)
    if (c->spec.name == spec.name) return nullptr;
  spec.max_attempts = std::clamp(spec.max_attempts, 1, 50);
  auto id = next_id_++;
  {
    std::lock_guard catalog_lock(catalog_mutex_);
    catalog_[id] = TemplateCatalog{spec.name, spec.templates, spec.template_variables};
  }
  channels_.emplace(id, std::make_unique<Channel>(Channel{plugin, std::move(spec)}));
  poke();
  return std::make_unique<Registration>(*this, id);
}

void Delivery::remove_channel(std::uint64_t id) {
  {
    std::lock_guard catalog_lock(catalog_mutex_);
    catalog_.erase(id);
  }
  std::lock_guard lock(calling_);  // waits for a call into the channel that is running
  channels_.erase(id);
}

std::vector<TemplateCatalog> Delivery::template_catalog() const {
  std::lock_guard lock(catalog_mutex_);
  std::vector<TemplateCatalog> out;
  for (const auto& [id, c] : catalog_) out.push_back(c);
  return out;
}

std::vector<std::string> Delivery::channel_names() {
  std::lock_guard lock(calling_);
  std::vector<std::string> out;
  for (const auto& [id, c] : channels_)
    if (!c->off && c->reconciled) out.push_back(c->spec.name);
  return out;
}

template <typename Fn>
void Delivery::write(const char* what, Fn fn) {
  std::promise<std::exception_ptr> done;
  auto result = done.get_future();
  const domain::Clock* clock = &clock_;
  writer_.submit(
      [fn, clock](store::Database& db) {
        fn(store::Context{db, *clock, domain::Actor::system("delivery")});
      },
      [&done](std::exception_ptr e) { done.set_value(e); });
  if (auto e = result.get()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      throw std::runtime_error(fmt::format("{}: {}", what, ex.what()));
    }
  }
}

void Delivery::on_event(const plugin::Event& e) {
  // Plans what the event touches; the periodic pass repairs anything a
  // failure here leaves behind, so errors are logged, not thrown.
  try {
    std::optional<domain::Id> meeting_id;
    std::optional<domain::Id> group_only;
    std::string notice;
    if (e.entity_kind == "meeting") {
      meeting_id = e.entity_id;
      if (e.type == "meeting.cancelled") notice = "meeting_cancelled";
      if (e.type == "meeting.rescheduled") notice = "meeting_moved";
      if (e.type == "meeting.postponed") notice = "meeting_postponed";
    } else if (e.entity_kind == "assignment") {
      auto q = reads_.local().query(
          "SELECT s.meeting_id FROM assignment a JOIN slot s ON s.id = a.slot_id "
          "WHERE a.id = ?",
          e.entity_id);
      if (q.step()) meeting_id = q.int64(0);
    } else if (e.type == "volunteer.updated" || e.type == "group.reminders_set" || e.type == "body.updated") {
      group_only = e.group_id;
    } else {
      return;
    }
    if (!meeting_id && !group_only) return;
    store::PlanScope scope = full_plan_scope(clock_.now(), options_);
    scope.group_id = e.group_id;
    scope.meeting_id = meeting_id;
    write("planning", [&](const store::Context& ctx) {
      if (!notice.empty()) store::queue_meeting_notices(ctx, e.group_id, *meeting_id, notice);
      store::plan_messages(ctx, scope);
    });
    poke();
  } catch (const std::exception& ex) {
    spdlog::error("delivery: planning after event {} failed: {}", e.id, ex.what());
  }
}

void Delivery::plan_everything() {
  try {
    const auto scope = full_plan_scope(clock_.now(), options_);
    store::PlanResult r;
    write("planning", [&](const store::Context& ctx) { r = store::plan_messages(ctx, scope); });
    spdlog::info("delivery: planned {} messages within the horizon ({} queued, {} no longer due, {} later)", r.wanted,
                 r.queued, r.cancelled, r.later);
  } catch (const std::exception& e) {
    spdlog::error("delivery: planning failed: {}", e.what());
  }
}

bool Delivery::delivery_report(std::string_view channel, std::string_view provider_id, plugin::DeliveryStatus status,
                               std::string_view error) {
  try {
    std::string st = status == plugin::DeliveryStatus::delivered ? "delivered"
                     : status == plugin::DeliveryStatus::failed  ? "failed"
                                                                 : "sent";
    bool found = false;
    std::string ch(channel), pid(provider_id), err(error);
    write("delivery report",
          [&](const store::Context& ctx) { found = store::record_delivery_report(ctx, ch, pid, st, err); });
    return found;
  } catch (const std::exception& e) {
    spdlog::error("delivery: a delivery report could not be recorded: {}", e.what());
    return false;
  }
}

plugin::InboundResult Delivery::inbound(std::string_view channel, const plugin::InboundMessage& m) {
  plugin::InboundResult out;
  try {
    if (!domain::is_valid_utf8(m.text) || m.text.size() > 1600 || m.from.size() > 320) {
      out.handled_as = "refused";
      out.error = "the text is not valid UTF-8 or is too long";
      return out;
    }
    store::ReplyOutcome r;
    std::string ch(channel);
    write("reply", [&](const store::Context& ctx) { r = store::apply_reply(ctx, ch, m.from, m.text, m.provider_id); });
    out.accepted = r.accepted;
    out.handled_as = r.handled_as;
    spdlog::info("delivery: a reply on {} handled as {}", ch, r.handled_as);
    poke();
  } catch (const std::exception& e) {
    out.handled_as = "error";
    out.error = e.what();
    spdlog::error("delivery: a reply could not be applied: {}", e.what());
  }
  return out;
}

void Delivery::reconcile(Channel& c) {
  auto rows = store::sending_messages(reads_.local(), c.spec.name);
  for (const auto& m : rows) {
    plugin::ReconcileOutcome outcome = plugin::ReconcileOutcome::unknown;
    if (c.spec.reconcile) {
      try {
        outcome = c.spec.reconcile(
            {m.id, m.idempotency_key, m.recipient, m.subject, m.body, m.kind, m.attempts, m.provider_id});
      } catch (...) {
        outcome = plugin::ReconcileOutcome::unknown;
      }
    }
    write("reconcile", [&](const store::Context& ctx) {
      switch (outcome) {
        case plugin::ReconcileOutcome::sent: store::mark_sent(ctx, m.id, m.provider_id); break;
        case plugin::ReconcileOutcome::not_sent: store::requeue_sending(ctx, m.id); break;
        case plugin::ReconcileOutcome::unknown:
          store::mark_failed(ctx, m.id,
                             "unknown after a crash: the gateway may have it; not sent again to avoid a double");
          break;
      }
    });
    spdlog::warn("delivery: message {} was sending when the daemon stopped; reconciled as {}", m.id,
                 outcome == plugin::ReconcileOutcome::sent       ? "sent"
                 : outcome == plugin::ReconcileOutcome::not_sent ? "not sent (queued again)"
                                                                 : "unknown (failed)");
  }
  c.reconciled = true;
}

bool Delivery::dispatch_batch() {
  std::lock_guard lock(calling_);
  for (auto& [id, c] : channels_)
    if (!c->reconciled && !c->off) reconcile(*c);
  auto names = channel_names();
  if (names.empty()) return false;
  auto& db = reads_.local();
  const Time now = clock_.now();
  auto due = store::due_messages(db, names, now, options_.batch);
  if (due.empty()) return false;

  auto channel_of = [&](const std::string& name) -> Channel* {
    for (auto& [id, c] : channels_)
      if (c->spec.name == name && !c->off) return c.get();
    return nullptr;
  };
  auto failed_call = [&](Channel& c, const std::string& what) {
    if (++c.failures < options_.channel_failures_before_off) return;
    c.off = true;
    auto reason = fmt::format("channel {} switched off after {} failed calls in a row (last: {}); its messages wait",
                              c.spec.name, c.failures, what);
    spdlog::error("plugin {}: {}", c.plugin, reason);
    if (report_) report_(c.plugin, reason);
  };

  struct Ready {
    store::DueMessage m;
    store::Rendered text;
    Channel* channel;
  };
  std::vector<Ready> ready;
  // Decide each message: expired, quiet hours, opted out, or render it.
  std::vector<std::function<void(const store::Context&)>> decisions;
  for (auto& m : due) {
    Channel* c = channel_of(m.channel);
    if (!c) continue;
    if (m.expires_at && now >= *m.expires_at) {
      decisions.push_back([id = m.id](const store::Context& ctx) {
        store::cancel_pending(ctx, id, "the meeting started before it could go out");
      });
      continue;
    }
    if (m.recipient_opted_out && m.kind != "opt_out_confirmation") {
      decisions.push_back(
          [id = m.id](const store::Context& ctx) { store::cancel_pending(ctx, id, "the person opted out"); });
      continue;
    }
    if (m.recipient.empty()) {
      decisions.push_back([id = m.id](const store::Context& ctx) {
        store::cancel_pending(ctx, id, "no recipient (the person's data was erased)");
      });
      continue;
    }
    if (c->spec.quiet_hours && !is_answer(m.kind)) {
      std::string zone = m.timezone;
      if (zone.empty()) {
        try {
          zone = store::get_group(db, m.group_id).timezone;
        } catch (...) {
          zone = "UTC";
        }
      }
      Time at = now;
      try {
        at = domain::next_sending_moment(now, zone);
      } catch (...) {
        at = domain::next_sending_moment(now, "UTC");
      }
      if (at > now) {
        decisions.push_back([id = m.id, at](const store::Context& ctx) {
          store::defer(ctx, id, at, "quiet hours: waits for 08:00 on the recipient's clock");
        });
        continue;
      }
    }
    store::Rendered text{m.subject, m.body, "", std::nullopt};
    auto kind = parse_kind(m.kind);
    if (kind) {
      plugin::MessageIntent intent;
      intent.kind = *kind;
      try {
        auto group = store::get_group(db, m.group_id);
        intent.group = plugins::queries::group_view(group, config_.server.public_url);
        intent.language = m.language.empty() ? group.language : m.language;
        intent.timezone = m.timezone.empty() ? group.timezone : m.timezone;
        if (m.volunteer_id) {
          try {
            intent.volunteer =
                plugins::queries::volunteer_view(store::get_volunteer(db, m.group_id, *m.volunteer_id), group);
          } catch (const Error&) {
          }
        }
        if (m.meeting_id) intent.meeting = plugins::queries::meeting(db, m.group_id, *m.meeting_id);
        if (m.assignment_id) {
          if (!m.meeting_id) {
            auto q = db.query("SELECT s.meeting_id FROM assignment a JOIN slot s ON s.id = a.slot_id WHERE a.id = ?",
                              *m.assignment_id);
            if (q.step()) intent.meeting = plugins::queries::meeting(db, m.group_id, q.int64(0));
          }
          if (intent.meeting)
            for (auto& a : plugins::queries::meeting_assignments(db, m.group_id, intent.meeting->id))
              if (a.id == *m.assignment_id) intent.assignment = std::move(a);
        }
        intent.offset_minutes = m.offset_minutes;
        if (intent.meeting) intent.starts_at_local = local(intent.meeting->starts_at, intent.timezone);
        // Keys carry the moments they were planned for (…:at:UNIX).
        if (m.kind == "deadline" || m.idempotency_key.starts_with("interpreter:")) {
          auto colon = m.idempotency_key.rfind(':');
          intent.deadline_at = std::stoll(m.idempotency_key.substr(colon + 1));
          intent.deadline_kind = m.kind == "deadline" ? m.idempotency_key.substr(9, m.idempotency_key.find(':', 9) - 9)
                                                      : "interpreter_request_due";
          intent.deadline_at_local = local(intent.deadline_at, intent.timezone);
        }
        if (m.kind == "coordinator_notice")
          intent.notice = m.idempotency_key.starts_with("declined:") ? "declined" : "interpreter_needed";
        intent.replies = replies_for(*kind, intent.language);
        if (auto t = store::message_template(db, m.group_id, m.channel, m.kind, intent.language.substr(0, 2)))
          intent.template_override = *t;
      } catch (const std::exception& e) {
        spdlog::warn("delivery: message {} cannot be prepared: {}", m.id, e.what());
        decisions.push_back([id = m.id, why = std::string(e.what())](const store::Context& ctx) {
          store::cancel_pending(ctx, id, "what it was about no longer exists");
        });
        continue;
      }
      plugin::RenderedMessage r;
      try {
        r = c->spec.render(intent);
        c->failures = 0;
      } catch (const std::exception& e) {
        r.ok = false;
        r.error = fmt::format("render threw: {}", e.what());
        failed_call(*c, r.error);
      } catch (...) {
        r.ok = false;
        r.error = "render threw";
        failed_call(*c, r.error);
      }
      if (!r.ok || r.body.empty()) {
        decisions.push_back([id = m.id, why = r.error.empty() ? std::string("the channel gave no text")
                                                              : r.error](const store::Context& ctx) {
          store::mark_failed(ctx, id, "cannot be worded: " + why);
        });
        continue;
      }
      text = {r.subject, r.body, r.encoding, r.segments > 0 ? std::optional<int>(r.segments) : std::nullopt};
    }
    ready.push_back({m, std::move(text), c});
  }

  // `sending` is on disk before any transport is called.
  std::vector<char> claimed(ready.size(), 0);
  write("claiming", [&](const store::Context& ctx) {
    for (auto& d : decisions) d(ctx);
    for (std::size_t i = 0; i < ready.size(); ++i) claimed[i] = store::mark_sending(ctx, ready[i].m.id, ready[i].text);
  });

  std::vector<std::function<void(const store::Context&)>> results;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    if (!claimed[i]) continue;
    auto& r = ready[i];
    plugin::ChannelMessage cm{r.m.id,   r.m.idempotency_key, r.m.recipient,  r.text.subject, r.text.body,
                              r.m.kind, r.m.attempts,        r.m.provider_id};
    plugin::SendResult sr;
    try {
      sr = r.channel->spec.send(cm);
      r.channel->failures = 0;
    } catch (const std::exception& e) {
      sr = {plugin::SendOutcome::transient_failure, "", fmt::format("send threw: {}", e.what())};
      failed_call(*r.channel, sr.error);
    } catch (...) {
      sr = {plugin::SendOutcome::transient_failure, "", "send threw"};
      failed_call(*r.channel, sr.error);
    }
    const int attempts = r.m.attempts + 1;
    const domain::Id id = r.m.id;
    switch (sr.outcome) {
      case plugin::SendOutcome::sent:
        spdlog::info("delivery: message {} sent on {}", id, r.m.channel);
        results.push_back([id, pid = sr.provider_id](const store::Context& ctx) { store::mark_sent(ctx, id, pid); });
        break;
      case plugin::SendOutcome::permanent_failure:
        spdlog::warn("delivery: message {} failed for good: {}", id, sr.error);
        results.push_back([id, err = sr.error](const store::Context& ctx) { store::mark_failed(ctx, id, err); });
        break;
      case plugin::SendOutcome::transient_failure:
        if (attempts >= r.channel->spec.max_attempts) {
          auto why = fmt::format("gave up after {} attempts; last: {}", attempts, sr.error);
          spdlog::warn("delivery: message {} {}", id, why);
          results.push_back([id, why](const store::Context& ctx) { store::mark_failed(ctx, id, why); });
        } else {
          std::uniform_real_distribution<double> jitter(0.0, 1.0);
          Time at = clock_.now() + domain::retry_delay(attempts, jitter(random_));
          spdlog::info("delivery: message {} will be tried again ({})", id, sr.error);
          results.push_back([id, at, err = sr.error](const store::Context& ctx) {
            store::mark_retry(ctx, id, fmt::format("will retry: {}", err), at);
          });
        }
        break;
    }
  }
  write("results", [&](const store::Context& ctx) {
    for (auto& r : results) r(ctx);
  });
  return true;
}

void Delivery::run() {
  auto next_plan = std::chrono::steady_clock::now();
  Time planned_at{};  // the host clock at the last full pass
  for (;;) {
    {
      std::lock_guard lock(wake_mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    // Every plan_every, and at once when the host clock jumped (NTP, a
    // laptop waking up, the test clock): forward by plan_every or more, the
    // horizon moved with it; back by a minute or more, moments are wrong.
    const Time wall = clock_.now();
    const bool jumped = planned_at != Time{} && (wall - planned_at >= options_.plan_every ||
                                                 planned_at - wall >= std::chrono::minutes(1));
    if (jumped || std::chrono::steady_clock::now() >= next_plan) {
      if (jumped) spdlog::info("delivery: the clock moved; planning again");
      plan_everything();
      planned_at = wall;
      next_plan = std::chrono::steady_clock::now() + options_.plan_every;
    }
    bool busy = false;
    try {
      busy = dispatch_batch();
    } catch (const std::exception& e) {
      spdlog::error("delivery: dispatching failed: {}", e.what());
    }
    if (busy) continue;  // more may be due right away
    // Sleep until the next message is due, a poke, or the bound.
    auto sleep = options_.max_sleep;
    try {
      auto names = channel_names();
      if (!names.empty())
        if (auto next = store::next_attempt(reads_.local(), names)) {
          auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.now());
          sleep = std::clamp(wait, std::chrono::milliseconds(0), sleep);
        }
    } catch (const std::exception& e) {
      spdlog::error("delivery: cannot read the outbox: {}", e.what());
    }
    auto until_plan =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_plan - std::chrono::steady_clock::now());
    sleep = std::min(sleep, std::max(until_plan, std::chrono::milliseconds(0)));
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, sleep, [&] { return woken_ || stopping_; });
  }
}

}  // namespace turnout::delivery
