#include "store/groups.hpp"

#include "domain/error.hpp"
#include "domain/validate.hpp"
#include "security/secrets.hpp"
#include "store/journal.hpp"

namespace turnout::store {
namespace {

constexpr const char* kGroupColumns = "id, name, slug, timezone, language, country";

domain::Group read_group(const Query& q) {
  return {q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5)};
}

domain::Account read_account(const Query& q) {
  return domain::Account{q.int64(0), q.optional_int64(1), q.text(2), q.text(3),
                         domain::parse_role(q.text(4)).value_or(domain::Role::viewer)};
}

}  // namespace

domain::Group create_group(const Context& ctx, const GroupDraft& d) {
  domain::Group g;
  g.name = domain::check_line(d.name, "name", 1, 200);
  g.slug = domain::check_slug(d.slug);
  g.timezone = domain::check_timezone(d.timezone);
  g.language = domain::normalize_language(d.language);
  g.country = domain::check_country(d.country);
  return ctx.db.write([&] {
    if (find_group(ctx.db, g.slug))
      throw Error(ErrorCode::conflict, "a group with the slug " + g.slug + " exists already", "slug");
    ctx.db
        .query(
            "INSERT INTO \"group\" (name, slug, timezone, language, country, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            g.name, g.slug, g.timezone, g.language, g.country, ctx.now(), ctx.now())
        .run();
    g.id = ctx.db.last_insert_rowid();
    for (int offset : {2880, 180})
      for (const char* channel : {"sms", "email"})
        ctx.db
            .query("INSERT INTO reminder_rule (group_id, offset_minutes, channel) VALUES (?, ?, ?)", g.id, offset,
                   channel)
            .run();
    audit(ctx, g.id, "group.created", "group", g.id);
    return g;
  });
}

std::optional<domain::Group> find_group(Database& db, std::string_view slug) {
  auto q = db.query(std::string("SELECT ") + kGroupColumns + " FROM \"group\" WHERE slug = ?", slug);
  if (!q.step()) return std::nullopt;
  return read_group(q);
}

domain::Group get_group(Database& db, domain::Id id) {
  auto q = db.query(std::string("SELECT ") + kGroupColumns + " FROM \"group\" WHERE id = ?", id);
  if (!q.step()) throw not_found("group");
  return read_group(q);
}

domain::Group update_group(const Context& ctx, domain::Id id, const GroupPatch& patch) {
  std::optional<std::string> name, timezone, language;
  if (patch.name) name = domain::check_line(*patch.name, "name", 1, 200);
  if (patch.timezone) timezone = domain::check_timezone(*patch.timezone);
  if (patch.language) language = domain::check_supported_language(*patch.language);
  return ctx.db.write([&] {
    domain::Group g = get_group(ctx.db, id);
    nlohmann::json changed = nlohmann::json::array();
    auto set = [&](const std::optional<std::string>& value, const char* field, std::string& member) {
      if (!value || *value == member) return;
      member = *value;
      changed.push_back(field);
    };
    set(name, "name", g.name);
    set(timezone, "timezone", g.timezone);
    set(language, "language", g.language);
    if (changed.empty()) return g;
    ctx.db
        .query("UPDATE \"group\" SET name = ?, timezone = ?, language = ?, updated_at = ? WHERE id = ?", g.name,
               g.timezone, g.language, ctx.now(), id)
        .run();
    audit(ctx, id, "group.updated", "group", id, {{"changed", changed}});
    record_event(ctx, id, "group.updated", "group", id, {{"changed", changed}});
    return g;
  });
}

std::vector<domain::Group> list_groups(Database& db) {
  std::vector<domain::Group> out;
  auto q = db.query(std::string("SELECT ") + kGroupColumns + " FROM \"group\" ORDER BY id");
  while (q.step()) out.push_back(read_group(q));
  return out;
}

domain::Account create_account(const Context& ctx, const AccountDraft& d) {
  domain::Account a;
  auto role = domain::parse_role(d.role);
  if (!role) throw invalid("role", "role is one of admin, coordinator, viewer");
  a.role = *role;
  a.email = domain::normalize_email(d.email);
  a.name = domain::check_line(d.name, "name", 0, 200);
  a.group_id = d.group_id;
  if (a.role == domain::Role::admin && a.group_id)
    throw invalid("group", "an admin serves the whole instance and belongs to no group");
  if (a.role != domain::Role::admin && !a.group_id) throw invalid("group", "a coordinator or viewer needs a group");
  std::optional<std::string> hash;
  if (d.password) {
    if (d.password->size() < 10) throw invalid("password", "a password has at least 10 characters");
    if (d.password->size() > 1024) throw invalid("password", "a password has at most 1024 characters");
    hash = security::hash_password(*d.password);
  }
  return ctx.db.write([&] {
    if (a.group_id) get_group(ctx.db, *a.group_id);
    if (find_account(ctx.db, a.email))
      throw Error(ErrorCode::conflict, "an account with this email exists already", "email");
    ctx.db
        .query(
            "INSERT INTO account (group_id, email, name, role, password_hash, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            a.group_id, a.email, a.name, domain::to_string(a.role), hash, ctx.now(), ctx.now())
        .run();
    a.id = ctx.db.last_insert_rowid();
    audit(ctx, a.group_id, "account.created", "account", a.id, {{"role", domain::to_string(a.role)}});
    return a;
  });
}

std::optional<domain::Account> find_account(Database& db, std::string_view email) {
  auto q = db.query("SELECT id, group_id, email, name, role FROM account WHERE email = ?", email);
  if (!q.step()) return std::nullopt;
  return read_account(q);
}


domain::Account find_account_by_id(Database& db, domain::Id id) {
  auto q = db.query("SELECT id, group_id, email, name, role FROM account WHERE id = ?", id);
  if (!q.step()) throw not_found("account");
  return read_account(q);
}

std::vector<domain::Account> list_accounts(Database& db, domain::Id group_id) {
  std::vector<domain::Account> out;
  auto q = db.query("SELECT id, group_id, email, name, role FROM account WHERE group_id = ? ORDER BY id", group_id);
  while (q.step()) out.push_back(read_account(q));
  return out;
}

std::vector<ReminderRule> reminder_rules(Database& db, domain::Id group_id) {
  std::vector<ReminderRule> out;
  auto q = db.query("SELECT offset_minutes, channel FROM reminder_rule WHERE group_id = ? "
                    "ORDER BY offset_minutes DESC, channel",
                    group_id);
  while (q.step()) out.push_back({q.integer(0), q.text(1)});
  return out;
}

void set_reminder_rules(const Context& ctx, domain::Id group_id, const std::vector<int>& offsets,
                        const std::vector<std::string>& channels) {
  if (offsets.size() > 10) throw invalid("offsets_minutes", "at most 10 reminders");
  for (int o : offsets)
    if (o < 1 || o > 60 * 24 * 60) throw invalid("offsets_minutes", "each offset is 1 minute to 60 days, in minutes");
  for (const auto& c : channels)
    if (c != "sms" && c != "email") throw invalid("channels", "channels are sms and email");
  ctx.db.write([&] {
    get_group(ctx.db, group_id);
    ctx.db.query("DELETE FROM reminder_rule WHERE group_id = ?", group_id).run();
    for (int o : offsets)
      for (const auto& c : channels)
        ctx.db.query("INSERT OR IGNORE INTO reminder_rule (group_id, offset_minutes, channel) VALUES (?, ?, ?)",
                     group_id, o, c)
            .run();
    audit(ctx, group_id, "group.reminders_set", "group", group_id,
          {{"offsets_minutes", offsets}, {"channels", channels}});
    // The delivery planner re-plans the group's pending reminders on it.
    record_event(ctx, group_id, "group.reminders_set", "group", group_id,
                 {{"offsets_minutes", offsets}, {"channels", channels}});
  });
}

std::string create_api_token(const Context& ctx, domain::Id account_id, std::string_view label) {
  std::string token = security::new_token("tk_");
  std::string hash = security::hash_token(token);
  std::string clean_label = domain::check_line(label, "label", 0, 100);
  ctx.db.write([&] {
    auto q = ctx.db.query("SELECT group_id FROM account WHERE id = ?", account_id);
    if (!q.step()) throw not_found("account");
    auto group_id = q.optional_int64(0);
    ctx.db
        .query("INSERT INTO api_token (account_id, token_hash, label, created_at) VALUES (?, ?, ?, ?)", account_id,
               Blob(reinterpret_cast<const unsigned char*>(hash.data()), hash.size()), clean_label, ctx.now())
        .run();
    audit(ctx, group_id, "api_token.created", "api_token", ctx.db.last_insert_rowid());
  });
  return token;
}

}  // namespace turnout::store
