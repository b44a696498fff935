#include "store/database.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace turnout::store {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view doing) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int code = db ? sqlite3_extended_errcode(db) : rc;
  throw DatabaseError(code, fmt::format("{}: {}", doing, msg));
}

}  // namespace

Query::~Query() {
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Query& Query::bind(int index, std::int64_t value) {
  if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Query& Query::bind(int index, double value) {
  if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Query& Query::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Query& Query::bind(int index, Blob value) {
  int rc = sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Query& Query::bind(int index, std::nullptr_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(db_, rc, "bind");
  return *this;
}

Query& Query::reset() {
  sqlite3_reset(stmt_);  // its code repeats the last step's error, already thrown
  return *this;
}

bool Query::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

void Query::run() {
  while (step()) {
  }
}

int Query::column_count() const { return sqlite3_column_count(stmt_); }
bool Query::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
double Query::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Query::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Query::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<std::int64_t> Query::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string Query::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  if (!p) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

Database::Database(const std::filesystem::path& path, DatabaseOptions options) : path_(path) {
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (options.create && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;  // one thread per connection, by contract
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw DatabaseError(rc, fmt::format("cannot open database {}: {}", path.string(), msg));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
  try {
    if (!options.read_only) exec("PRAGMA journal_mode=WAL");
    // FULL: a commit is on disk before we acknowledge it, also in WAL mode.
    exec(
        "PRAGMA synchronous=FULL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA secure_delete=ON;"  // erased contact data is overwritten, not just unlinked
        "PRAGMA trusted_schema=OFF;");
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

Database::~Database() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Query Database::query(std::string_view sql) {
  std::string key(sql);
  auto it = statements_.find(key);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "prepare");
    it = statements_.emplace(std::move(key), stmt).first;
  }
  return Query(db_, it->second);
}

void Database::exec(std::string_view sql) {
  std::string copy(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DatabaseError(sqlite3_extended_errcode(db_), msg);
  }
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }
bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Database::Transaction::Transaction(Database& db, Kind kind) : db_(db) {
  if (db_.depth_ == 0) {
    if (db_.in_transaction()) throw DatabaseError(SQLITE_MISUSE, "a transaction was opened outside Database");
    db_.exec(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
    db_.writing_ = kind == Kind::write;
  } else {
    // Upgrading a read snapshot to a write could meet SQLITE_BUSY half-way.
    if (kind == Kind::write && !db_.writing_)
      throw DatabaseError(SQLITE_MISUSE, "a write cannot start inside a read transaction");
    db_.exec("SAVEPOINT turnout_nested");
    nested_ = true;
  }
  ++db_.depth_;
}

Database::Transaction::~Transaction() {
  if (!done_ && !nested_) db_.after_commit_.clear();
  if (!done_) {
    if (nested_)
      sqlite3_exec(db_.db_, "ROLLBACK TO turnout_nested; RELEASE turnout_nested", nullptr, nullptr, nullptr);
    else if (db_.in_transaction())
      sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  --db_.depth_;
}

void Database::Transaction::commit() {
  db_.exec(nested_ ? "RELEASE turnout_nested" : "COMMIT");
  done_ = true;
  if (!nested_) {
    --db_.depth_;
    db_.run_after_commit();
    ++db_.depth_;  // the destructor takes it back down
  }
}

void Database::after_commit(std::function<void()> fn) {
  if (depth_ == 0) {
    fn();
    return;
  }
  after_commit_.push_back(std::move(fn));
}

void Database::run_after_commit() {
  auto pending = std::move(after_commit_);
  after_commit_.clear();
  for (auto& fn : pending) {
    try {
      fn();
    } catch (...) {
      // The commit stands; a follow-up has no one to report to.
    }
  }
}

void Database::backup_to(const std::filesystem::path& out) {
  if (std::filesystem::exists(out)) {
    throw DatabaseError(SQLITE_CANTOPEN, fmt::format("{} exists already; choose a new file", out.string()));
  }
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(out.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc);
    sqlite3_close_v2(dest);
    throw DatabaseError(rc, fmt::format("cannot create {}: {}", out.string(), msg));
  }
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", db_, "main");
  if (!backup) {
    std::string msg = sqlite3_errmsg(dest);
    sqlite3_close_v2(dest);
    throw DatabaseError(rc, fmt::format("backup: {}", msg));
  }
  // Copy in steps so writers on other connections are never held up long.
  do {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  int final_rc = sqlite3_errcode(dest);
  sqlite3_close_v2(dest);
  if (rc != SQLITE_DONE || final_rc != SQLITE_OK) {
    std::filesystem::remove(out);
    throw DatabaseError(rc, fmt::format("backup failed: {}", sqlite3_errstr(rc)));
  }
}

std::string Database::integrity_check() {
  std::string result;
  auto q = query("PRAGMA integrity_check");
  while (q.step()) {
    if (!result.empty()) result += '\n';
    result += q.text(0);
  }
  return result;
}

}  // namespace turnout::store
