#include <catch2/catch.hpp>

#include "store/assignments.hpp"
#include "store/journal.hpp"
#include "store/plugin_state.hpp"
#include "security/secrets.hpp"
#include "support.hpp"

using namespace turnout;
using namespace turnout::domain;
using turnout::test::World;

namespace {

ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no error was thrown");
  return ErrorCode::invalid;
}

store::Claim claim(Id slot, Id volunteer, bool force = false) {
  store::Claim c;
  c.slot_id = slot;
  c.volunteer_id = volunteer;
  c.force = force;
  return c;
}

std::vector<std::string> event_types(store::Database& db) {
  std::vector<std::string> out;
  for (const auto& e : store::events_after(db, 0)) out.push_back(e.type);
  return out;
}

}  // namespace

TEST_CASE("a meeting is stored with its body's zone and read back whole") {
  World w;
  auto m = store::get_meeting(w.db, w.group.id, w.meeting.id);
  CHECK(m.timezone == "America/Los_Angeles");
  CHECK(format_rfc3339(m.starts_at, m.timezone) == "2026-03-10T09:00:00-07:00");
  CHECK(m.status == MeetingStatus::confirmed);
  CHECK(m.sequence == 0);
}

TEST_CASE("a meeting that ends before it starts is refused and nothing is written") {
  World w;
  MeetingDraft d;
  d.body_id = w.body.id;
  d.title = "Backwards";
  d.starts_at = "2026-03-10T09:00:00-07:00";
  d.ends_at = "2026-03-10T08:00:00-07:00";
  try {
    store::create_meeting(w.ctx, w.group.id, d);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.field() == "ends_at");
  }
  CHECK(store::list_meetings(w.db, w.group.id, {}).size() == 1);
}

TEST_CASE("moving a meeting bumps its sequence and emits meeting.rescheduled") {
  World w;
  MeetingDraft d;
  d.starts_at = "2026-03-10T10:00:00-07:00";
  d.ends_at = "2026-03-10T14:00:00-07:00";
  auto m = store::update_meeting(w.ctx, w.group.id, w.meeting.id, d);
  CHECK(m.sequence == 1);
  auto events = store::events_after(w.db, 0);
  REQUIRE(events.back().type == "meeting.rescheduled");
  CHECK(events.back().payload["previous_starts_at"] == "2026-03-10T16:00:00Z");
  CHECK(events.back().payload["starts_at"] == "2026-03-10T17:00:00Z");
}

TEST_CASE("cancelling a meeting bumps its sequence and emits meeting.cancelled") {
  World w;
  MeetingDraft d;
  d.status = "cancelled";
  auto m = store::update_meeting(w.ctx, w.group.id, w.meeting.id, d);
  CHECK(m.status == MeetingStatus::cancelled);
  CHECK(m.sequence == 1);
  CHECK(event_types(w.db).back() == "meeting.cancelled");
}

TEST_CASE("an update that changes nothing leaves sequence and events alone") {
  World w;
  auto before = event_types(w.db).size();
  MeetingDraft d;
  d.title = "Regular meeting";
  auto m = store::update_meeting(w.ctx, w.group.id, w.meeting.id, d);
  CHECK(m.sequence == 0);
  CHECK(event_types(w.db).size() == before);
}

TEST_CASE("a change only to the agenda link is an update without a new sequence") {
  World w;
  MeetingDraft d;
  d.agenda_url = "https://example.org/agenda.pdf";
  auto m = store::update_meeting(w.ctx, w.group.id, w.meeting.id, d);
  CHECK(m.sequence == 0);
  CHECK(event_types(w.db).back() == "meeting.updated");
}

TEST_CASE("a full slot refuses the next claim with full") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 2);
  auto a = w.add_volunteer("Ana"), b = w.add_volunteer("Beto"), c = w.add_volunteer("Carla");
  store::claim_slot(w.ctx, w.group.id, claim(slot.id, a.id));
  store::claim_slot(w.ctx, w.group.id, claim(slot.id, b.id));
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, claim(slot.id, c.id)); }) == ErrorCode::full);
  CHECK(store::places_taken(w.db, slot.id) == 2);
}

TEST_CASE("a declined place frees the slot, and taking it back needs a free place") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 1);
  auto a = w.add_volunteer("Ana"), b = w.add_volunteer("Beto");
  auto first = store::claim_slot(w.ctx, w.group.id, claim(slot.id, a.id));
  store::AssignmentPatch decline;
  decline.status = AssignmentStatus::declined;
  store::update_assignment(w.ctx, w.group.id, first.id, decline);
  store::claim_slot(w.ctx, w.group.id, claim(slot.id, b.id));
  store::AssignmentPatch back;
  back.status = AssignmentStatus::confirmed;
  CHECK(code_of([&] { store::update_assignment(w.ctx, w.group.id, first.id, back); }) == ErrorCode::full);
}

