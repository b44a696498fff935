#include "domain/delivery.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>

#include "../../plugins/sms/sms_text.hpp"
#include "delivery/delivery.hpp"
#include "delivery/test_clock.hpp"
#include "store/assignments.hpp"
#include "store/delivery.hpp"
#include "store/groups.hpp"
#include "support.hpp"

using namespace turnout;
using namespace turnout::domain;
using turnout::test::World;

namespace {

Time at(const char* rfc3339) {
  return parse_rfc3339(rfc3339, "t");
}

Volunteer texter(World& w, const std::string& name, const std::string& phone, const std::string& language = "en") {
  VolunteerDraft d;
  d.name = name;
  d.phone = phone;
  d.sms_opt_in = true;
  d.language = language;
  return store::create_volunteer(w.ctx, w.group, d);
}

struct OutboxRow {
  std::string key, kind, status, last_error;
  std::int64_t due = 0;
};
std::vector<OutboxRow> outbox(World& w) {
  std::vector<OutboxRow> out;
  auto q = w.db.query("SELECT idempotency_key, kind, status, last_error, due_at FROM outbox_message ORDER BY id");
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2), q.text(3), q.int64(4)});
  return out;
}
int count(World& w, const std::string& status, const std::string& kind = "") {
  int n = 0;
  for (const auto& r : outbox(w))
    if (r.status == status && (kind.empty() || r.kind == kind)) ++n;
  return n;
}
store::PlanResult plan(World& w) {
  store::PlanScope scope;
  scope.until = w.clock.now() + std::chrono::hours(24 * 62);
  return store::plan_messages(w.ctx, scope);
}

