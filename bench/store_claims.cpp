// turnout-bench-claims: sign-up claims per second through the store itself
// (store::claim_slot, each claim its own durable transaction), beside its
// peer from the same run: bare durable commits per second, one-row INSERTs
// over the same pragmas, on the same disk, with the same thread counts.
// The ratio says how much of the fsync budget a claim's own work costs.
//
// Ends with the two checks that make the figure worth having: no slot over
// capacity, and every acknowledged claim is in the file.

#include <fmt/format.h>

#include "common.hpp"
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "domain/error.hpp"
#include "domain/time.hpp"
#include "store/assignments.hpp"
#include "store/groups.hpp"
#include "store/meetings.hpp"
#include "store/migrations.hpp"
#include "store/volunteers.hpp"

namespace {

namespace fs = std::filesystem;
namespace store = turnout::store;
namespace domain = turnout::domain;
using Clock = std::chrono::steady_clock;

// Each volunteer claims one slot per meeting, and meetings are a day apart,
// so no claim is refused as an overlap. Claims go to a slot kClaimsPerSlot
// in a row, one more than it holds: the threads race for its last place and
// one claim in fifty is refused as full, so the capacity rule is exercised
// under concurrency, not just timed.
constexpr int kVolunteers = 5'000;
constexpr int kClaimsPerSlot = 50;
constexpr int kCapacity = kClaimsPerSlot - 1;
constexpr int kSlotsPerMeeting = kVolunteers / kClaimsPerSlot;

struct Options {
  fs::path dir = fs::temp_directory_path();
  double seconds = 3.0;              // each measurement stops after this long…
  std::int64_t max_claims = 20'000;  // …or after this many, whichever comes first
  std::vector<int> threads = {1, 2, 8, 64};
  bool keep = false;
};

[[noreturn]] void usage(int code) {
  fmt::print(code == 0 ? stdout : stderr,
             "usage: turnout-bench-claims [--dir DIR] [--seconds S] [--max-claims N] [--threads 1,2,8,64] [--keep]\n"
             "  Measures store::claim_slot and bare durable commits per second in a fresh\n"
             "  database under DIR (default: the temp dir; use a real disk, not tmpfs).\n");
  std::exit(code);
}

template <typename T>
T parse_number(std::string_view text, std::string_view flag) {
  return turnout::bench::parse_number<T>("turnout-bench-claims", text, flag);
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") usage(0);
    if (arg == "--keep") {
      o.keep = true;
      continue;
    }
    if (i + 1 >= argc) usage(2);
    std::string_view value = argv[++i];
    if (arg == "--dir") {
      o.dir = std::string(value);
    } else if (arg == "--seconds") {
      o.seconds = parse_number<double>(value, arg);
    } else if (arg == "--max-claims") {
      o.max_claims = parse_number<std::int64_t>(value, arg);
    } else if (arg == "--threads") {
      o.threads.clear();
      for (std::size_t from = 0; from <= value.size();) {
        std::size_t comma = std::min(value.find(',', from), value.size());
        o.threads.push_back(parse_number<int>(value.substr(from, comma - from), arg));
        from = comma + 1;
      }
    } else {
      usage(2);
    }
  }
  if (o.seconds <= 0 || o.max_claims <= 0 ||
      std::any_of(o.threads.begin(), o.threads.end(), [](int n) { return n < 1 || n > 1024; }))
    usage(2);
  return o;
}

// The sign-up sheet every run claims from: one group, one body, meetings a
// day apart with kSlotsPerMeeting slots each, and kVolunteers volunteers.
struct Sheet {
  domain::Id group_id = 0;
  std::vector<std::vector<domain::Id>> slots;  // by meeting
  std::vector<domain::Id> volunteers;
};

