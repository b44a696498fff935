// The views the plugin Host hands out: right data, right order, one group.
#include <catch2/catch.hpp>

#include "plugins/queries.hpp"
#include "store/assignments.hpp"
#include "support.hpp"

using namespace turnout;
namespace q = turnout::plugins::queries;

namespace {
std::int64_t unix(domain::Time t) { return t.time_since_epoch().count(); }
}  // namespace

TEST_CASE("a volunteer's assignments come with their meeting, slot, item and deadlines, in meeting order") {
  test::World w;
  auto later = w.add_meeting("2026-03-24T18:00:00-07:00", "2026-03-24T21:00:00-07:00", "Budget hearing");
  domain::AgendaItemDraft item;
  item.number = "PH-2";
  item.title = "Sheriff, ICE & \"cooperation\"";
  item.stance = "oppose";
  auto ph2 = store::create_agenda_item(w.ctx, w.group.id, w.meeting.id, item);
  domain::SlotDraft sd;
  sd.role = "speaker";
  sd.capacity = 3;
  sd.minutes = 2;
  sd.order = 4;
  sd.agenda_item_id = ph2.id;
  auto speak = store::create_slot(w.ctx, w.group.id, w.meeting.id, sd);
  auto turnout_slot = w.add_slot(later.id, 10, "turnout");
  auto ana = w.add_volunteer("Ana");
  auto other = w.add_volunteer("Ben");
  // Claimed out of meeting order, to see the sort.
  store::claim_slot(w.ctx, w.group.id, {turnout_slot.id, ana.id});
  store::claim_slot(w.ctx, w.group.id, {speak.id, ana.id});
  store::claim_slot(w.ctx, w.group.id, {speak.id, other.id});

  auto all = q::volunteer_assignments(w.db, w.group.id, ana.id, 0, 4'000'000'000);
  REQUIRE(all.size() == 2);
  CHECK(all[0].meeting.id == w.meeting.id);
  CHECK(all[0].meeting.body_name == "County Board of Supervisors");
  CHECK(all[0].meeting.starts_at_local == "2026-03-10T09:00:00-07:00");
  CHECK(all[0].slot.taken == 2);
  CHECK(all[0].slot.capacity == 3);
  CHECK(all[0].slot.minutes == 2);
  REQUIRE(all[0].agenda_item);
  CHECK(all[0].agenda_item->title == "Sheriff, ICE & \"cooperation\"");
  CHECK(all[0].agenda_item->stance == "oppose");
  CHECK(all[0].status == "invited");
  // Sign-up closes 30 minutes before, as the body's rules say.
  auto closes = std::find_if(all[0].meeting.deadlines.begin(), all[0].meeting.deadlines.end(),
                             [](const auto& d) { return d.kind == "signup_closes"; });
  REQUIRE(closes != all[0].meeting.deadlines.end());
  CHECK(closes->at == unix(w.meeting.starts_at) - 30 * 60);
  CHECK(all[1].meeting.title == "Budget hearing");
  CHECK_FALSE(all[1].agenda_item);

  // The window keeps meetings that end after `from` and start before `to`.
  auto first_only = q::volunteer_assignments(w.db, w.group.id, ana.id, 0, unix(later.starts_at));
  REQUIRE(first_only.size() == 1);
  CHECK(first_only[0].meeting.id == w.meeting.id);

  auto everyone = q::meeting_assignments(w.db, w.group.id, w.meeting.id);
  REQUIRE(everyone.size() == 2);
  CHECK(everyone[0].volunteer_id == ana.id);
  CHECK(everyone[1].volunteer_id == other.id);
}

TEST_CASE("another group's ids find nothing through the views") {
  test::World w;
  auto ana = w.add_volunteer("Ana", "+15305550123");
  auto other = store::create_group(w.ctx, {"Other", "other", "America/New_York", "es", "US"});
  CHECK_THROWS_AS(q::volunteer_assignments(w.db, other.id, ana.id, 0, 4'000'000'000), Error);
  CHECK_THROWS_AS(q::meeting(w.db, other.id, w.meeting.id), Error);
  CHECK_THROWS_AS(q::slots(w.db, other.id, w.meeting.id), Error);
  CHECK(q::meetings(w.db, other.id, 0, 4'000'000'000).empty());

  auto view = q::volunteer_view(store::get_volunteer(w.db, w.group.id, ana.id), w.group);
  CHECK(view.phone == "+15305550123");
  CHECK(view.timezone == "America/Los_Angeles");  // the group's, as she gave none
  CHECK_FALSE(view.opted_out);
}
