// turnout-bench-plan: planning every reminder of the network data set
// (SPEC §6: under 2 s), beside its peer from the same run: a bare SELECT
// stepping through the same rows (meetings, bodies, slots, assignments and
// volunteers joined) that the planner reads.
//
// Works on a copy of the data set, since planning writes the outbox. The
// clock is set a day before the first meeting, with no horizon, so every
// reminder, confirmation request, deadline message and interpreter notice
// of all 120 days is planned. Then it plans again: nothing changed, so the
// second pass must queue nothing (the idempotency keys hold).

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "common.hpp"
#include "domain/time.hpp"
#include "store/context.hpp"
#include "store/database.hpp"
#include "store/delivery.hpp"

namespace {

namespace fs = std::filesystem;
namespace store = turnout::store;
namespace domain = turnout::domain;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  fs::path source, work;
  std::int64_t now = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--db")
      source = argv[i + 1];
    else if (arg == "--work")
      work = argv[i + 1];
    else if (arg == "--now")
      now = turnout::bench::parse_number<std::int64_t>("turnout-bench-plan", argv[i + 1], "--now");
  }
  if (source.empty() || work.empty() || now <= 0) {
    fmt::print(stderr, "usage: turnout-bench-plan --db NETWORK.db --work COPY.db --now UNIX_SECONDS\n");
    return 2;
  }
  try {
    fs::remove(work);
    {
      store::Database db(source);
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    fs::copy_file(source, work, fs::copy_options::overwrite_existing);
    store::Database db(work);
    domain::ManualClock clock{domain::Time{std::chrono::seconds{now}}};
    store::Context ctx{db, clock, domain::Actor::system("bench")};
    store::PlanScope scope;
    scope.until = clock.now() + std::chrono::hours(24 * 400);

    // Peer: the same rows, read and stepped through, nothing derived.
    auto t0 = Clock::now();
    std::int64_t rows = 0, checksum = 0;
    db.read([&] {
      auto q = db.query(
          "SELECT a.id, a.status, a.created_at, a.needs_interpreter, v.id, v.phone, v.email, v.sms_opt_in, "
          "v.email_opt_in, v.opted_out_at IS NOT NULL, v.language, v.timezone, m.id, m.group_id, m.starts_at, "
          "m.ends_at, m.timezone, s.role, s.mode, b.signup_opens_minutes_before, b.signup_closes_minutes_before, "
          "b.interpretation_lead_hours, b.written_deadline_minutes_before "
          "FROM meeting m JOIN body b ON b.id = m.body_id JOIN slot s ON s.meeting_id = m.id "
          "JOIN assignment a ON a.slot_id = s.id JOIN volunteer v ON v.id = a.volunteer_id "
          "WHERE m.status IN ('confirmed', 'tentative') AND m.starts_at > ?1 AND m.starts_at <= ?2 "
          "AND a.status IN ('invited', 'confirmed') ORDER BY m.id, a.id",
          now, store::to_seconds(scope.until));
      while (q.step()) {
        ++rows;
        checksum += q.int64(0) + static_cast<std::int64_t>(q.text(10).size() + q.text(16).size());
      }
    });
    double peer = seconds_since(t0);

    t0 = Clock::now();
    auto wanted = store::count_wanted_messages(db, scope, clock.now());
    double derive = seconds_since(t0);

    t0 = Clock::now();
    auto first = store::plan_messages(ctx, scope);
    double plan = seconds_since(t0);

    t0 = Clock::now();
    auto second = store::plan_messages(ctx, scope);
    double again = seconds_since(t0);

    fmt::print("plan.rows {}\n", rows);
    fmt::print("plan.messages {}\n", first.wanted);
    fmt::print("plan.queued {}\n", first.queued);
    fmt::print("plan.seconds {:.3f}\n", plan);
    fmt::print("plan.derive_seconds {:.3f}\n", derive);
    fmt::print("plan.again_seconds {:.3f}\n", again);
    fmt::print("plan.again_queued {}\n", second.queued + second.cancelled);
    fmt::print("peer.select_seconds {:.3f}\n", peer);
    fmt::print(stderr, "(checksum {}, derived {})\n", checksum, wanted);
    fs::remove(work);
    fs::remove(fs::path(work.string() + "-wal"));
    fs::remove(fs::path(work.string() + "-shm"));
    return second.queued + second.cancelled == 0 && first.queued == first.wanted ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "turnout-bench-plan: {}\n", e.what());
    return 1;
  }
}