// One full pass as the daemon runs it: the default horizon (a week).
store::PlanResult plan_as_daemon(World& w) {
  return store::plan_messages(w.ctx, delivery::full_plan_scope(w.clock.now()));
}
int rows_with_key(World& w, const std::string& key) {
  int n = 0;
  for (const auto& r : outbox(w)) n += r.key == key;
  return n;
}
std::vector<domain::Id> due_now(World& w) {
  std::vector<domain::Id> out;
  for (const auto& m : store::due_messages(w.db, {"sms", "email"}, w.clock.now(), 100)) out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("a meeting 10 days out gets its 48 h reminder written once the horizon reaches it, sent on time, once") {
  using namespace std::chrono;
  REQUIRE(delivery::Options{}.horizon >= 24 * delivery::Options{}.plan_every);  // comfortably more than a pass apart
  World w;
  // Thursday 12 March 10:00 PDT, ten days after the test's Monday.
  auto m = w.add_meeting("2026-03-12T10:00:00-07:00", "2026-03-12T12:00:00-07:00");
  auto slot = w.add_slot(m.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  auto a = store::claim_slot(w.ctx, w.group.id, {slot.id, v.id, false, false, AssignmentStatus::confirmed});
  const std::int64_t start = m.starts_at.time_since_epoch().count();
  const std::string key48 = fmt::format("reminder:assignment:{}:offset:2880:sms:at:{}", a.id, start);
  const std::string key3 = fmt::format("reminder:assignment:{}:offset:180:sms:at:{}", a.id, start);
  const Time due48 = m.starts_at - hours(48);

  auto first = plan_as_daemon(w);
  CHECK(first.queued == 0);  // nothing of this meeting is due within a week
  CHECK(first.later >= 2);   // but it is derived: the two reminders and the deadline
  CHECK(outbox(w).empty());

  // The periodic pass, every 15 minutes, up to the 48 h moment and past it.
  const Time reached = due48 - delivery::Options{}.horizon;
  bool sent = false;
  for (Time now = w.clock.now(); now <= due48 + minutes(30); now += minutes(15)) {
    w.clock.set(now);
    plan_as_daemon(w);
    if (now < reached) {
      CHECK(rows_with_key(w, key48) == 0);
    } else {
      REQUIRE(rows_with_key(w, key48) == 1);  // written once, never twice
    }
    auto due = due_now(w);
    if (now < due48) {
      CHECK(due.empty());  // not before its moment
    } else if (!sent) {
      // At its moment (to the quarter hour the pass wakes at, the dispatcher
      // wakes at the row's next_attempt_at itself): due, and sent.
      REQUIRE(due.size() == 1);
      CHECK(now - due48 < minutes(15));
      REQUIRE(store::mark_sending(w.ctx, due[0], {"", "reminder", "", 1}));
      store::mark_sent(w.ctx, due[0], "p1");
      sent = true;
    } else {
      CHECK(due.empty());  // never again
    }
  }
  CHECK(sent);
  CHECK(rows_with_key(w, key48) == 1);
  CHECK(rows_with_key(w, key3) == 1);  // came within the horizon meanwhile, waiting for its moment
  CHECK(count(w, "sent", "reminder") == 1);
  CHECK(count(w, "pending", "reminder") == 1);
  auto rows = outbox(w);
  for (const auto& r : rows)
    if (r.key == key48) CHECK(r.due == due48.time_since_epoch().count());
}

TEST_CASE("with the horizon, a reminder whose moment passed while the daemon was away goes out at once, once") {
  using namespace std::chrono;
  World w;
  auto m = w.add_meeting("2026-03-20T18:00:00-07:00", "2026-03-20T20:00:00-07:00");
  auto slot = w.add_slot(m.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  store::claim_slot(w.ctx, w.group.id, {slot.id, v.id, false, false, AssignmentStatus::confirmed});
  CHECK(plan_as_daemon(w).queued == 0);
  // Back 20 hours before the start: the 48 h moment passed unseen.
  w.clock.set(m.starts_at - hours(20));
  auto r = plan_as_daemon(w);
  CHECK(count(w, "pending", "reminder") == 2);  // the passed 48 h one, at once, and the 3 h one
  CHECK(r.queued == 3);  // and the sign-up closing, whose day-before moment passed too: now
  CHECK(due_now(w).size() == 2);
  CHECK(plan_as_daemon(w).queued == 0);
}

TEST_CASE("a pass after the clock went back keeps what it wrote; a meeting moved beyond the horizon waits") {
  using namespace std::chrono;
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  store::claim_slot(w.ctx, w.group.id, {slot.id, v.id, false, false, AssignmentStatus::confirmed});
  w.clock.set(w.meeting.starts_at - hours(24 * 5));
  plan_as_daemon(w);
  CHECK(count(w, "pending", "reminder") == 2);
  // The clock steps back three days: the 3 h reminder is beyond the horizon
  // again, but the row stays as it is.
  w.clock.set(w.meeting.starts_at - hours(24 * 8));
  auto back = plan_as_daemon(w);
  CHECK(back.cancelled == 0);
  CHECK(count(w, "pending", "reminder") == 2);
  // The meeting moves three weeks later: the old reminders go, the new ones
  // wait until the horizon reaches them.
  w.clock.set(w.meeting.starts_at - hours(24 * 5));
  MeetingDraft d;
  d.starts_at = "2026-03-31T09:00:00-07:00";
  d.ends_at = "2026-03-31T13:00:00-07:00";
  store::update_meeting(w.ctx, w.group.id, w.meeting.id, d);
  auto moved = plan_as_daemon(w);
  CHECK(moved.cancelled == 3);  // two reminders and the sign-up closing
  CHECK(moved.queued == 0);
  CHECK(count(w, "pending") == 0);
  w.clock.set(parse_rfc3339("2026-03-22T12:00:00-07:00", "t"));
  CHECK(plan_as_daemon(w).queued == 1);  // the 48 h one (29 March) is within a week; the rest later
  CHECK(count(w, "pending", "reminder") == 1);
}

TEST_CASE("a new place asks for confirmation and plans the 48 h and 3 h reminders, once") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  auto a = store::claim_slot(w.ctx, w.group.id, {slot.id, v.id});
  auto first = plan(w);
  // Two reminders, one confirmation request and, for a speaker, the body's
  // sign-up closing (30 min before); by SMS only, as there is no email address.
  CHECK(first.queued == 4);
  auto rows = outbox(w);
  REQUIRE(rows.size() == 4);
  const std::int64_t start = w.meeting.starts_at.time_since_epoch().count();
  std::set<std::string> keys;
  for (const auto& r : rows) keys.insert(r.key);
  CHECK(keys.count(fmt::format("reminder:assignment:{}:offset:2880:sms:at:{}", a.id, start)) == 1);
  CHECK(keys.count(fmt::format("reminder:assignment:{}:offset:180:sms:at:{}", a.id, start)) == 1);
  CHECK(keys.count(fmt::format("confirm:assignment:{}:sms", a.id)) == 1);
  CHECK(keys.count(fmt::format("deadline:signup_closes:assignment:{}:sms:at:{}", a.id, start - 30 * 60)) == 1);
  // Planning again changes nothing: the keys exist.
  auto second = plan(w);
  CHECK(second.queued == 0);
  CHECK(second.cancelled == 0);
  CHECK(outbox(w).size() == 4);
}

TEST_CASE("a reminder whose moment passed goes out at once, only the latest one, and none after the start") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  store::claim_slot(w.ctx, w.group.id, {slot.id, v.id, false, false, AssignmentStatus::confirmed});
  // Four hours before the start: the 48 h moment passed, the 3 h one is ahead.
  w.clock.set(at("2026-03-10T05:00:00-07:00"));
  plan(w);
  CHECK(count(w, "pending", "reminder") == 2);
  w.clock.set(at("2026-03-10T08:30:00-07:00"));  // both passed now
  auto r = plan(w);
  // The 48 h one, never sent, makes way for the 3 h one; sign-up closed at 08:30.
  CHECK(r.cancelled == 2);
  CHECK(count(w, "pending", "reminder") == 1);
  w.clock.set(at("2026-03-10T09:00:00-07:00"));
  plan(w);
  CHECK(count(w, "pending") == 0);  // started: nothing goes out any more
}

TEST_CASE("a place taken late skips reminders whose moment came before it") {
  auto offsets = due_reminder_offsets({2880, 180}, at("2026-03-10T16:00:00Z"), at("2026-03-10T12:00:00Z"),
                                      at("2026-03-10T12:00:00Z"));
  CHECK(offsets == std::vector<int>{180});
  CHECK(due_reminder_offsets({2880, 180}, at("2026-03-10T16:00:00Z"), at("2026-03-01T00:00:00Z"),
                             at("2026-03-10T16:00:00Z"))
            .empty());
}

TEST_CASE("cancelling a meeting notifies everyone on it and cancels their pending reminders") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 3);
  auto a = texter(w, "Rosa", "+14155552671");
  auto b = texter(w, "Luis", "+14155552672", "es");
  store::claim_slot(w.ctx, w.group.id, {slot.id, a.id, false, false, AssignmentStatus::confirmed});
  store::claim_slot(w.ctx, w.group.id, {slot.id, b.id, false, false, AssignmentStatus::confirmed});
  plan(w);
  CHECK(count(w, "pending", "reminder") == 4);
  MeetingDraft d;
  d.status = "cancelled";
  store::update_meeting(w.ctx, w.group.id, w.meeting.id, d);
  CHECK(store::queue_meeting_notices(w.ctx, w.group.id, w.meeting.id, "meeting_cancelled") == 2);
  CHECK(store::queue_meeting_notices(w.ctx, w.group.id, w.meeting.id, "meeting_cancelled") == 0);  // once
  plan(w);
  CHECK(count(w, "pending", "reminder") == 0);
  CHECK(count(w, "cancelled", "reminder") == 4);
  CHECK(count(w, "pending", "meeting_cancelled") == 2);
}