Sheet set_up(const fs::path& path, int meetings) {
  store::Database db(path);
  store::migrate(db);
  domain::SystemClock clock;
  store::Context ctx{db, clock, domain::Actor::system("bench")};
  Sheet sheet;
  domain::Group group = store::create_group(ctx, {.name = "Bench Tenants Union", .slug = "bench"});
  sheet.group_id = group.id;
  domain::Body body =
      store::create_body(ctx, group, {.name = std::string("City Council"), .kind = std::string("city_council")});
  auto tomorrow = std::chrono::floor<std::chrono::days>(clock.now()) + std::chrono::days{1} + std::chrono::hours{18};
  for (int m = 0; m < meetings; ++m) {
    domain::Time starts = tomorrow + std::chrono::days{m};
    domain::MeetingDraft draft{.body_id = body.id,
                               .title = std::string("Regular meeting"),
                               .starts_at = domain::format_rfc3339_utc(starts),
                               .ends_at = domain::format_rfc3339_utc(starts + std::chrono::hours{3})};
    domain::Meeting meeting = store::create_meeting(ctx, group.id, draft);
    auto& slots = sheet.slots.emplace_back();
    slots.push_back(
        store::create_slot(ctx, group.id, meeting.id, {.role = std::string("speaker"), .capacity = kCapacity}).id);
    // The other slots as copies of the first in one transaction: create_slot
    // commits each, and a thousand fsyncs would only slow the setting up.
    db.write([&] {
      for (int s = 1; s < kSlotsPerMeeting; ++s) {
        db.query(
              "INSERT INTO slot (meeting_id, role, \"order\", minutes, mode, language, capacity, created_at, "
              "updated_at) SELECT meeting_id, role, ?, minutes, mode, language, capacity, created_at, updated_at "
              "FROM slot WHERE id = ?",
              s, slots.front())
            .run();
        slots.push_back(db.last_insert_rowid());
      }
    });
  }
  // One transaction for all of them: create_volunteers is the store's batch.
  std::vector<domain::Volunteer> people(kVolunteers);
  for (int i = 0; i < kVolunteers; ++i) {
    people[static_cast<std::size_t>(i)].name = fmt::format("Volunteer {}", i + 1);
    people[static_cast<std::size_t>(i)].timezone = group.timezone;
  }
  for (const domain::Volunteer& v : store::create_volunteers(ctx, group, people)) sheet.volunteers.push_back(v.id);
  return sheet;
}

struct Run {
  std::int64_t done = 0;     // acknowledged, durable
  std::int64_t refused = 0;  // answered "full"
  std::int64_t busy = 0;     // gave up waiting for the write lock
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::string failure;  // anything unexpected stops the bench

  double per_second() const { return seconds > 0 ? static_cast<double>(done) / seconds : 0; }
  double percentile(double p) {
    if (latencies_ms.empty()) return 0;
    auto k = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    std::nth_element(latencies_ms.begin(), latencies_ms.begin() + static_cast<std::ptrdiff_t>(k), latencies_ms.end());
    return latencies_ms[k];
  }
};

enum class Outcome { done, refused, busy };

// Runs `threads` workers, each with its own connection opened before the
// clock starts; op(db, k) performs operation number k. Stops at the time or
// count limit, whichever comes first.
Run measure(const fs::path& path, int threads, const Options& o,
            const std::function<Outcome(store::Database&, std::int64_t)>& op) {
  Run run;
  std::mutex mutex;
  std::atomic<std::int64_t> next{0};
  std::latch ready(threads + 1);
  std::atomic<bool> go{false};
  Clock::time_point deadline;
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      Run mine;
      std::optional<store::Database> db;
      try {
        db.emplace(path);
      } catch (const std::exception& e) {
        mine.failure = e.what();
      }
      // Everyone arrives, even a worker that failed, so the start never hangs.
      ready.arrive_and_wait();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      try {
        while (db) {
          std::int64_t k = next.fetch_add(1);
          Clock::time_point began = Clock::now();
          if (k >= o.max_claims || began >= deadline) break;
          switch (op(*db, k)) {
            case Outcome::done: ++mine.done; break;
            case Outcome::refused: ++mine.refused; break;
            case Outcome::busy: ++mine.busy; break;
          }
          mine.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - began).count());
        }
      } catch (const std::exception& e) {
        mine.failure = e.what();
      }
      std::lock_guard lock(mutex);
      run.done += mine.done;
      run.refused += mine.refused;
      run.busy += mine.busy;
      run.latencies_ms.insert(run.latencies_ms.end(), mine.latencies_ms.begin(), mine.latencies_ms.end());
      if (run.failure.empty()) run.failure = mine.failure;
    });
  ready.arrive_and_wait();
  const Clock::time_point began = Clock::now();
  deadline = began + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  go.store(true, std::memory_order_release);
  for (auto& w : workers) w.join();
  run.seconds = std::chrono::duration<double>(Clock::now() - began).count();
  return run;
}

bool is_busy(const store::DatabaseError& e) {
  return (e.code() & 0xff) == 5;
}  // SQLITE_BUSY

