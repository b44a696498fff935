// Shared by the unit tests: a real database file in a fresh folder, a
// clock the test moves, and a small group with one meeting to work on.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "domain/time.hpp"
#include "store/context.hpp"
#include "store/database.hpp"
#include "store/groups.hpp"
#include "store/meetings.hpp"
#include "store/migrations.hpp"
#include "store/volunteers.hpp"

namespace turnout::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("turnout-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// 2026-03-02T17:00:00Z: a Monday, the week before US clocks spring forward.
inline domain::Time test_epoch() { return domain::parse_rfc3339("2026-03-02T17:00:00Z", "now"); }

struct World {
  TempDir dir;
  std::filesystem::path db_path = dir / "turnout.db";
  store::Database db{db_path};
  domain::ManualClock clock{test_epoch()};
  store::Context ctx{db, clock, domain::Actor::account(1)};
  domain::Group group;
  domain::Body body;
  domain::Meeting meeting;

  World() {
    store::migrate(db);
    group = store::create_group(ctx, {"Valle Verde Coalition", "valle", "America/Los_Angeles", "en", "US"});
    domain::BodyDraft b;
    b.name = "County Board of Supervisors";
    b.kind = "county_board";
    b.signup_closes_minutes_before = 30;
    b.signup_opens_minutes_before = std::optional<int>(7 * 24 * 60);
    b.remote_allowed = true;
    body = store::create_body(ctx, group, b);
    meeting = add_meeting("2026-03-10T09:00:00-07:00", "2026-03-10T13:00:00-07:00");
  }

  domain::Meeting add_meeting(const std::string& starts, const std::string& ends, const std::string& title = "Regular meeting") {
    domain::MeetingDraft d;
    d.body_id = body.id;
    d.title = title;
    d.starts_at = starts;
    d.ends_at = ends;
    d.location = "1 Civic Plaza";
    return store::create_meeting(ctx, group.id, d);
  }

  domain::Slot add_slot(domain::Id meeting_id, int capacity, const std::string& role = "speaker") {
    domain::SlotDraft d;
    d.role = role;
    d.capacity = capacity;
    return store::create_slot(ctx, group.id, meeting_id, d);
  }

  domain::Volunteer add_volunteer(const std::string& name, const std::string& phone = "") {
    domain::VolunteerDraft d;
    d.name = name;
    if (!phone.empty()) d.phone = phone;
    return store::create_volunteer(ctx, group, d);
  }
};

}  // namespace turnout::test
