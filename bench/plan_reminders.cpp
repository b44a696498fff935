// turnout-bench-plan: planning every reminder of the network data set
// (SPEC §6: under 2 s), beside its peer from the same run: a bare SELECT
// stepping through the same rows (the planner's own statement: meetings,
// bodies, slots, assignments and volunteers joined over its window).
//
// Works on a copy of the data set, since planning writes the outbox. The
// figure is one full planning pass at --now, as turnoutd runs it at start
// and every 15 minutes (delivery::full_plan_scope with the daemon's default
// options): every message due within the horizon (a week) is written,
// confirmation requests for places up to 62 days out among them. Then it
// plans again: nothing changed, so the second pass must queue nothing (the
// idempotency keys hold). Then a day later, as the periodic pass would:
// only the messages that came within the horizon are queued.
//
// Wall time and the process's CPU time are both printed: the machine may be
// shared, and CPU time is the steadier figure.

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>

#include "common.hpp"
#include "delivery/delivery.hpp"
#include "domain/time.hpp"
#include "store/context.hpp"
#include "store/database.hpp"
#include "store/delivery.hpp"

namespace {

namespace fs = std::filesystem;
namespace store = turnout::store;
namespace domain = turnout::domain;
using Clock = std::chrono::steady_clock;

double cpu_now() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

// Wall and CPU seconds of one step.
struct Timer {
  Clock::time_point wall = Clock::now();
  double cpu = cpu_now();
  std::pair<double, double> stop() const {
    return {std::chrono::duration<double>(Clock::now() - wall).count(), cpu_now() - cpu};
  }
};

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
    const auto scope = turnout::delivery::full_plan_scope(clock.now());

    // Peer: the same rows, read and stepped through, nothing derived.
    std::int64_t checksum = 0;
    Timer t;
    auto rows = store::step_plan_rows(db, scope, clock.now(), checksum);
    auto [peer, peer_cpu] = t.stop();

    t = {};
    auto wanted = store::count_wanted_messages(db, scope, clock.now());
    auto [derive, derive_cpu] = t.stop();

    t = {};
    auto first = store::plan_messages(ctx, scope);
    auto [plan, plan_cpu] = t.stop();

    t = {};
    auto second = store::plan_messages(ctx, scope);
    auto [again, again_cpu] = t.stop();

    // A day later: the messages that came within the horizon are queued.
    clock.advance(std::chrono::hours(24));
    const auto next_scope = turnout::delivery::full_plan_scope(clock.now());
    t = {};
    auto next = store::plan_messages(ctx, next_scope);
    auto [next_day, next_day_cpu] = t.stop();

    fmt::print("plan.rows {}\n", rows);
    fmt::print("plan.messages {}\n", first.wanted);
    fmt::print("plan.later {}\n", first.later);
    fmt::print("plan.queued {}\n", first.queued);
    fmt::print("plan.seconds {:.3f}\n", plan);
    fmt::print("plan.cpu_seconds {:.3f}\n", plan_cpu);
    fmt::print("plan.derive_seconds {:.3f}\n", derive);
    fmt::print("plan.derive_cpu_seconds {:.3f}\n", derive_cpu);
    fmt::print("plan.again_seconds {:.3f}\n", again);
    fmt::print("plan.again_cpu_seconds {:.3f}\n", again_cpu);
    fmt::print("plan.again_queued {}\n", second.queued + second.cancelled);
    fmt::print("plan.next_day_seconds {:.3f}\n", next_day);
    fmt::print("plan.next_day_cpu_seconds {:.3f}\n", next_day_cpu);
    fmt::print("plan.next_day_queued {}\n", next.queued);
    fmt::print("plan.next_day_cancelled {}\n", next.cancelled);
    fmt::print("peer.select_seconds {:.3f}\n", peer);
    fmt::print("peer.select_cpu_seconds {:.3f}\n", peer_cpu);
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
