#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "store/assignments.hpp"
#include "store/journal.hpp"
#include "support.hpp"

using namespace turnout;
using namespace turnout::domain;
using turnout::test::World;

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("erasing a volunteer removes their contact data for good while the counts stay") {
  World w;
  auto past = w.add_meeting("2026-02-24T09:00:00-08:00", "2026-02-24T12:00:00-08:00", "Last month");
  auto past_slot = w.add_slot(past.id, 3);
  auto next_slot = w.add_slot(w.meeting.id, 3);
  VolunteerDraft d;
  d.name = "Esperanza Quintanilla-Ybarra";
  d.phone = "+12135550121";
  d.email = "esperanza.quintanilla@example.org";
  d.notes = "prefers evening calls";
  d.tags = std::vector<std::string>{"storyteller"};
  d.sms_opt_in = true;
  auto v = store::create_volunteer(w.ctx, w.group, d);
  auto keep = w.add_volunteer("Someone Else", "+12135550199");

  store::Claim c;
  c.slot_id = past_slot.id;
  c.volunteer_id = v.id;
  auto spoke = store::claim_slot(w.ctx, w.group.id, c);
  store::AssignmentPatch attended;
  attended.status = AssignmentStatus::attended;
  attended.outcome = Outcome::spoke;
  store::update_assignment(w.ctx, w.group.id, spoke.id, attended);
  c.slot_id = next_slot.id;
  auto upcoming = store::claim_slot(w.ctx, w.group.id, c);

  w.db.query("INSERT INTO outbox_message (group_id, idempotency_key, channel, volunteer_id, recipient, body, due_at, "
             "status, created_at, updated_at) VALUES (?, 'k1', 'sms', ?, '+12135550121', "
             "'Esperanza, your turn is at 9:00', 0, 'pending', 0, 0)",
             w.group.id, v.id)
      .run();
  w.db.query("INSERT INTO outbox_message (group_id, idempotency_key, channel, volunteer_id, recipient, body, due_at, "
             "status, created_at, updated_at) VALUES (?, 'k2', 'email', ?, 'esperanza.quintanilla@example.org', "
             "'Hola Esperanza', 0, 'sent', 0, 0)",
             w.group.id, v.id)
      .run();

  store::erase_volunteer(w.ctx, w.group.id, v.id);

  CHECK_THROWS_AS(store::get_volunteer(w.db, w.group.id, v.id), Error);
  CHECK(store::get_volunteer(w.db, w.group.id, keep.id).name == "Someone Else");

  // The past still counts: one person spoke, with no person behind it.
  auto past_assignment = store::get_assignment(w.db, w.group.id, spoke.id);
  CHECK_FALSE(past_assignment.volunteer_id);
  CHECK(past_assignment.outcome == Outcome::spoke);
  // The place ahead went back to the pool.
  CHECK(store::get_assignment(w.db, w.group.id, upcoming.id).status == AssignmentStatus::cancelled);
  CHECK(store::places_taken(w.db, next_slot.id) == 0);

  {
    auto q = w.db.query("SELECT status, recipient, body FROM outbox_message ORDER BY idempotency_key");
    REQUIRE(q.step());
    CHECK(q.text(0) == "cancelled");
    CHECK(q.text(1).empty());
    CHECK(q.text(2).empty());
    REQUIRE(q.step());
    CHECK(q.text(0) == "sent");
    CHECK(q.text(1).empty());
  }
  CHECK(store::events_after(w.db, 0).back().type == "volunteer.erased");

  // Not a byte of it is left in the database file or its WAL.
  std::string bytes = file_bytes(w.db_path) + file_bytes(w.db_path.string() + "-wal");
  for (const char* secret : {"Quintanilla", "5550121", "esperanza.quintanilla", "evening calls", "your turn"}) {
    INFO(secret);
    CHECK(bytes.find(secret) == std::string::npos);
  }
}

TEST_CASE("erasing a volunteer of another group is not found and erases nothing") {
  World w;
  auto v = w.add_volunteer("Ana", "+12135550101");
  auto other = store::create_group(w.ctx, {"Other", "other", "America/Chicago", "en", "US"});
  CHECK_THROWS_AS(store::erase_volunteer(w.ctx, other.id, v.id), Error);
  CHECK(store::get_volunteer(w.db, w.group.id, v.id).phone == "+12135550101");
}
