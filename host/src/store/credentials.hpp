// Signing in: API tokens and browser sessions, looked up by the hash of
// what the caller holds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/context.hpp"

namespace turnout::store {

struct Credential {
  domain::Id id = 0;  // api_token or session row
  domain::Account account;
  std::optional<domain::Time> last_used_at;
  std::string csrf_token;  // sessions only
};

// A live (unrevoked) API token, or nothing.
std::optional<Credential> find_api_token(Database& db, std::string_view token);
void mark_api_token_used(const Context& ctx, domain::Id token_id);

struct ApiTokenInfo {
  domain::Id id = 0;
  std::string label;
  domain::Time created_at{};
  std::optional<domain::Time> last_used_at, revoked_at;
};
std::vector<ApiTokenInfo> list_api_tokens(Database& db, domain::Id account_id);
// Revokes one of the account's tokens; not_found for anyone else's.
void revoke_api_token(const Context& ctx, domain::Id account_id, domain::Id token_id);

// The account if the password is right. Takes about as long when the email
// is unknown, so timing does not tell which accounts exist.
std::optional<domain::Account> check_password(Database& db, std::string_view email, std::string_view password);

struct NewSession {
  std::string token;  // for the cookie; only its hash is kept
  std::string csrf_token;
  domain::Time expires_at{};
};
NewSession create_session(const Context& ctx, domain::Id account_id, std::chrono::seconds lifetime);
// A session not yet expired, or nothing.
std::optional<Credential> find_session(Database& db, std::string_view token, domain::Time now);
void delete_session(const Context& ctx, domain::Id session_id);

}  // namespace turnout::store