TEST_CASE("the database itself refuses a place beyond capacity, whatever writes it") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 1);
  auto a = w.add_volunteer("Ana"), b = w.add_volunteer("Beto");
  store::claim_slot(w.ctx, w.group.id, claim(slot.id, a.id));
  auto raw = [&] {
    w.db.query("INSERT INTO assignment (slot_id, volunteer_id, status, created_at, updated_at) VALUES (?, ?, "
               "'confirmed', 0, 0)",
               slot.id, b.id)
        .run();
  };
  CHECK_THROWS_AS(raw(), store::DatabaseError);
  CHECK(store::places_taken(w.db, slot.id) == 1);
}

TEST_CASE("the same volunteer cannot hold the same slot twice") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 5);
  auto a = w.add_volunteer("Ana");
  store::claim_slot(w.ctx, w.group.id, claim(slot.id, a.id));
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, claim(slot.id, a.id, true)); }) == ErrorCode::conflict);
}

TEST_CASE("overlapping slots are refused unless forced, and forcing is audited") {
  World w;
  auto other = w.add_meeting("2026-03-10T12:00:00-07:00", "2026-03-10T15:00:00-07:00", "Commission");
  auto s1 = w.add_slot(w.meeting.id, 3), s2 = w.add_slot(other.id, 3);
  auto a = w.add_volunteer("Ana");
  store::claim_slot(w.ctx, w.group.id, claim(s1.id, a.id));
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, claim(s2.id, a.id)); }) == ErrorCode::conflict);
  auto forced = store::claim_slot(w.ctx, w.group.id, claim(s2.id, a.id, true));
  CHECK(forced.forced);
  auto audit = store::audit_entries(w.db, w.group.id);
  CHECK(audit.back().action == "assignment.created_forced");
  CHECK(audit.back().detail["forced_overlap"] == true);
}

TEST_CASE("meetings back to back do not clash, and a cancelled meeting does not block") {
  World w;
  auto next = w.add_meeting("2026-03-10T13:00:00-07:00", "2026-03-10T15:00:00-07:00", "Afternoon");
  auto s1 = w.add_slot(w.meeting.id, 1), s2 = w.add_slot(next.id, 1);
  auto a = w.add_volunteer("Ana");
  store::claim_slot(w.ctx, w.group.id, claim(s1.id, a.id));
  CHECK_NOTHROW(store::claim_slot(w.ctx, w.group.id, claim(s2.id, a.id)));

  auto third = w.add_meeting("2026-03-10T09:30:00-07:00", "2026-03-10T10:30:00-07:00", "Overlapping");
  auto s3 = w.add_slot(third.id, 1);
  MeetingDraft cancel;
  cancel.status = "cancelled";
  store::update_meeting(w.ctx, w.group.id, w.meeting.id, cancel);
  CHECK_NOTHROW(store::claim_slot(w.ctx, w.group.id, claim(s3.id, a.id)));
}

TEST_CASE("a cancelled meeting takes no new assignments") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 3);
  auto a = w.add_volunteer("Ana");
  MeetingDraft cancel;
  cancel.status = "cancelled";
  store::update_meeting(w.ctx, w.group.id, w.meeting.id, cancel);
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, claim(slot.id, a.id)); }) == ErrorCode::conflict);
}

TEST_CASE("public sign-up is refused outside the body's window, a coordinator can still assign") {
  World w;  // window: from 7 days before to 30 minutes before 2026-03-10T16:00Z
  auto slot = w.add_slot(w.meeting.id, 3);
  auto a = w.add_volunteer("Ana"), b = w.add_volunteer("Beto");
  store::Claim pub = claim(slot.id, a.id);
  pub.public_signup = true;

  w.clock.set(parse_rfc3339("2026-03-02T00:00:00Z", "t"));
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, pub); }) == ErrorCode::closed);
  w.clock.set(parse_rfc3339("2026-03-10T15:45:00Z", "t"));
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, pub); }) == ErrorCode::closed);
  w.clock.set(parse_rfc3339("2026-03-09T12:00:00Z", "t"));
  CHECK_NOTHROW(store::claim_slot(w.ctx, w.group.id, pub));

  w.clock.set(parse_rfc3339("2026-03-10T15:45:00Z", "t"));
  CHECK_NOTHROW(store::claim_slot(w.ctx, w.group.id, claim(slot.id, b.id)));
}

TEST_CASE("a public sign-up can never force an overlap") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 3);
  auto a = w.add_volunteer("Ana");
  store::Claim pub = claim(slot.id, a.id, true);
  pub.public_signup = true;
  CHECK(code_of([&] { store::claim_slot(w.ctx, w.group.id, pub); }) == ErrorCode::forbidden);
}

