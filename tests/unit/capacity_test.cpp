// Capacity and overlap under real concurrency: several threads, each with
// its own connection to the same database file, as the daemon's will be.
#include <catch2/catch.hpp>

#include <thread>

#include "store/assignments.hpp"
#include "support.hpp"

using namespace turnout;
using namespace turnout::domain;
using turnout::test::World;

TEST_CASE("many threads claiming places on one slot never exceed its capacity") {
  World w;
  constexpr int kThreads = 8, kPerThread = 25, kCapacity = 37;
  auto slot = w.add_slot(w.meeting.id, kCapacity);
  std::vector<Id> volunteers;
  for (int i = 0; i < kThreads * kPerThread; ++i) volunteers.push_back(w.add_volunteer("V" + std::to_string(i)).id);

  std::atomic<int> ok{0}, full{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      store::Database db(w.db_path);
      store::Context ctx{db, w.clock, Actor::system("test")};
      for (int i = 0; i < kPerThread; ++i) {
        store::Claim c;
        c.slot_id = slot.id;
        c.volunteer_id = volunteers[static_cast<std::size_t>(t * kPerThread + i)];
        try {
          store::claim_slot(ctx, w.group.id, c);
          ++ok;
        } catch (const Error& e) {
          (e.code() == ErrorCode::full ? full : other)++;
        } catch (...) {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == kCapacity);
  CHECK(full == kThreads * kPerThread - kCapacity);
  CHECK(other == 0);
  CHECK(store::places_taken(w.db, slot.id) == kCapacity);
}

TEST_CASE("one volunteer claiming two overlapping slots from two threads at once gets one") {
  World w;
  auto other_meeting = w.add_meeting("2026-03-10T10:00:00-07:00", "2026-03-10T11:00:00-07:00", "Commission");
  for (int round = 0; round < 20; ++round) {
    auto v = w.add_volunteer("Ana " + std::to_string(round));
    auto s1 = w.add_slot(w.meeting.id, 5), s2 = w.add_slot(other_meeting.id, 5);
    std::atomic<int> ok{0}, conflict{0};
    auto run = [&](Id slot_id) {
      store::Database db(w.db_path);
      store::Context ctx{db, w.clock, Actor::system("test")};
      store::Claim c;
      c.slot_id = slot_id;
      c.volunteer_id = v.id;
      try {
        store::claim_slot(ctx, w.group.id, c);
        ++ok;
      } catch (const Error& e) {
        if (e.code() == ErrorCode::conflict) ++conflict;
      }
    };
    std::thread a(run, s1.id), b(run, s2.id);
    a.join();
    b.join();
    CHECK(ok == 1);
    CHECK(conflict == 1);
  }
}
