#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "store/writer.hpp"
#include "support.hpp"

using namespace turnout;
using turnout::test::TempDir;

TEST_CASE("the writer commits concurrent jobs in batches; a failing job rolls back alone") {
  TempDir dir;
  {
    store::Database db(dir / "t.db");
    db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
  }
  store::Writer writer(dir / "t.db");
  constexpr int kJobs = 400;
  std::vector<std::promise<bool>> done(kJobs);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kJobs; i += 4) {
        writer.submit(
            [i](store::Database& db) {
              db.query("INSERT INTO t VALUES (?)", i).run();
              if (i % 10 == 0) throw std::runtime_error("this one fails");
            },
            [&done, i](std::exception_ptr e) { done[static_cast<std::size_t>(i)].set_value(e == nullptr); });
      }
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (auto& d : done) ok += d.get_future().get() ? 1 : 0;
  CHECK(ok == kJobs - kJobs / 10);

  store::Database db(dir / "t.db");
  auto q = db.query("SELECT count(*), sum(x % 10 = 0) FROM t");
  q.step();
  CHECK(q.integer(0) == ok);  // every acknowledged job, and only those
  CHECK(q.integer(1) == 0);
  auto stats = writer.stats();
  CHECK(stats.jobs == kJobs);
  CHECK(stats.batches < kJobs);  // jobs shared commits
}

TEST_CASE("a stopped writer finishes what was queued and refuses the rest") {
  TempDir dir;
  {
    store::Database db(dir / "t.db");
    db.exec("CREATE TABLE t (x INTEGER)");
  }
  store::Writer writer(dir / "t.db");
  std::atomic<int> ok{0};
  for (int i = 0; i < 50; ++i)
    writer.submit([i](store::Database& db) { db.query("INSERT INTO t VALUES (?)", i).run(); },
                  [&](std::exception_ptr e) { ok += e ? 0 : 1; });
  writer.stop();
  CHECK(ok == 50);
  std::exception_ptr late;
  writer.submit([](store::Database&) {}, [&](std::exception_ptr e) { late = e; });
  CHECK(late != nullptr);
}
