// Groups, their accounts and API tokens.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/context.hpp"

namespace turnout::store {

struct GroupDraft {
  std::string name, slug;
  std::string timezone = "America/Los_Angeles";
  std::string language = "en";
  std::string country = "US";
};
// Creates a group with the default reminder rules (48 h and 3 h before,
// by SMS and email). A slug already taken is a conflict.
domain::Group create_group(const Context& ctx, const GroupDraft& draft);
std::optional<domain::Group> find_group(Database& db, std::string_view slug);
domain::Group get_group(Database& db, domain::Id id);
// The group's own settings; members left empty stay as they are.
struct GroupPatch {
  std::optional<std::string> name, timezone, language;
};
// Checks as create_group does (the language must be one Turnout speaks: en,
// es), audits and emits group.updated with the names of what changed, so
// the group's rendered calendars (its name and language are in them) go
// stale. Nothing changed, nothing written.
domain::Group update_group(const Context& ctx, domain::Id id, const GroupPatch& patch);
std::vector<domain::Group> list_groups(Database& db);

struct AccountDraft {
  std::optional<domain::Id> group_id;  // empty for an admin
  std::string email, name, role;
  std::optional<std::string> password;  // none: the account signs in with tokens only
};
domain::Account create_account(const Context& ctx, const AccountDraft& draft);
std::optional<domain::Account> find_account(Database& db, std::string_view email);
domain::Account find_account_by_id(Database& db, domain::Id id);
std::vector<domain::Account> list_accounts(Database& db, domain::Id group_id);

struct ReminderRule {
  int offset_minutes = 0;
  std::string channel;  // sms, email
};
std::vector<ReminderRule> reminder_rules(Database& db, domain::Id group_id);
// Replaces the group's rules: every offset on every channel.
void set_reminder_rules(const Context& ctx, domain::Id group_id, const std::vector<int>& offsets_minutes,
                        const std::vector<std::string>& channels);

// Creates an API token for the account and returns it; only its hash is kept,
// so this is the one time anyone sees it.
std::string create_api_token(const Context& ctx, domain::Id account_id, std::string_view label = {});

}  // namespace turnout::store
