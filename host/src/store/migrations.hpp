// Schema migrations: numbered SQL files in schema/, compiled in, applied in
// order by PRAGMA user_version, each in its own transaction.
#pragma once

#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace turnout::store {

struct Migration {
  int version;            // the number the file name starts with
  std::string_view name;  // file name without .sql
  std::string_view sql;
};

// Every migration this binary knows, sorted by version.
const std::vector<Migration>& bundled_migrations();

int schema_version(Database& db);
int latest_schema_version();

struct MigrationReport {
  int from = 0;
  int to = 0;
};

// Brings the database up to `target` (default: the latest). Safe to run
// twice and from several processes at once: each step re-reads the version
// inside its own BEGIN IMMEDIATE. Refuses a database newer than this binary.
MigrationReport migrate(Database& db, int target = -1);
MigrationReport migrate(Database& db, const std::vector<Migration>& migrations, int target = -1);

}  // namespace turnout::store