TEST_CASE("quiet hours hold messages until 08:00 on the recipient's clock, across DST") {
  // 22:00 on Saturday 7 March in Los Angeles (PST); clocks spring forward that night.
  CHECK(next_sending_moment(at("2026-03-07T22:00:00-08:00"), "America/Los_Angeles") == at("2026-03-08T08:00:00-07:00"));
  CHECK(next_sending_moment(at("2026-03-08T07:59:00-07:00"), "America/Los_Angeles") == at("2026-03-08T08:00:00-07:00"));
  CHECK(next_sending_moment(at("2026-03-08T12:00:00-07:00"), "America/Los_Angeles") == at("2026-03-08T12:00:00-07:00"));
  CHECK(next_sending_moment(at("2026-03-08T21:00:00-07:00"), "America/Los_Angeles") == at("2026-03-09T08:00:00-07:00"));
  CHECK(next_sending_moment(at("2026-11-01T20:59:00-08:00"), "America/New_York") == at("2026-11-02T08:00:00-05:00"));
}

TEST_CASE("retries back off exponentially with jitter, capped at an hour") {
  using std::chrono::seconds;
  CHECK(retry_delay(1, 0.5) == seconds(30));
  CHECK(retry_delay(2, 0.5) == seconds(60));
  CHECK(retry_delay(3, 0.0) == seconds(96));
  CHECK(retry_delay(30, 0.99) <= seconds(4320));
  CHECK(retry_delay(30, 0.0) >= seconds(2880));
}

