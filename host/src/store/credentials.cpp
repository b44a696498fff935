#include "store/credentials.hpp"

#include "domain/error.hpp"
#include "security/secrets.hpp"
#include "store/journal.hpp"

namespace turnout::store {
namespace {

Blob as_blob(const std::string& s) { return {reinterpret_cast<const unsigned char*>(s.data()), s.size()}; }

domain::Account read_account(const Query& q, int first) {
  return {q.int64(first), q.optional_int64(first + 1), q.text(first + 2), q.text(first + 3),
          domain::parse_role(q.text(first + 4)).value_or(domain::Role::viewer)};
}

}  // namespace

std::optional<Credential> find_api_token(Database& db, std::string_view token) {
  std::string hash = security::hash_token(token);
  auto q = db.query(
      "SELECT t.id, t.last_used_at, a.id, a.group_id, a.email, a.name, a.role FROM api_token t "
      "JOIN account a ON a.id = t.account_id WHERE t.token_hash = ? AND t.revoked_at IS NULL",
      as_blob(hash));
  if (!q.step()) return std::nullopt;
  Credential c;
  c.id = q.int64(0);
  if (auto t = q.optional_int64(1)) c.last_used_at = to_time(*t);
  c.account = read_account(q, 2);
  return c;
}

void mark_api_token_used(const Context& ctx, domain::Id token_id) {
  ctx.db.write([&] { ctx.db.query("UPDATE api_token SET last_used_at = ? WHERE id = ?", ctx.now(), token_id).run(); });
}

std::vector<ApiTokenInfo> list_api_tokens(Database& db, domain::Id account_id) {
  std::vector<ApiTokenInfo> out;
  auto q = db.query(
      "SELECT id, label, created_at, last_used_at, revoked_at FROM api_token WHERE account_id = ? ORDER BY id",
      account_id);
  while (q.step()) {
    ApiTokenInfo t{q.int64(0), q.text(1), to_time(q.int64(2)), std::nullopt, std::nullopt};
    if (auto v = q.optional_int64(3)) t.last_used_at = to_time(*v);
    if (auto v = q.optional_int64(4)) t.revoked_at = to_time(*v);
    out.push_back(std::move(t));
  }
  return out;
}

void revoke_api_token(const Context& ctx, domain::Id account_id, domain::Id token_id) {
  ctx.db.write([&] {
    auto q = ctx.db.query("SELECT a.group_id FROM api_token t JOIN account a ON a.id = t.account_id "
                          "WHERE t.id = ? AND t.account_id = ?",
                          token_id, account_id);
    if (!q.step()) throw not_found("token");
    auto group_id = q.optional_int64(0);
    ctx.db
        .query("UPDATE api_token SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", ctx.now(), token_id)
        .run();
    audit(ctx, group_id, "api_token.revoked", "api_token", token_id);
  });
}

std::optional<domain::Account> check_password(Database& db, std::string_view email, std::string_view password) {
  // A hash of a password nobody has, verified when the email is unknown, so
  // both answers cost one argon2id verification.
  static const std::string decoy = security::hash_password("turnout decoy password, never valid");
  auto q = db.query("SELECT id, group_id, email, name, role, coalesce(password_hash, '') FROM account WHERE email = ?",
                    email);
  if (!q.step() || q.text(5).empty()) {
    security::verify_password(decoy, password);
    return std::nullopt;
  }
  domain::Account account = read_account(q, 0);
  std::string hash = q.text(5);
  if (!security::verify_password(hash, password)) return std::nullopt;
  return account;
}

NewSession create_session(const Context& ctx, domain::Id account_id, std::chrono::seconds lifetime) {
  NewSession s{security::new_token("ss_"), security::new_token("cs_"), ctx.clock.now() + lifetime};
  std::string hash = security::hash_token(s.token);
  ctx.db.write([&] {
    auto q = ctx.db.query("SELECT group_id FROM account WHERE id = ?", account_id);
    if (!q.step()) throw not_found("account");
    auto group_id = q.optional_int64(0);
    // Expired sessions of anyone go as new ones come.
    ctx.db.query("DELETE FROM session WHERE expires_at <= ?", ctx.now()).run();
    ctx.db
        .query("INSERT INTO session (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               as_blob(hash), account_id, s.csrf_token, ctx.now(), ctx.now(), to_seconds(s.expires_at))
        .run();
    audit(ctx, group_id, "session.created", "account", account_id);
  });
  return s;
}

std::optional<Credential> find_session(Database& db, std::string_view token, domain::Time now) {
  std::string hash = security::hash_token(token);
  auto q = db.query(
      "SELECT s.id, s.csrf_token, a.id, a.group_id, a.email, a.name, a.role FROM session s "
      "JOIN account a ON a.id = s.account_id WHERE s.token_hash = ? AND s.expires_at > ?",
      as_blob(hash), to_seconds(now));
  if (!q.step()) return std::nullopt;
  Credential c;
  c.id = q.int64(0);
  c.csrf_token = q.text(1);
  c.account = read_account(q, 2);
  return c;
}

void delete_session(const Context& ctx, domain::Id session_id) {
  ctx.db.write([&] { ctx.db.query("DELETE FROM session WHERE id = ?", session_id).run(); });
}

}  // namespace turnout::store
