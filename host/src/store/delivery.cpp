#include "store/delivery.hpp"

#include <malloc.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "domain/error.hpp"
#include "domain/rules.hpp"
#include "domain/time.hpp"
#include "store/assignments.hpp"
#include "store/journal.hpp"

namespace turnout::store {
namespace {

using domain::Id;
using domain::Time;
using std::chrono::minutes;

constexpr std::int64_t kDay = 86400;
// Kinds the planner owns: it adds and cancels pending ones freely.
constexpr const char* kPlannedKinds = "('reminder', 'confirmation_request', 'deadline', 'coordinator_notice')";
constexpr const char* kNoLongerDue = "no longer due: the meeting, the place or the rules changed";

struct Wanted {
  Id group_id = 0;
  std::string key, kind, channel, recipient, language, timezone;
  std::optional<Id> volunteer_id, account_id, meeting_id, assignment_id;
  std::optional<int> offset;
  std::int64_t due = 0, expires = 0;
};

struct Row {
  Id assignment_id = 0;
  std::string status;
  std::int64_t assigned_at = 0;
  std::string needs_interpreter;
  Id volunteer_id = 0;
  std::optional<std::string> phone, email;
  bool sms_opt_in = false, email_opt_in = false, opted_out = false;
  std::string language, timezone;
};

// The address a volunteer is reached at on a channel, if they may be.
std::optional<std::string> address(const Row& r, std::string_view channel) {
  if (r.opted_out) return std::nullopt;
  if (channel == "sms" && r.sms_opt_in && r.phone) return r.phone;
  if (channel == "email" && r.email_opt_in && r.email) return r.email;
  return std::nullopt;
}

// A group's reminder offsets (minutes), by channel.
using ChannelOffsets = std::vector<std::pair<std::string, std::vector<int>>>;
using RulesByGroup = std::unordered_map<Id, ChannelOffsets>;
RulesByGroup load_rules(Database& db, std::optional<Id> group_id) {
  std::unordered_map<Id, std::map<std::string, std::vector<int>>> by_group;
  auto q = db.query("SELECT group_id, offset_minutes, channel FROM reminder_rule WHERE ?1 IS NULL OR group_id = ?1",
                    group_id);
  while (q.step()) by_group[q.int64(0)][q.text(2)].push_back(q.integer(1));
  RulesByGroup out;
  for (auto& [g, channels] : by_group) out[g].assign(channels.begin(), channels.end());
  return out;
}

std::vector<std::pair<Id, std::string>> coordinators(Database& db, Id group_id) {
  std::vector<std::pair<Id, std::string>> out;
  auto q = db.query("SELECT id, email FROM account WHERE group_id = ? AND role = 'coordinator' ORDER BY id", group_id);
  while (q.step()) out.emplace_back(q.int64(0), q.text(1));
  return out;
}

// A deadline message's moment: a day before, or at once when that passed
// and the deadline is still ahead; none when the place came later.
std::optional<std::int64_t> deadline_moment(std::int64_t deadline, std::int64_t assigned_at, std::int64_t now) {
  if (deadline <= now) return std::nullopt;
  std::int64_t moment = deadline - kDay;
  if (moment < assigned_at) moment = std::max(assigned_at, now);
  return std::max(moment, std::min(now, deadline));
}

// How long before a meeting's start the earliest message about it may be
// due, in seconds: the longest reminder offset, or a deadline's lead plus
// the day before it that its message goes out, plus a day for wall-clock
// deadlines across a DST change. Meetings starting later than the horizon
// plus this have nothing due within the horizon.
std::int64_t longest_lead(Database& db, std::optional<Id> group_id) {
  std::int64_t lead = 0;
  {
    auto q = db.query("SELECT max(offset_minutes) FROM reminder_rule WHERE ?1 IS NULL OR group_id = ?1", group_id);
    if (q.step() && !q.is_null(0)) lead = std::max<std::int64_t>(lead, q.int64(0) * 60);
  }
  {
    auto q = db.query(
        "SELECT max(max(signup_closes_minutes_before, coalesce(written_deadline_minutes_before, 0), "
        "interpretation_lead_hours * 60)) FROM body WHERE ?1 IS NULL OR group_id = ?1",
        group_id);
    if (q.step() && !q.is_null(0)) lead = std::max<std::int64_t>(lead, q.int64(0) * 60 + kDay);
  }
  return lead + kDay;
}

// The places a pass reads: one set-based query over the window. ?1 now,
// ?2 the reach (horizon plus longest lead), ?5 how far confirmation
// requests look.
constexpr const char* kPlanRows =
    "SELECT a.id, a.status, a.created_at, a.needs_interpreter, v.id, v.phone, v.email, v.sms_opt_in, "
    "v.email_opt_in, v.opted_out_at IS NOT NULL, v.language, v.timezone, m.id, m.group_id, m.starts_at, "
    "m.ends_at, m.timezone, s.role, s.mode, b.signup_opens_minutes_before, b.signup_closes_minutes_before, "
    "b.interpretation_lead_hours, b.written_deadline_minutes_before "
    "FROM meeting m JOIN body b ON b.id = m.body_id JOIN slot s ON s.meeting_id = m.id "
    "JOIN assignment a ON a.slot_id = s.id JOIN volunteer v ON v.id = a.volunteer_id "
    "WHERE m.status IN ('confirmed', 'tentative') AND m.starts_at > ?1 AND m.starts_at <= max(?2, ?5) "
    "AND (?3 IS NULL OR m.group_id = ?3) AND (?4 IS NULL OR m.id = ?4) "
    "AND (a.status = 'confirmed' AND m.starts_at <= ?2 OR a.status = 'invited') "
    "ORDER BY m.id, a.id";

// (reach, how far confirmation requests look), in Unix seconds.
std::pair<std::int64_t, std::int64_t> plan_window(Database& db, const PlanScope& scope) {
  const std::int64_t reach = to_seconds(scope.until) + longest_lead(db, scope.group_id);
  return {reach, scope.meetings_until ? to_seconds(*scope.meetings_until) : reach};
}

// What a pass derives: every message the rules want for meetings within
// reach (the horizon plus the longest lead), and confirmation requests up to
// the scope's meeting look-ahead. Only those due by `scope.until` are
// written; the others are known, so a row written earlier is not cancelled.
struct Derived {
  std::vector<Wanted> wanted;
  std::vector<Id> meetings;  // the meetings read, each once
  std::int64_t rows = 0;
};

Derived wanted_messages(Database& db, const PlanScope& scope, Time now_t) {
  const std::int64_t now = to_seconds(now_t);
  const auto [reach, confirm_until] = plan_window(db, scope);
  auto rules = load_rules(db, scope.group_id);
  const ChannelOffsets no_rules;
  Derived out;
  std::unordered_map<Id, std::vector<std::pair<Id, std::string>>> coordinator_cache;
  std::set<std::pair<Id, std::int64_t>> interpreter_meetings;  // (meeting, deadline) already noticed

  // The meeting the rows are on (rows come meeting by meeting): its
  // deadlines are worked out once, not once per place.
  Id meeting_id = 0;
  domain::Meeting meeting;
  std::vector<domain::Deadline> meeting_deadlines;
  std::string role, mode;
  domain::PublicCommentRules body_rules;

  // One set-based read over the window: places on meetings within reach,
  // and invited places further out for their confirmation request.
  auto q = db.query(kPlanRows, now, reach, scope.group_id, scope.meeting_id, confirm_until);
  Row r;
  while (q.step()) {
    ++out.rows;
    r.assignment_id = q.int64(0);
    r.status = q.text(1);
    r.assigned_at = q.int64(2);
    r.needs_interpreter = q.text(3);
    r.volunteer_id = q.int64(4);
    r.phone = q.optional_text(5);
    r.email = q.optional_text(6);
    r.sms_opt_in = q.boolean(7);
    r.email_opt_in = q.boolean(8);
    r.opted_out = q.boolean(9);
    r.language = q.text(10);
    r.timezone = q.text(11);
    const Id m_id = q.int64(12);
    const std::int64_t start = q.int64(14);
    role = q.text(17);
    mode = q.text(18);
    const bool within_reach = start <= reach;
    if (m_id != meeting_id) {
      out.meetings.push_back(m_id);
      meeting_id = m_id;
      meeting.id = m_id;
      meeting.group_id = q.int64(13);
      meeting.starts_at = to_time(start);
      meeting.ends_at = to_time(q.int64(15));
      meeting.timezone = q.text(16);
      body_rules = {};
      if (!q.is_null(19)) body_rules.signup_opens_minutes_before = q.integer(19);
      body_rules.signup_closes_minutes_before = q.integer(20);
      body_rules.interpretation_lead_hours = q.integer(21);
      if (!q.is_null(22)) body_rules.written_deadline_minutes_before = q.integer(22);
      meeting_deadlines.clear();
      if (within_reach) meeting_deadlines = domain::deadlines(meeting, body_rules);
    }
    const Id g = meeting.group_id;
    auto rules_it = rules.find(g);
    const ChannelOffsets& offsets = rules_it == rules.end() ? no_rules : rules_it->second;
    auto base = [&](const char* kind, std::string channel, std::string recipient) {
      Wanted w;
      w.group_id = g;
      w.kind = kind;
      w.channel = std::move(channel);
      w.recipient = std::move(recipient);
      w.language = r.language;
      w.timezone = r.timezone;
      w.volunteer_id = r.volunteer_id;
      w.meeting_id = meeting_id;
      w.assignment_id = r.assignment_id;
      w.expires = start;
      return w;
    };
    // A new place asks for a YES or NO, by SMS: the channel people answer on.
    if (r.status == "invited") {
      if (auto to = address(r, "sms")) {
        Wanted w = base("confirmation_request", "sms", *to);
        w.due = std::max(r.assigned_at, std::int64_t{0});
        w.key = fmt::format("confirm:assignment:{}:sms", r.assignment_id);
        out.wanted.push_back(std::move(w));
      }
    }
    if (!within_reach) continue;
    for (const auto& [channel, list] : offsets) {
      auto to = address(r, channel);
      if (!to) continue;
      for (int o : domain::due_reminder_offsets(list, meeting.starts_at, to_time(r.assigned_at), now_t)) {
        Wanted w = base("reminder", channel, *to);
        w.offset = o;
        w.due = start - std::int64_t{o} * 60;
        w.key = fmt::format("reminder:assignment:{}:offset:{}:{}:at:{}", r.assignment_id, o, channel, start);
        out.wanted.push_back(std::move(w));
      }
    }
    for (const auto& d : meeting_deadlines) {
      const std::int64_t at = to_seconds(d.at);
      if (d.kind == domain::DeadlineKind::interpreter_request_due) {
        // Interpreters are booked by coordinators: tell them, by email.
        if (r.needs_interpreter.empty() || at <= now || !interpreter_meetings.insert({meeting_id, at}).second)
          continue;
        auto it = coordinator_cache.find(g);
        if (it == coordinator_cache.end()) it = coordinator_cache.emplace(g, coordinators(db, g)).first;
        for (const auto& [account, email] : it->second) {
          Wanted w;
          w.group_id = g;
          w.kind = "coordinator_notice";
          w.channel = "email";
          w.recipient = email;
          w.account_id = account;
          w.meeting_id = meeting_id;
          w.due = std::max(now, at - kDay);
          w.expires = at;
          w.key = fmt::format("interpreter:meeting:{}:account:{}:at:{}", meeting_id, account, at);
          out.wanted.push_back(std::move(w));
        }
        continue;
      }
      // Sign-up closing matters to speakers (many bodies want their own
      // speaker card too); written testimony to those giving it in writing.
      bool concerns = d.kind == domain::DeadlineKind::signup_closes
                          ? role == "speaker" && body_rules.signup_closes_minutes_before > 0
                          : mode == "written";
      if (!concerns) continue;
      auto moment = deadline_moment(at, r.assigned_at, now);
      if (!moment) continue;
      for (const auto& [channel, list] : offsets) {
        auto to = address(r, channel);
        if (!to) continue;
        Wanted w = base("deadline", channel, *to);
        w.due = *moment;
        w.expires = at;
        w.key =
            fmt::format("deadline:{}:assignment:{}:{}:at:{}", domain::to_string(d.kind), r.assignment_id, channel, at);
        out.wanted.push_back(std::move(w));
      }
    }
  }
  return out;
}

DueMessage read_due(Query& q) {
  DueMessage m;
  m.id = q.int64(0);
  m.group_id = q.int64(1);
  m.idempotency_key = q.text(2);
  m.channel = q.text(3);
  m.volunteer_id = q.optional_int64(4);
  m.account_id = q.optional_int64(5);
  m.recipient = q.text(6);
  m.subject = q.text(7);
  m.body = q.text(8);
  m.kind = q.text(9);
  m.meeting_id = q.optional_int64(10);
  m.assignment_id = q.optional_int64(11);
  m.offset_minutes = q.is_null(12) ? 0 : q.integer(12);
  m.language = q.text(13);
  m.timezone = q.text(14);
  if (!q.is_null(15)) m.expires_at = to_time(q.int64(15));
  m.attempts = q.integer(16);
  m.provider_id = q.text(17);
  m.recipient_opted_out = q.boolean(18);
  return m;
}

constexpr const char* kDueColumns =
    "o.id, o.group_id, o.idempotency_key, o.channel, o.volunteer_id, o.account_id, o.recipient, o.subject, o.body, "
    "o.kind, o.meeting_id, o.assignment_id, o.offset_minutes, o.language, o.timezone, o.expires_at, o.attempts, "
    "o.provider_id, coalesce(v.opted_out_at IS NOT NULL, 0)";

std::string channel_list(const std::vector<std::string>& channels) {
  nlohmann::json j = channels;
  return j.dump();
}

// Queues one message a reply or a notice asks for, due at once.
void queue_now(const Context& ctx, const Wanted& w) {
  ctx.db
      .query(
          "INSERT OR IGNORE INTO outbox_message (group_id, idempotency_key, channel, volunteer_id, account_id, "
          "recipient, due_at, created_at, updated_at, kind, meeting_id, assignment_id, language, timezone, "
          "next_attempt_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?7, ?13)",
          w.group_id, w.key, w.channel, w.volunteer_id, w.account_id, w.recipient, w.due, w.kind, w.meeting_id,
          w.assignment_id, w.language, w.timezone, w.expires ? std::optional<std::int64_t>(w.expires) : std::nullopt)
      .run();
}

}  // namespace

std::int64_t step_plan_rows(Database& db, const PlanScope& scope, domain::Time now, std::int64_t& checksum) {
  return db.read([&] {
    const auto [reach, confirm_until] = plan_window(db, scope);
    auto q = db.query(kPlanRows, to_seconds(now), reach, scope.group_id, scope.meeting_id, confirm_until);
    std::int64_t rows = 0;
    while (q.step()) {
      ++rows;
      checksum += q.int64(0) + static_cast<std::int64_t>(q.text(10).size() + q.text(16).size());
    }
    return rows;
  });
}

std::int64_t count_wanted_messages(Database& db, const PlanScope& scope, domain::Time now) {
  return db.read([&] {
    const std::int64_t until = to_seconds(scope.until);
    auto derived = wanted_messages(db, scope, now);
    return static_cast<std::int64_t>(
        std::count_if(derived.wanted.begin(), derived.wanted.end(), [&](const Wanted& w) { return w.due <= until; }));
  });
}

PlanResult plan_messages(const Context& ctx, const PlanScope& scope) {
  // A full pass touches the outbox's eight indexes all over: a page cache
  // that holds them (SQLite's default is 2 MB) saves re-reading pages from
  // the file; it is given back when the pass ends.
  struct BigCache {
    Database& db;
    std::optional<std::int64_t> before;
    BigCache(Database& d, bool wanted) : db(d) {
      if (!wanted) return;
      if (auto q = db.query("PRAGMA cache_size"); q.step()) before = q.int64(0);
      db.exec("PRAGMA cache_size = -65536");
    }
    ~BigCache() {
      try {
        if (!before) return;
        db.exec(fmt::format("PRAGMA cache_size = {}", *before));
        // A smaller limit does not give back the pages held: once the pass
        // is on disk, hand them back, so the daemon at rest stays small.
        db.after_commit([&d = db] {
          try {
            d.exec("PRAGMA shrink_memory");
            ::malloc_trim(0);  // and the allocator gives the freed pages to the system
          } catch (...) {
          }
        });
      } catch (...) {
      }
    }
  } cache(ctx.db, !scope.meeting_id);
  return ctx.db.write([&] {
    PlanResult result;
    const Time now = ctx.clock.now();
    const std::int64_t until = to_seconds(scope.until);
    auto derived = wanted_messages(ctx.db, scope, now);
    result.rows = derived.rows;
    // Every key the rules want, written now or later: a pending row whose
    // moment is beyond the horizon (the clock went back) stays as it is.
    std::unordered_set<std::string> keys;
    keys.reserve(derived.wanted.size() * 2);
    // What the outbox holds for these meetings already: the upsert below
    // runs only where it would change something (the same test as its
    // WHERE), so planning again with nothing changed reads and writes little.
    struct Existing {
      std::string status, recipient, language, timezone;
      std::int64_t due_at = 0, attempts = 0;
      bool never_sent = true;
    };
    std::unordered_map<std::string, Existing> existing;
    {
      nlohmann::json ids = derived.meetings;
      auto q = ctx.db.query(fmt::format("SELECT idempotency_key, status, attempts, sent_at IS NULL, recipient, "
                                        "language, timezone, due_at FROM outbox_message WHERE meeting_id IN "
                                        "(SELECT value FROM json_each(?1)) AND kind IN {}",
                                        kPlannedKinds),
                            ids.dump());
      while (q.step())
        existing.emplace(q.text(0),
                         Existing{q.text(1), q.text(4), q.text(5), q.text(6), q.int64(7), q.int64(2), q.boolean(3)});
    }
    auto unchanged = [&](const Wanted& w) {
      auto it = existing.find(w.key);
      if (it == existing.end()) return false;
      const Existing& e = it->second;
      if ((e.status == "cancelled" || e.status == "suppressed") && e.attempts == 0 && e.never_sent) return false;
      if (e.status == "pending" && (e.recipient != w.recipient || e.language != w.language ||
                                    e.timezone != w.timezone || e.due_at != w.due))
        return false;
      return true;
    };
    auto upsert = ctx.db.query(
        "INSERT INTO outbox_message (group_id, idempotency_key, channel, volunteer_id, account_id, recipient, "
        "due_at, created_at, updated_at, kind, meeting_id, assignment_id, offset_minutes, language, timezone, "
        "next_attempt_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?7, ?15) "
        "ON CONFLICT (idempotency_key) DO UPDATE SET status = 'pending', recipient = excluded.recipient, "
        "language = excluded.language, timezone = excluded.timezone, due_at = excluded.due_at, "
        "next_attempt_at = CASE WHEN status = 'pending' THEN max(next_attempt_at, excluded.due_at) "
        "ELSE excluded.due_at END, last_error = CASE WHEN status = 'pending' THEN last_error ELSE '' END, "
        "updated_at = excluded.updated_at "
        "WHERE (status IN ('cancelled', 'suppressed') AND attempts = 0 AND sent_at IS NULL) "
        "OR (status = 'pending' AND (recipient <> excluded.recipient OR language <> excluded.language OR "
        "timezone <> excluded.timezone OR due_at <> excluded.due_at))");
    for (Wanted& w : derived.wanted) {
      // Beyond the horizon: a later pass writes it as it comes near.
      if (w.due > until) {
        keys.insert(std::move(w.key));
        continue;
      }
      ++result.wanted;
      if (unchanged(w)) {
        keys.insert(std::move(w.key));
        continue;
      }
      // A key seen before is never queued twice; one the planner or an
      // opt-out set aside before any attempt comes back when wanted again.
      upsert.reset()
          .bind_all(w.group_id, w.key, w.channel, w.volunteer_id, w.account_id, w.recipient, w.due, ctx.now(), w.kind,
                w.meeting_id, w.assignment_id, w.offset, w.language, w.timezone,
                w.expires ? std::optional<std::int64_t>(w.expires) : std::nullopt)
          .run();
      result.queued += ctx.db.changes();
      keys.insert(std::move(w.key));
    }
    result.later = static_cast<std::int64_t>(keys.size()) - result.wanted;
    // Pending planned rows in the scope that the rules no longer ask for.
    std::vector<Id> stale;
    {
      auto q = ctx.db.query(fmt::format("SELECT id, idempotency_key FROM outbox_message WHERE status = 'pending' "
                                        "AND kind IN {} AND (?1 IS NULL OR group_id = ?1) AND "
                                        "(?2 IS NULL OR meeting_id = ?2)",
                                        kPlannedKinds),
                            scope.group_id, scope.meeting_id);
      while (q.step())
        if (!keys.contains(q.text(1))) stale.push_back(q.int64(0));
    }
    auto cancel = ctx.db.query("UPDATE outbox_message SET status = 'cancelled', last_error = ?, updated_at = ? WHERE id = ?");
    for (Id id : stale) {
      cancel.reset().bind_all(kNoLongerDue, ctx.now(), id).run();
      ++result.cancelled;
    }
    return result;
  });
}

int queue_meeting_notices(const Context& ctx, Id group_id, Id meeting_id, std::string_view kind) {
  return ctx.db.write([&] {
    const std::int64_t now = ctx.now();
    int queued = 0;
    auto rules = load_rules(ctx.db, group_id)[group_id];
    std::set<std::string> channels;
    for (const auto& r : rules) channels.insert(r.first);
    auto q = ctx.db.query(
        "SELECT a.id, v.id, v.phone, v.email, v.sms_opt_in, v.email_opt_in, v.opted_out_at IS NOT NULL, v.language, "
        "v.timezone, m.starts_at, m.sequence FROM meeting m JOIN slot s ON s.meeting_id = m.id "
        "JOIN assignment a ON a.slot_id = s.id JOIN volunteer v ON v.id = a.volunteer_id "
        "WHERE m.id = ? AND m.group_id = ? AND a.status IN ('invited', 'confirmed') ORDER BY a.id",
        meeting_id, group_id);
    std::vector<Wanted> out;
    while (q.step()) {
      Row r;
      r.assignment_id = q.int64(0);
      r.volunteer_id = q.int64(1);
      r.phone = q.optional_text(2);
      r.email = q.optional_text(3);
      r.sms_opt_in = q.boolean(4);
      r.email_opt_in = q.boolean(5);
      r.opted_out = q.boolean(6);
      r.language = q.text(7);
      r.timezone = q.text(8);
      std::int64_t start = q.int64(9);
      int sequence = q.integer(10);
      if (start <= now) continue;  // nothing goes out once the meeting started
      for (const auto& channel : channels) {
        auto to = address(r, channel);
        if (!to) continue;
        Wanted w;
        w.group_id = group_id;
        w.kind = std::string(kind);
        w.channel = channel;
        w.recipient = *to;
        w.language = r.language;
        w.timezone = r.timezone;
        w.volunteer_id = r.volunteer_id;
        w.meeting_id = meeting_id;
        w.assignment_id = r.assignment_id;
        w.due = now;
        w.expires = start;
        w.key =
            fmt::format("{}:meeting:{}:seq:{}:assignment:{}:{}", kind, meeting_id, sequence, r.assignment_id, channel);
        out.push_back(std::move(w));
      }
    }
    for (const auto& w : out) {
      queue_now(ctx, w);
      queued += ctx.db.changes();
    }
    return queued;
  });
}

std::vector<DueMessage> due_messages(Database& db, const std::vector<std::string>& channels, Time now, int limit) {
  std::vector<DueMessage> out;
  auto q = db.query(fmt::format("SELECT {} FROM outbox_message o LEFT JOIN volunteer v ON v.id = o.volunteer_id "
                                "WHERE o.status = 'pending' AND o.next_attempt_at <= ?1 AND o.channel IN "
                                "(SELECT value FROM json_each(?2)) ORDER BY o.next_attempt_at, o.id LIMIT ?3",
                                kDueColumns),
                    to_seconds(now), channel_list(channels), limit);
  while (q.step()) out.push_back(read_due(q));
  return out;
}

std::optional<Time> next_attempt(Database& db, const std::vector<std::string>& channels) {
  auto q = db.query(
      "SELECT min(next_attempt_at) FROM outbox_message WHERE status = 'pending' AND channel IN "
      "(SELECT value FROM json_each(?1))",
      channel_list(channels));
  if (!q.step() || q.is_null(0)) return std::nullopt;
  return to_time(q.int64(0));
}

std::vector<DueMessage> sending_messages(Database& db, std::string_view channel) {
  std::vector<DueMessage> out;
  auto q = db.query(fmt::format("SELECT {} FROM outbox_message o LEFT JOIN volunteer v ON v.id = o.volunteer_id "
                                "WHERE o.status = 'sending' AND o.channel = ? ORDER BY o.id",
                                kDueColumns),
                    channel);
  while (q.step()) out.push_back(read_due(q));
  return out;
}

bool mark_sending(const Context& ctx, Id id, const Rendered& t) {
  return ctx.db.write([&] {
    ctx.db
        .query(
            "UPDATE outbox_message SET status = 'sending', attempts = attempts + 1, subject = ?, body = ?, "
            "encoding = ?, segments = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
            t.subject, t.body, t.encoding, t.segments, ctx.now(), id)
        .run();
    return ctx.db.changes() == 1;
  });
}

void mark_sent(const Context& ctx, Id id, std::string_view provider_id) {
  // A fast gateway may report delivery before send() returned: the row is
  // then delivered (or failed) already, and keeps that status.
  ctx.db.write([&] {
    ctx.db
        .query("UPDATE outbox_message SET status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END, "
               "provider_id = ?1, last_error = CASE WHEN status = 'sending' THEN '' ELSE last_error END, "
               "sent_at = ?2, updated_at = ?2 WHERE id = ?3 AND sent_at IS NULL "
               "AND status IN ('sending', 'delivered', 'failed')",
               provider_id, ctx.now(), id)
        .run();
  });
}

void mark_retry(const Context& ctx, Id id, std::string_view error, Time retry_at) {
  ctx.db.write([&] {
    ctx.db
        .query(
            "UPDATE outbox_message SET status = 'pending', last_error = ?, next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'sending'",
            error, to_seconds(retry_at), ctx.now(), id)
        .run();
  });
}

void mark_failed(const Context& ctx, Id id, std::string_view error) {
  ctx.db.write([&] {
    ctx.db
        .query(
            "UPDATE outbox_message SET status = 'failed', last_error = ?, updated_at = ? "
            "WHERE id = ? AND status IN ('sending', 'pending')",
            error, ctx.now(), id)
        .run();
  });
}

void cancel_pending(const Context& ctx, Id id, std::string_view reason) {
  ctx.db.write([&] {
    ctx.db
        .query(
            "UPDATE outbox_message SET status = 'cancelled', last_error = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending'",
            reason, ctx.now(), id)
        .run();
  });
}

void defer(const Context& ctx, Id id, Time at, std::string_view reason) {
  ctx.db.write([&] {
    ctx.db
        .query(
            "UPDATE outbox_message SET next_attempt_at = ?, last_error = ?, updated_at = ? "
            "WHERE id = ? AND status = 'pending'",
            to_seconds(at), reason, ctx.now(), id)
        .run();
  });
}

void requeue_sending(const Context& ctx, Id id) {
  ctx.db.write([&] {
    ctx.db
        .query(
            "UPDATE outbox_message SET status = 'pending', next_attempt_at = ?1, "
            "last_error = 'sent again: it had surely not left when the daemon stopped', updated_at = ?1 "
            "WHERE id = ?2 AND status = 'sending'",
            ctx.now(), id)
        .run();
  });
}

bool record_delivery_report(const Context& ctx, std::string_view channel, std::string_view provider_id,
                            std::string_view status, std::string_view error) {
  if (provider_id.empty()) return false;
  return ctx.db.write([&] {
    Id id = 0;
    {
      // A transport that names messages by their outbox id (Kannel) may get
      // the report while the row is still `sending`, before its id is stored.
      auto q = ctx.db.query(
          "SELECT id FROM outbox_message WHERE channel = ?1 AND (provider_id = ?2 OR (provider_id = '' AND "
          "status = 'sending' AND ?2 NOT GLOB '*[^0-9]*' AND id = CAST(?2 AS INTEGER))) LIMIT 1",
          channel, provider_id);
      if (!q.step()) return false;
      id = q.int64(0);
    }
    if (status == "delivered") {
      ctx.db
          .query(
              "UPDATE outbox_message SET status = 'delivered', delivered_at = ?1, last_error = '', updated_at = ?1 "
              "WHERE id = ?2 AND status IN ('sending', 'sent', 'failed')",
              ctx.now(), id)
          .run();
    } else if (status == "failed") {
      // A report of failure never undoes one of delivery that came first.
      ctx.db
          .query(
              "UPDATE outbox_message SET status = 'failed', last_error = ?1, updated_at = ?2 "
              "WHERE id = ?3 AND status IN ('sending', 'sent')",
              error.empty() ? std::string_view("the gateway reported a failed delivery") : error, ctx.now(), id)
          .run();
    }
    return true;
  });
}

std::vector<domain::ReplyKeyword> reply_keywords(Database& db, Id group_id) {
  std::vector<domain::ReplyKeyword> out;
  auto q = db.query("SELECT word, action FROM reply_keyword WHERE group_id = ? ORDER BY word", group_id);
  while (q.step())
    if (auto a = domain::parse_reply_action(q.text(1))) out.push_back({q.text(0), *a});
  return out;
}

void set_reply_keywords(const Context& ctx, Id group_id, const std::vector<domain::ReplyKeyword>& words) {
  if (words.size() > 50) throw invalid(std::string(domain::to_string(words[50].action)), "at most 50 words in all");
  for (const auto& w : words)
    if (domain::normalize_reply_word(w.word).empty() || w.word.size() > 40)
      throw invalid(std::string(domain::to_string(w.action)),
                    fmt::format("each word is one word of letters, at most 40 bytes"));
  ctx.db.write([&] {
    ctx.db.query("DELETE FROM reply_keyword WHERE group_id = ?", group_id).run();
    for (const auto& w : words)
      ctx.db
          .query("INSERT OR REPLACE INTO reply_keyword (group_id, word, action) VALUES (?, ?, ?)", group_id,
                 domain::normalize_reply_word(w.word), domain::to_string(w.action))
          .run();
    audit(ctx, group_id, "group.reply_keywords_set", "group", group_id, {{"count", words.size()}});
  });
}

std::optional<std::string> message_template(Database& db, Id group_id, std::string_view channel, std::string_view kind,
                                            std::string_view language) {
  auto q =
      db.query("SELECT body FROM message_template WHERE group_id = ? AND channel = ? AND kind = ? AND language = ?",
               group_id, channel, kind, language);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

std::vector<MessageTemplateRow> message_templates(Database& db, Id group_id) {
  std::vector<MessageTemplateRow> out;
  auto q = db.query(
      "SELECT channel, kind, language, body, updated_at FROM message_template WHERE group_id = ? "
      "ORDER BY channel, kind, language",
      group_id);
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), to_time(q.int64(4))});
  return out;
}

