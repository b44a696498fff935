#include <catch2/catch.hpp>

#include "cli/demo.hpp"
#include "store/assignments.hpp"
#include "support.hpp"

using namespace turnout;
using turnout::test::TempDir;

TEST_CASE("the demo campaign has every kind of thing a coordinator works with, in every state") {
  TempDir dir;
  store::Database db(dir / "t.db");
  store::migrate(db);
  domain::ManualClock clock(turnout::test::test_epoch());
  auto result = cli::load_demo(db, clock);
  CHECK(result.created);
  auto count = [&](const std::string& sql) {
    auto q = db.query(sql);
    q.step();
    return q.int64(0);
  };
  CHECK(count("SELECT count(*) FROM body") == 3);
  CHECK(count("SELECT count(DISTINCT kind) FROM body") == 3);
  CHECK(count("SELECT count(*) FROM meeting WHERE starts_at > " + std::to_string(clock.now().time_since_epoch().count())) >= 6);
  CHECK(count("SELECT count(*) FROM agenda_item") >= 6);
  CHECK(count("SELECT count(*) FROM volunteer") >= 25);
  CHECK(count("SELECT count(*) FROM volunteer WHERE language = 'es'") >= 10);
  CHECK(count("SELECT count(DISTINCT role) FROM slot") >= 4);
  CHECK(count("SELECT count(DISTINCT status) FROM assignment") == 6);
  CHECK(count("SELECT count(*) FROM assignment WHERE needs_interpreter <> ''") > 0);
  CHECK(count("SELECT count(DISTINCT outcome) FROM assignment WHERE outcome IS NOT NULL") >= 2);
  CHECK(count("SELECT count(*) FROM meeting WHERE status = 'cancelled' AND sequence > 0") == 1);
  CHECK(count("SELECT count(*) FROM account WHERE role = 'coordinator'") == 1);
  // Nothing over capacity, and nobody on two overlapping meetings.
  CHECK(count("SELECT count(*) FROM slot s WHERE (SELECT count(*) FROM assignment a WHERE a.slot_id = s.id AND "
              "a.status IN ('invited','confirmed','attended','no_show')) > s.capacity") == 0);
  CHECK(count("SELECT count(*) FROM assignment WHERE forced = 1") == 0);
}

TEST_CASE("loading the demo twice changes nothing") {
  TempDir dir;
  store::Database db(dir / "t.db");
  store::migrate(db);
  domain::ManualClock clock(turnout::test::test_epoch());
  cli::load_demo(db, clock);
  auto rows = [&] {
    auto q = db.query("SELECT (SELECT count(*) FROM volunteer) + (SELECT count(*) FROM meeting) + "
                      "(SELECT count(*) FROM assignment) + (SELECT count(*) FROM audit_entry)");
    q.step();
    return q.int64(0);
  };
  auto before = rows();
  clock.advance(std::chrono::hours(24 * 30));
  CHECK_FALSE(cli::load_demo(db, clock).created);
  CHECK(rows() == before);
}