TEST_CASE("a remote slot needs a body that takes remote testimony") {
  World w;
  BodyDraft b;
  b.name = "City Council";
  b.kind = "city_council";
  auto council = store::create_body(w.ctx, w.group, b);
  MeetingDraft d;
  d.body_id = council.id;
  d.title = "Council";
  d.starts_at = "2026-03-11T18:00:00-07:00";
  auto m = store::create_meeting(w.ctx, w.group.id, d);
  SlotDraft s;
  s.role = "speaker";
  s.mode = "remote";
  try {
    store::create_slot(w.ctx, w.group.id, m.id, s);
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.field() == "mode");
  }
  CHECK(store::get_meeting(w.db, w.group.id, m.id).ends_at - store::get_meeting(w.db, w.group.id, m.id).starts_at ==
        std::chrono::hours(3));
}

TEST_CASE("a speaker slot takes the body's minutes per speaker by default") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 3, "speaker");
  CHECK(slot.minutes == 2);
  CHECK(w.add_slot(w.meeting.id, 3, "turnout").minutes == 0);
}

TEST_CASE("nothing of one group can be read or changed through another") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 3);
  auto ana = w.add_volunteer("Ana", "+12135550101");
  auto assignment = store::claim_slot(w.ctx, w.group.id, claim(slot.id, ana.id));
  auto other = store::create_group(w.ctx, {"Other Coalition", "other", "America/Chicago", "en", "US"});
  auto theirs = [&](const std::function<void()>& fn) { CHECK(code_of(fn) == ErrorCode::not_found); };
  theirs([&] { store::get_volunteer(w.db, other.id, ana.id); });
  theirs([&] { store::get_body(w.db, other.id, w.body.id); });
  theirs([&] { store::get_meeting(w.db, other.id, w.meeting.id); });
  theirs([&] { store::get_slot(w.db, other.id, slot.id); });
  theirs([&] { store::get_assignment(w.db, other.id, assignment.id); });
  theirs([&] { store::list_slots(w.db, other.id, w.meeting.id); });
  theirs([&] { store::list_agenda_items(w.db, other.id, w.meeting.id); });
  theirs([&] { store::list_assignments_for_slot(w.db, other.id, slot.id); });
  theirs([&] { store::update_meeting(w.ctx, other.id, w.meeting.id, MeetingDraft{.title = std::string("x")}); });
  theirs([&] { store::create_slot(w.ctx, other.id, w.meeting.id, SlotDraft{.role = std::string("speaker")}); });
  theirs([&] { store::claim_slot(w.ctx, other.id, claim(slot.id, ana.id)); });
  theirs([&] { store::erase_volunteer(w.ctx, other.id, ana.id); });
  theirs([&] { store::rotate_feed_token(w.ctx, other.id, ana.id); });
  // Their own volunteer cannot be placed on our slot either.
  domain::VolunteerDraft vd;
  vd.name = "Theirs";
  auto stranger = store::create_volunteer(w.ctx, other, vd);
  theirs([&] { store::claim_slot(w.ctx, w.group.id, claim(slot.id, stranger.id)); });
  CHECK(store::list_volunteers(w.db, other.id, {}).size() == 1);
  CHECK(store::list_meetings(w.db, other.id, {}).empty());
}

TEST_CASE("two volunteers of a group cannot share a phone number; other groups may") {
  World w;
  w.add_volunteer("Ana", "+12135550101");
  try {
    w.add_volunteer("Ana again", "(213) 555-0101");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::conflict);
    CHECK(e.field() == "phone");
  }
  auto other = store::create_group(w.ctx, {"Other", "other", "America/Chicago", "en", "US"});
  VolunteerDraft d;
  d.name = "Ana elsewhere";
  d.phone = "+12135550101";
  CHECK_NOTHROW(store::create_volunteer(w.ctx, other, d));
}

TEST_CASE("SMS opt-in needs a phone number, email opt-in an address") {
  World w;
  VolunteerDraft d;
  d.name = "No phone";
  d.sms_opt_in = true;
  CHECK_THROWS_AS(store::create_volunteer(w.ctx, w.group, d), Error);
}

TEST_CASE("the audit log and events never hold contact data") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 3);
  VolunteerDraft d;
  d.name = "Rosa Martínez";
  d.phone = "+12135550106";
  d.email = "rosa.m@example.org";
  d.sms_opt_in = true;
  auto v = store::create_volunteer(w.ctx, w.group, d);
  store::update_volunteer(w.ctx, w.group, v.id, VolunteerDraft{.email = std::string("rosa.new@example.org")});
  store::claim_slot(w.ctx, w.group.id, claim(slot.id, v.id));
  store::rotate_feed_token(w.ctx, w.group.id, v.id);
  store::erase_volunteer(w.ctx, w.group.id, v.id);
  std::string all;
  {
    auto q = w.db.query("SELECT action || entity_kind || detail || actor_name FROM audit_entry");
    while (q.step()) all += q.text(0);
  }
  {
    auto q = w.db.query("SELECT type || payload FROM domain_event");
    while (q.step()) all += q.text(0);
  }
  for (const char* secret : {"Rosa", "5550106", "rosa.m@", "rosa.new@", "example.org"}) {
    INFO(secret);
    CHECK(all.find(secret) == std::string::npos);
  }
}

