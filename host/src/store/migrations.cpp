#include "store/migrations.hpp"

#include <fmt/format.h>

namespace turnout::store {

int schema_version(Database& db) {
  auto q = db.query("PRAGMA user_version");
  q.step();
  return q.integer(0);
}

int latest_schema_version() {
  const auto& all = bundled_migrations();
  return all.empty() ? 0 : all.back().version;
}

MigrationReport migrate(Database& db, int target) { return migrate(db, bundled_migrations(), target); }

MigrationReport migrate(Database& db, const std::vector<Migration>& migrations, int target) {
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (target < 0) target = latest;
  MigrationReport report;
  report.from = schema_version(db);
  if (report.from > latest) {
    throw DatabaseError(0, fmt::format("the database is at schema version {}, newer than this turnoutd knows ({}); "
                                       "run a newer turnoutd or restore a backup",
                                       report.from, latest));
  }
  for (const Migration& m : migrations) {
    if (m.version > target) break;
    db.write([&] {
      // Another process may have applied this step since we looked.
      if (schema_version(db) >= m.version) return;
      db.exec(m.sql);
      db.exec(fmt::format("PRAGMA user_version = {}", m.version));
    });
  }
  report.to = schema_version(db);
  return report;
}

}  // namespace turnout::store
