#include <catch2/catch.hpp>

#include <thread>

#include "cli/demo.hpp"
#include "support.hpp"

using namespace turnout;
using turnout::test::TempDir;

namespace {

// Everything that defines a database: its schema and every row, in order.
std::string dump(store::Database& db) {
  std::string out;
  std::vector<std::string> tables;
  {
    auto q = db.query("SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name");
    while (q.step()) {
      out += q.text(0) + " " + q.text(1) + ": " + q.text(2) + "\n";
      if (q.text(0) == "table" && !q.text(1).starts_with("sqlite_")) tables.push_back(q.text(1));
    }
  }
  for (const auto& t : tables) {
    auto q = db.query("SELECT * FROM \"" + t + "\" ORDER BY 1");
    while (q.step()) {
      out += t + ":";
      for (int c = 0; c < q.column_count(); ++c) out += (q.is_null(c) ? "NULL" : q.text(c)) + "|";
      out += "\n";
    }
  }
  out += "user_version " + std::to_string(store::schema_version(db)) + "\n";
  return out;
}

}  // namespace

TEST_CASE("an empty file migrates to the latest schema in WAL mode") {
  TempDir dir;
  store::Database db(dir / "t.db");
  auto report = store::migrate(db);
  CHECK(report.from == 0);
  CHECK(report.to == store::latest_schema_version());
  auto q = db.query("PRAGMA journal_mode");
  REQUIRE(q.step());
  CHECK(q.text(0) == "wal");
}

TEST_CASE("the pragmas a durable store needs are on for every connection") {
  TempDir dir;
  store::Database db(dir / "t.db");
  auto value = [&](const char* pragma) {
    auto q = db.query(std::string("PRAGMA ") + pragma);
    q.step();
    return q.int64(0);
  };
  CHECK(value("synchronous") == 2);  // FULL
  CHECK(value("foreign_keys") == 1);
  CHECK(value("secure_delete") == 1);
  CHECK(value("busy_timeout") >= 1000);
}

TEST_CASE("a second init changes nothing, not even a byte of data") {
  TempDir dir;
  store::Database db(dir / "t.db");
  store::migrate(db);
  domain::ManualClock clock(turnout::test::test_epoch());
  cli::load_demo(db, clock);
  std::string before = dump(db);
  auto report = store::migrate(db);
  CHECK(report.from == report.to);
  CHECK(dump(db) == before);
}

TEST_CASE("every earlier schema version migrates to the same schema as a fresh one") {
  TempDir dir;
  store::Database fresh(dir / "fresh.db");
  store::migrate(fresh);
  const std::string expected = dump(fresh);
  for (int from = 0; from < store::latest_schema_version(); ++from) {
    INFO("from version " << from);
    store::Database db(dir / ("v" + std::to_string(from) + ".db"));
    store::migrate(db, from);
    CHECK(store::schema_version(db) == from);
    auto report = store::migrate(db);
    CHECK(report.from == from);
    CHECK(dump(db) == expected);
  }
}

TEST_CASE("each migration step runs in its own transaction and a failing one leaves the version alone") {
  TempDir dir;
  store::Database db(dir / "t.db");
  std::vector<store::Migration> steps{
      {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
      {2, "0002_b", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);"},
  };
  CHECK_THROWS(store::migrate(db, steps));
  CHECK(store::schema_version(db) == 1);
  auto q = db.query("SELECT count(*) FROM sqlite_master WHERE name = 'b'");
  q.step();
  CHECK(q.integer(0) == 0);  // step 2 was rolled back whole
}

TEST_CASE("two processes migrating at once both succeed and apply each step once") {
  TempDir dir;
  std::vector<store::Migration> steps{
      {1, "0001_a", "CREATE TABLE a (x INTEGER);"},
      {2, "0002_b", "CREATE TABLE b (x INTEGER);"},
  };
  {
    store::Database db(dir / "t.db");  // create the file and WAL first
  }
  std::atomic<int> failures{0};
  auto run = [&] {
    try {
      store::Database db(dir / "t.db");
      store::migrate(db, steps);
    } catch (...) {
      ++failures;
    }
  };
  std::thread a(run), b(run);
  a.join();
  b.join();
  CHECK(failures == 0);
  store::Database db(dir / "t.db");
  CHECK(store::schema_version(db) == 2);
}

TEST_CASE("a database newer than this binary is refused with a clear reason") {
  TempDir dir;
  store::Database db(dir / "t.db");
  db.exec("PRAGMA user_version = 999");
  try {
    store::migrate(db);
    FAIL("accepted");
  } catch (const store::DatabaseError& e) {
    CHECK(std::string(e.what()).find("newer") != std::string::npos);
  }
}

TEST_CASE("an online backup is a complete, consistent copy") {
  TempDir dir;
  store::Database db(dir / "t.db");
  store::migrate(db);
  domain::ManualClock clock(turnout::test::test_epoch());
  cli::load_demo(db, clock);
  db.backup_to(dir / "backup.db");
  store::Database copy(dir / "backup.db", {.create = false});
  CHECK(copy.integrity_check() == "ok");
  CHECK(dump(copy) == dump(db));
  CHECK_THROWS(db.backup_to(dir / "backup.db"));  // never overwrites
}

TEST_CASE("a write inside a write is a savepoint: it rolls back alone") {
  TempDir dir;
  store::Database db(dir / "t.db");
  db.exec("CREATE TABLE t (x INTEGER)");
  db.write([&] {
    db.query("INSERT INTO t VALUES (1)").run();
    CHECK_THROWS(db.write([&] {
      db.query("INSERT INTO t VALUES (2)").run();
      throw std::runtime_error("this request fails");
    }));
    db.write([&] { db.query("INSERT INTO t VALUES (3)").run(); });
  });
  auto q = db.query("SELECT group_concat(x) FROM t");
  q.step();
  CHECK(q.text(0) == "1,3");
  CHECK_FALSE(db.in_transaction());
  CHECK_THROWS_AS(db.read([&] { db.write([] {}); }), store::DatabaseError);
  CHECK_FALSE(db.in_transaction());
}

TEST_CASE("meetings made before version 2 get a public sign-up link when it arrives") {
  TempDir dir;
  store::Database db(dir / "t.db");
  store::migrate(db, 1);
  db.exec("INSERT INTO \"group\" (name, slug, timezone, created_at, updated_at) VALUES ('G', 'g', 'UTC', 0, 0);"
          "INSERT INTO body (group_id, name, kind, timezone, created_at, updated_at) VALUES (1, 'B', 'other', 'UTC', 0, 0);"
          "INSERT INTO meeting (group_id, body_id, title, starts_at, ends_at, timezone, created_at, updated_at) "
          "VALUES (1, 1, 'M', 100, 200, 'UTC', 0, 0), (1, 1, 'N', 100, 200, 'UTC', 0, 0);");
  store::migrate(db);
  auto q = db.query("SELECT count(DISTINCT signup_token), min(length(signup_token)) FROM meeting");
  q.step();
  CHECK(q.integer(0) == 2);
  CHECK(q.integer(1) == 3 + 32);  // su_ + 128 bits in hex
}