TEST_CASE("API tokens are stored only as a hash") {
  World w;
  auto account = store::create_account(w.ctx, {w.group.id, "coord@example.org", "Coord", "coordinator", std::nullopt});
  std::string token = store::create_api_token(w.ctx, account.id, "script");
  CHECK(token.starts_with("tk_"));
  CHECK(token.size() >= 3 + 43);  // 256 bits in URL-safe base64
  auto q = w.db.query("SELECT token_hash FROM api_token");
  REQUIRE(q.step());
  CHECK(q.blob(0).size() == 32);
  CHECK(q.blob(0).find(token) == std::string::npos);
  CHECK(store::create_api_token(w.ctx, account.id) != token);
}

TEST_CASE("a rotated feed token replaces the old one at once") {
  World w;
  auto v = w.add_volunteer("Ana");
  auto first = store::rotate_feed_token(w.ctx, w.group.id, v.id);
  CHECK(store::find_volunteer_by_feed_token(w.db, first)->id == v.id);
  auto second = store::rotate_feed_token(w.ctx, w.group.id, v.id);
  CHECK_FALSE(store::find_volunteer_by_feed_token(w.db, first));
  CHECK(store::find_volunteer_by_feed_token(w.db, second)->id == v.id);
}

TEST_CASE("accounts: admins belong to no group, everyone else to one; passwords are argon2id") {
  World w;
  CHECK_THROWS_AS(store::create_account(w.ctx, {std::nullopt, "c@example.org", "", "coordinator", std::nullopt}), Error);
  CHECK_THROWS_AS(store::create_account(w.ctx, {w.group.id, "a@example.org", "", "admin", std::nullopt}), Error);
  CHECK_THROWS_AS(store::create_account(w.ctx, {w.group.id, "c@example.org", "", "boss", std::nullopt}), Error);
  CHECK_THROWS_AS(store::create_account(w.ctx, {w.group.id, "c@example.org", "", "viewer", std::string("short")}), Error);
  store::create_account(w.ctx, {w.group.id, "c@example.org", "", "coordinator", std::string("a long passphrase")});
  auto q = w.db.query("SELECT password_hash FROM account");
  REQUIRE(q.step());
  CHECK(q.text(0).starts_with("$argon2id$"));
  CHECK(security::verify_password(q.text(0), "a long passphrase"));
  CHECK_FALSE(security::verify_password(q.text(0), "a long passphrasE"));
}

TEST_CASE("unsubscribing from a channel clears the opt-in and suppresses only that channel's pending messages") {
  test::World w;
  domain::VolunteerDraft d;
  d.name = "Ana";
  d.email = "ana@example.net";
  d.phone = "+15305550123";
  d.email_opt_in = true;
  d.sms_opt_in = true;
  auto ana = store::create_volunteer(w.ctx, w.group, d);
  auto queue = [&](const std::string& key, const std::string& channel) {
    store::enqueue_message(w.ctx, {w.group.id, key, channel, "test", ana.id, std::nullopt, "x", "", "body", w.clock.now()});
  };
  queue("a", "email");
  queue("b", "email");
  queue("c", "sms");
  w.db.query("UPDATE outbox_message SET status = 'sent' WHERE idempotency_key = 'b'").run();
  store::unsubscribe(w.ctx, w.group.id, ana.id, "email");
  auto status = [&](const std::string& key) {
    auto q = w.db.query("SELECT status FROM outbox_message WHERE idempotency_key = ?", key);
    q.step();
    return q.text(0);
  };
  CHECK(status("a") == "suppressed");
  CHECK(status("b") == "sent");
  CHECK(status("c") == "pending");
  auto after = store::get_volunteer(w.db, w.group.id, ana.id);
  CHECK_FALSE(after.email_opt_in);
  CHECK(after.sms_opt_in);
  auto audits = [&] {
    auto q = w.db.query("SELECT count(*) FROM audit_entry WHERE action = 'volunteer.unsubscribed'");
    q.step();
    return q.integer(0);
  };
  CHECK(audits() == 1);
  store::unsubscribe(w.ctx, w.group.id, ana.id, "email");  // again: nothing new to record
  CHECK(audits() == 1);
  CHECK_THROWS_AS(store::unsubscribe(w.ctx, w.group.id, ana.id, "pigeon"), Error);
  CHECK_THROWS_AS(store::unsubscribe(w.ctx, w.group.id, 999, "email"), Error);
}
