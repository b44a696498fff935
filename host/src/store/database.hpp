// One SQLite connection with Turnout's settings, cached prepared statements
// and the two kinds of transaction the store uses.
//
// A Database is used by one thread at a time; give each thread its own.
// Writers use write(), which opens with BEGIN IMMEDIATE so that WAL never
// answers SQLITE_BUSY in the middle of a transaction.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace turnout::store {

// A failure of the database itself (I/O, corruption, a constraint the
// domain layer did not foresee). `code` is SQLite's extended result code.
class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }
  bool is_constraint() const noexcept { return (code_ & 0xff) == 19; }  // SQLITE_CONSTRAINT
 private:
  int code_;
};

using Blob = std::span<const unsigned char>;

// A cached statement, bound and stepped through; reset and cleared when the
// Query goes out of scope, so the next user finds it clean.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
  Query(Query&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& bind(int index, std::int64_t value);
  // Any other integer (int, size_t, bool…) binds as a 64-bit integer.
  template <std::integral T>
    requires(!std::same_as<T, std::int64_t>)
  Query& bind(int index, T value) {
    return bind(index, static_cast<std::int64_t>(value));
  }
  Query& bind(int index, double value);
  Query& bind(int index, std::string_view value);
  Query& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Query& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Query& bind(int index, Blob value);
  Query& bind(int index, std::nullptr_t);
  template <typename T>
  Query& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
  }

  template <typename... Args>
  Query& bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
    return *this;
  }

  // Back to the start, bindings kept, so one statement runs many times in a
  // loop (bind_all again after it).
  Query& reset();
  // Advances to the next row; false when there is none.
  bool step();
  // Runs a statement that returns no rows.
  void run();

  int column_count() const;
  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  int integer(int column) const { return static_cast<int>(int64(column)); }
  bool boolean(int column) const { return int64(column) != 0; }
  double real(int column) const;
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  std::string blob(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

struct DatabaseOptions {
  bool create = true;          // create the file when absent
  bool read_only = false;
  int busy_timeout_ms = 10000;
};

class Database {
 public:
  Database(const std::filesystem::path& path, DatabaseOptions options = {});
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

  // A statement prepared once for this connection and kept for its life.
  Query query(std::string_view sql);
  template <typename... Args>
  Query query(std::string_view sql, const Args&... args) {
    Query q = query(sql);
    q.bind_all(args...);
    return q;
  }
  // Runs one or more statements with no parameters (migrations, pragmas).
  void exec(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;

  // Runs fn inside BEGIN IMMEDIATE … COMMIT; rolls back if fn throws.
  // Inside another write() it becomes a savepoint: its own changes roll back
  // alone on failure, and the outer transaction commits the rest. That is
  // how one batch commit carries many independent requests.
  template <typename Fn>
  decltype(auto) write(Fn&& fn) {
    Transaction tx(*this, Transaction::Kind::write);
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      fn();
      tx.commit();
    } else {
      decltype(auto) result = fn();
      tx.commit();
      return result;
    }
  }
  // Runs fn inside a read transaction: one consistent snapshot.
  template <typename Fn>
  decltype(auto) read(Fn&& fn) {
    Transaction tx(*this, Transaction::Kind::read);
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      fn();
      tx.commit();
    } else {
      decltype(auto) result = fn();
      tx.commit();
      return result;
    }
  }
  bool in_transaction() const;
  // Runs fn once the outermost transaction commits (at once when none is
  // open); dropped if it rolls back. For work that must not run inside a
  // transaction, such as a WAL checkpoint.
  void after_commit(std::function<void()> fn);

  // Copies the whole database to `out` with SQLite's online backup API,
  // while other connections keep reading and writing.
  void backup_to(const std::filesystem::path& out);

  std::string integrity_check();
  sqlite3* handle() noexcept { return db_; }

 private:
  class Transaction {
   public:
    enum class Kind { read, write };
    Transaction(Database& db, Kind kind);
    ~Transaction();
    void commit();
   private:
    Database& db_;
    bool nested_ = false;
    bool done_ = false;
  };

  void run_after_commit();

  std::vector<std::function<void()>> after_commit_;
  int depth_ = 0;               // transactions open on this connection
  bool writing_ = false;        // the outermost one is a write

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace turnout::store