std::int64_t count(store::Database& db, std::string_view sql) {
  auto q = db.query(sql);
  q.step();
  return q.int64(0);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  std::string pattern = (o.dir / "turnout-bench-claims-XXXXXX").string();
  fs::create_directories(o.dir);
  if (!mkdtemp(pattern.data())) {
    fmt::print(stderr, "turnout-bench-claims: cannot create a directory in {}\n", o.dir.string());
    return 1;
  }
  const fs::path dir = pattern;
  const fs::path claims_db = dir / "claims.db", peer_db = dir / "peer.db";
  int status = 0;
  try {
    // Each run claims on meetings of its own, so every run starts from empty slots.
    const int meetings_per_run = static_cast<int>((o.max_claims + kVolunteers - 1) / kVolunteers);
    const Sheet sheet = set_up(claims_db, meetings_per_run * static_cast<int>(o.threads.size()));
    {
      store::Database peer(peer_db);
      peer.exec("CREATE TABLE t (x INTEGER)");
      // The figure is only meaningful if a commit waits for the disk.
      if (count(peer, "PRAGMA synchronous") != 2) throw std::runtime_error("synchronous is not FULL");
    }
    domain::SystemClock clock;
    std::int64_t acknowledged = 0;
    for (std::size_t r = 0; r < o.threads.size(); ++r) {
      const int n = o.threads[r];
      const int first_meeting = static_cast<int>(r) * meetings_per_run;
      Run claims = measure(claims_db, n, o, [&](store::Database& db, std::int64_t k) {
        store::Context ctx{db, clock, domain::Actor::system("bench")};
        const auto v = static_cast<std::size_t>(k % kVolunteers);
        const auto& slots = sheet.slots[static_cast<std::size_t>(first_meeting + k / kVolunteers)];
        try {
          store::Claim claim;
          claim.slot_id = slots[v / kClaimsPerSlot];
          claim.volunteer_id = sheet.volunteers[v];
          claim.public_signup = true;  // the path the SPEC's sign-ups take, window check included
          store::claim_slot(ctx, sheet.group_id, claim);
          return Outcome::done;
        } catch (const turnout::Error& e) {
          if (e.code() == turnout::ErrorCode::full) return Outcome::refused;
          throw;
        } catch (const store::DatabaseError& e) {
          if (is_busy(e)) return Outcome::busy;
          throw;
        }
      });
      Run commits = measure(peer_db, n, o, [](store::Database& db, std::int64_t k) {
        try {
          db.write([&] { db.query("INSERT INTO t VALUES (?)", k).run(); });
          return Outcome::done;
        } catch (const store::DatabaseError& e) {
          if (is_busy(e)) return Outcome::busy;
          throw;
        }
      });
      for (const Run* run : {&claims, &commits})
        if (!run->failure.empty()) throw std::runtime_error(run->failure);
      acknowledged += claims.done;
      fmt::print("claims_per_second.threads_{0} {1:.0f}  peer.durable_commits_per_second.threads_{0} {2:.0f}\n", n,
                 claims.per_second(), commits.per_second());
      fmt::print(
          "claims.done.threads_{0} {1}  claims.refused_full.threads_{0} {2}  claims.busy.threads_{0} {3}  "
          "peer.busy.threads_{0} {4}\n",
          n, claims.done, claims.refused, claims.busy, commits.busy);
      fmt::print(
          "claims.p50_ms.threads_{0} {1:.2f}  claims.p99_ms.threads_{0} {2:.2f}  claims.max_ms.threads_{0} {3:.2f}  "
          "peer.p50_ms.threads_{0} {4:.2f}  peer.p99_ms.threads_{0} {5:.2f}  peer.max_ms.threads_{0} {6:.2f}\n",
          n, claims.percentile(0.50), claims.percentile(0.99), claims.percentile(1.0), commits.percentile(0.50),
          commits.percentile(0.99), commits.percentile(1.0));
      std::fflush(stdout);
    }

    store::Database db(claims_db);
    const std::int64_t over =
        count(db,
              "SELECT count(*) FROM slot s WHERE (SELECT count(*) FROM assignment a WHERE a.slot_id = s.id "
              "AND a.status IN ('invited', 'confirmed', 'attended', 'no_show')) > s.capacity");
    const std::int64_t stored = count(db, "SELECT count(*) FROM assignment");
    fmt::print("over_capacity {}\n", over);
    fmt::print("claims.acknowledged {}  claims.stored {}\n", acknowledged, stored);
    if (over != 0) {
      fmt::print(stderr, "turnout-bench-claims: {} slot(s) over capacity\n", over);
      status = 1;
    }
    if (stored != acknowledged) {
      fmt::print(stderr, "turnout-bench-claims: {} claims acknowledged but {} stored\n", acknowledged, stored);
      status = 1;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "turnout-bench-claims: {}\n", e.what());
    status = 1;
  }
  if (!o.keep) fs::remove_all(dir);
  return status;
}