void set_message_template(const Context& ctx, Id group_id, std::string_view channel, std::string_view kind,
                          std::string_view language, std::string_view body) {
  ctx.db.write([&] {
    ctx.db
        .query(
            "INSERT INTO message_template (group_id, channel, kind, language, body, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (group_id, channel, kind, language) "
            "DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            group_id, channel, kind, language, body, ctx.now())
        .run();
    audit(ctx, group_id, "message_template.set", "group", group_id,
          {{"channel", channel}, {"kind", kind}, {"language", language}});
  });
}

bool delete_message_template(const Context& ctx, Id group_id, std::string_view channel, std::string_view kind,
                             std::string_view language) {
  bool removed = false;
  ctx.db.write([&] {
    ctx.db
        .query("DELETE FROM message_template WHERE group_id = ? AND channel = ? AND kind = ? AND language = ?",
               group_id, channel, kind, language)
        .run();
    removed = ctx.db.changes() > 0;
    if (removed)
      audit(ctx, group_id, "message_template.removed", "group", group_id,
            {{"channel", channel}, {"kind", kind}, {"language", language}});
  });
  return removed;
}

std::vector<InboundRow> list_inbound(Database& db, Id group_id, Id after_id, int limit) {
  std::vector<InboundRow> out;
  auto q = db.query(
      "SELECT id, channel, volunteer_id, assignment_id, body, handled_as, received_at FROM inbound_message "
      "WHERE group_id = ? AND id > ? ORDER BY id LIMIT ?",
      group_id, after_id, std::clamp(limit, 1, 1000));
  while (q.step())
    out.push_back(
        {q.int64(0), q.text(1), q.optional_int64(2), q.optional_int64(3), q.text(4), q.text(5), to_time(q.int64(6))});
  return out;
}

ReplyOutcome apply_reply(const Context& ctx, std::string_view channel, std::string_view from, std::string_view text,
                         std::string_view provider_id) {
  return ctx.db.write([&] {
    ReplyOutcome out;
    const std::int64_t now = ctx.now();
    if (!provider_id.empty()) {
      auto seen =
          ctx.db.query("SELECT 1 FROM inbound_message WHERE channel = ? AND provider_id = ?", channel, provider_id);
      if (seen.step()) {
        out.handled_as = "duplicate";
        return out;
      }
    }
    // The person may be a volunteer of several groups under one number.
    struct Person {
      Id id, group_id;
      std::string language, timezone;
      bool opted_out;
    };
    std::vector<Person> people;
    {
      auto q = ctx.db.query(
          "SELECT id, group_id, language, timezone, opted_out_at IS NOT NULL FROM volunteer WHERE phone = ? "
          "ORDER BY id",
          from);
      while (q.step()) people.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3), q.boolean(4)});
    }
    if (people.empty()) {
      out.handled_as = "unknown_sender";
      return out;
    }
    // The conversation's group: the one that last wrote to this number.
    Id group_id = people.front().group_id;
    Person* person = &people.front();
    {
      auto q = ctx.db.query(
          "SELECT volunteer_id FROM outbox_message WHERE channel = ? AND recipient = ? AND sent_at IS NOT NULL "
          "AND volunteer_id IS NOT NULL ORDER BY sent_at DESC, id DESC LIMIT 1",
          channel, from);
      if (q.step()) {
        Id last = q.int64(0);
        for (auto& p : people)
          if (p.id == last) person = &p;
      }
      group_id = person->group_id;
    }
    domain::ReplyAction action = domain::classify_reply(text, reply_keywords(ctx.db, group_id));
    out.accepted = true;
    out.handled_as = std::string(domain::to_string(action));
    std::optional<Id> assignment_id;
    std::string reply_kind;
    std::string handled = out.handled_as;

    auto answer = [&](const Person& p, std::string kind) {
      Wanted w;
      w.group_id = p.group_id;
      w.kind = std::move(kind);
      w.channel = std::string(channel);
      w.recipient = std::string(from);
      w.language = p.language;
      w.timezone = p.timezone;
      w.volunteer_id = p.id;
      w.assignment_id = assignment_id;
      w.due = now;
      w.key = fmt::format("reply:{}:{}:{}:{}", w.kind, channel, p.id, now);
      // Two replies in the same second share the key: one answer is enough.
      queue_now(ctx, w);
    };

    switch (action) {
      case domain::ReplyAction::opt_out: {
        // Every group, every pending message to this person, at once.
        for (const auto& p : people) {
          ctx.db
              .query("UPDATE volunteer SET opted_out_at = coalesce(opted_out_at, ?1), updated_at = ?1 WHERE id = ?2",
                     now, p.id)
              .run();
          ctx.db
              .query(
                  "UPDATE outbox_message SET status = 'suppressed', last_error = 'the person replied STOP', "
                  "updated_at = ?1 WHERE volunteer_id = ?2 AND status = 'pending'",
                  now, p.id)
              .run();
          audit(ctx, p.group_id, "volunteer.opted_out", "volunteer", p.id, {{"channel", channel}});
          record_event(ctx, p.group_id, "volunteer.updated", "volunteer", p.id, {{"opted_out", true}});
          out.groups.push_back(p.group_id);
        }
        answer(*person, "opt_out_confirmation");
        break;
      }
      case domain::ReplyAction::opt_in: {
        for (const auto& p : people) {
          ctx.db.query("UPDATE volunteer SET opted_out_at = NULL, updated_at = ?1 WHERE id = ?2", now, p.id).run();
          audit(ctx, p.group_id, "volunteer.opted_in", "volunteer", p.id, {{"channel", channel}});
          record_event(ctx, p.group_id, "volunteer.updated", "volunteer", p.id, {{"opted_out", false}});
          out.groups.push_back(p.group_id);
        }
        answer(*person, "opt_in_confirmation");
        break;
      }
      case domain::ReplyAction::help: answer(*person, "help"); break;
      case domain::ReplyAction::confirm:
      case domain::ReplyAction::decline: {
        // The assignment the last confirmation request to this person asked about.
        {
          auto q = ctx.db.query(
              "SELECT assignment_id FROM outbox_message WHERE volunteer_id = ? AND kind = 'confirmation_request' "
              "AND sent_at IS NOT NULL AND assignment_id IS NOT NULL ORDER BY sent_at DESC, id DESC LIMIT 1",
              person->id);
          if (q.step()) assignment_id = q.int64(0);
        }
        if (person->opted_out || !assignment_id) {
          handled = "other";  // nothing to confirm: the coordinator reads it
          out.handled_as = "other";
          break;
        }
        AssignmentPatch patch;
        patch.status = action == domain::ReplyAction::confirm ? domain::AssignmentStatus::confirmed
                                                              : domain::AssignmentStatus::declined;
        Context as_volunteer{ctx.db, ctx.clock, domain::Actor::volunteer(person->id)};
        try {
          update_assignment(as_volunteer, group_id, *assignment_id, patch);
        } catch (const Error&) {
          // Cancelled or past meanwhile: keep the words for the coordinator.
          handled = "other";
          out.handled_as = "other";
          break;
        }
        answer(*person, "reply_received");
        if (action == domain::ReplyAction::decline) {
          for (const auto& [account, email] : coordinators(ctx.db, group_id)) {
            Wanted w;
            w.group_id = group_id;
            w.kind = "coordinator_notice";
            w.channel = "email";
            w.recipient = email;
            w.account_id = account;
            w.assignment_id = assignment_id;
            w.due = now;
            w.key = fmt::format("declined:assignment:{}:account:{}:at:{}", *assignment_id, account, now);
            queue_now(ctx, w);
          }
        }
        out.groups.push_back(group_id);
        break;
      }
      case domain::ReplyAction::other: break;
    }
    ctx.db
        .query(
            "INSERT INTO inbound_message (group_id, channel, volunteer_id, provider_id, body, handled_as, "
            "assignment_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            group_id, channel, person->id, provider_id, text.substr(0, 1600), handled, assignment_id, now)
        .run();
    audit(ctx, group_id, "reply.received", "volunteer", person->id, {{"handled_as", handled}});
    return out;
  });
}

}  // namespace turnout::store