TEST_CASE("one-word replies are read whatever their case, accents or punctuation") {
  CHECK(classify_reply("STOP") == ReplyAction::opt_out);
  CHECK(classify_reply("  stop \n") == ReplyAction::opt_out);
  CHECK(classify_reply("Unsubscribe.") == ReplyAction::opt_out);
  CHECK(classify_reply("quit") == ReplyAction::opt_out);
  CHECK(classify_reply("Sí") == ReplyAction::confirm);
  CHECK(classify_reply("SÍ!") == ReplyAction::confirm);
  CHECK(classify_reply("yes") == ReplyAction::confirm);
  CHECK(classify_reply("No") == ReplyAction::decline);
  CHECK(classify_reply("ayuda") == ReplyAction::help);
  CHECK(classify_reply("unstop") == ReplyAction::opt_in);
  CHECK(classify_reply("stop please") == ReplyAction::other);
  CHECK(classify_reply("I will be late") == ReplyAction::other);
  CHECK(classify_reply("") == ReplyAction::other);
  CHECK(classify_reply("¡Sí!") == ReplyAction::confirm);
  CHECK(classify_reply("¿ayuda?") == ReplyAction::help);
  CHECK(classify_reply("no.  ") == ReplyAction::decline);
  CHECK(classify_reply("no way") == ReplyAction::other);
  CHECK(classify_reply("alto") == ReplyAction::other);
  CHECK(classify_reply("alto", {{"ALTO", ReplyAction::opt_out}}) == ReplyAction::opt_out);
}

TEST_CASE("STOP opts the number out and suppresses its pending messages in one go, with one confirmation") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  store::claim_slot(w.ctx, w.group.id, {slot.id, v.id});
  plan(w);
  REQUIRE(count(w, "pending") == 4);
  auto r = store::apply_reply(w.ctx, "sms", "+14155552671", "stop", "");
  CHECK(r.accepted);
  CHECK(r.handled_as == "opt_out");
  CHECK(count(w, "suppressed") == 4);
  CHECK(count(w, "pending", "opt_out_confirmation") == 1);
  CHECK(store::get_volunteer(w.db, w.group.id, v.id).opted_out_at.has_value());
  plan(w);
  CHECK(count(w, "pending") == 1);  // nothing planned for someone who said STOP
  // START brings them back, and the reminders with them.
  w.clock.advance(std::chrono::seconds(5));
  CHECK(store::apply_reply(w.ctx, "sms", "+14155552671", "START", "").handled_as == "opt_in");
  plan(w);
  CHECK(count(w, "pending", "reminder") == 2);
  CHECK(count(w, "pending", "opt_in_confirmation") == 1);
}

TEST_CASE("YES confirms the assignment the last request asked about; NO declines and tells the coordinators") {
  World w;
  store::create_account(w.ctx, {w.group.id, "coord@example.org", "Coord", "coordinator", std::nullopt});
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  auto a = store::claim_slot(w.ctx, w.group.id, {slot.id, v.id});
  plan(w);
  // Nothing was asked yet: a YES is kept for the coordinator.
  CHECK(store::apply_reply(w.ctx, "sms", "+14155552671", "yes", "").handled_as == "other");
  auto q = w.db.query("SELECT id FROM outbox_message WHERE kind = 'confirmation_request'");
  REQUIRE(q.step());
  auto id = q.int64(0);
  REQUIRE(store::mark_sending(w.ctx, id, {"", "Can you make it?", "GSM-7", 1}));
  store::mark_sent(w.ctx, id, "file:1");
  auto yes = store::apply_reply(w.ctx, "sms", "+14155552671", "Sí", "SM1");
  CHECK(yes.handled_as == "confirm");
  CHECK(store::get_assignment(w.db, w.group.id, a.id).status == AssignmentStatus::confirmed);
  // The same provider message again is a replay: nothing changes.
  CHECK(store::apply_reply(w.ctx, "sms", "+14155552671", "NO", "SM1").handled_as == "duplicate");
  CHECK(store::get_assignment(w.db, w.group.id, a.id).status == AssignmentStatus::confirmed);
  w.clock.advance(std::chrono::seconds(5));
  CHECK(store::apply_reply(w.ctx, "sms", "+14155552671", "no", "SM2").handled_as == "decline");
  CHECK(store::get_assignment(w.db, w.group.id, a.id).status == AssignmentStatus::declined);
  CHECK(count(w, "pending", "coordinator_notice") == 1);
  // An unknown number changes nothing.
  CHECK(store::apply_reply(w.ctx, "sms", "+14155559999", "STOP", "").handled_as == "unknown_sender");
  auto inbound = store::list_inbound(w.db, w.group.id, 0, 100);
  CHECK(inbound.size() == 3);
}

TEST_CASE("delivery reports move a sent message to delivered or failed, by the provider's id") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  store::claim_slot(w.ctx, w.group.id, {slot.id, v.id});
  plan(w);
  auto q = w.db.query("SELECT id FROM outbox_message ORDER BY id LIMIT 1");
  REQUIRE(q.step());
  auto id = q.int64(0);
  REQUIRE(store::mark_sending(w.ctx, id, {"", "text", "GSM-7", 1}));
  store::mark_sent(w.ctx, id, "SMabc");
  CHECK_FALSE(store::record_delivery_report(w.ctx, "sms", "SMnope", "delivered", ""));
  CHECK(store::record_delivery_report(w.ctx, "sms", "SMabc", "delivered", ""));
  CHECK(count(w, "delivered") == 1);
  CHECK(store::record_delivery_report(w.ctx, "sms", "SMabc", "failed", "late"));
  CHECK(count(w, "delivered") == 1);  // a late failure report never undoes a delivery
}

TEST_CASE("a delivery report that overtakes send() finds the message by its outbox id and is kept") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto v = texter(w, "Rosa", "+14155552671");
  store::claim_slot(w.ctx, w.group.id, {slot.id, v.id});
  plan(w);
  auto q = w.db.query("SELECT id FROM outbox_message ORDER BY id LIMIT 1");
  REQUIRE(q.step());
  auto id = q.int64(0);
  REQUIRE(store::mark_sending(w.ctx, id, {"", "text", "GSM-7", 1}));
  CHECK_FALSE(store::record_delivery_report(w.ctx, "sms", "999", "delivered", ""));
  CHECK(store::record_delivery_report(w.ctx, "sms", std::to_string(id), "delivered", ""));
  store::mark_sent(w.ctx, id, std::to_string(id));
  CHECK(count(w, "delivered") == 1);
  auto r = w.db.query("SELECT provider_id, sent_at IS NOT NULL FROM outbox_message WHERE id = ?", id);
  REQUIRE(r.step());
  CHECK(r.text(0) == std::to_string(id));
  CHECK(r.boolean(1));
}

TEST_CASE("SMS segments: GSM-7 up to 160 then 153 each, UCS-2 up to 70 then 67, and á í ó ú force UCS-2") {
  using turnout::sms::count_segments;
  CHECK(count_segments(std::string(160, 'a')).count == 1);
  CHECK(count_segments(std::string(161, 'a')).count == 2);
  CHECK(count_segments(std::string(306, 'a')).count == 2);
  CHECK(count_segments(std::string(307, 'a')).count == 3);
  CHECK_FALSE(count_segments("Mañana, señor. ¿Él?").ucs2);  // ñ, ¿, É are GSM-7
  CHECK(count_segments("reunión").ucs2);
  std::string ucs2 = "á";
  for (int i = 0; i < 69; ++i) ucs2 += "a";
  CHECK(count_segments(ucs2).count == 1);
  CHECK(count_segments(ucs2 + "a").count == 2);
  CHECK(count_segments("€").units == 2);  // the extension table takes two septets
}

TEST_CASE("Twilio's request signature matches its documented example") {
  CHECK(turnout::sms::twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
                                       {{"CallSid", "CA1234567890ABCDE"},
                                        {"Caller", "+12349013030"},
                                        {"Digits", "1234"},
                                        {"From", "+12349013030"},
                                        {"To", "+18005551212"}}) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
  CHECK(turnout::sms::same_secret("abc", "abc"));
  CHECK_FALSE(turnout::sms::same_secret("abc", "abd"));
  CHECK_FALSE(turnout::sms::same_secret("abc", "abcd"));
  auto form = turnout::sms::parse_form("From=%2B14155552671&Body=S%C3%AD+gracias&x");
  REQUIRE(form.size() == 3);
  CHECK(form[0].second == "+14155552671");
  CHECK(form[1].second == "Sí gracias");
}

TEST_CASE("the test clock is read only when asked for, and never beyond loopback") {
  turnout::test::TempDir dir;
  ::unsetenv("TURNOUT_TEST_CLOCK_FILE");
  CHECK(delivery::test_clock_from_environment("127.0.0.1") == nullptr);
  ::setenv("TURNOUT_TEST_CLOCK_FILE", (dir / "clock").c_str(), 1);
  CHECK_THROWS(delivery::test_clock_from_environment("0.0.0.0"));
  CHECK_THROWS(delivery::test_clock_from_environment("192.0.2.10"));
  auto clock = delivery::test_clock_from_environment("127.0.0.1");
  REQUIRE(clock != nullptr);
  { std::ofstream(dir / "clock") << "1773000000\n"; }
  CHECK(clock->now().time_since_epoch().count() == 1773000000);
  ::unsetenv("TURNOUT_TEST_CLOCK_FILE");
}
