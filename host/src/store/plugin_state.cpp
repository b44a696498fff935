#include "store/plugin_state.hpp"

#include "domain/error.hpp"
#include "domain/validate.hpp"
#include "store/groups.hpp"
#include "store/volunteers.hpp"

namespace turnout::store {

std::optional<std::string> plugin_value(Database& db, std::string_view plugin, std::string_view key) {
  auto q = db.query("SELECT value FROM plugin_kv WHERE plugin = ? AND key = ?", plugin, key);
  if (!q.step()) return std::nullopt;
  return q.blob(0);
}

void set_plugin_value(const Context& ctx, std::string_view plugin, std::string_view key, std::string_view value) {
  if (key.empty() || key.size() > 200) throw invalid("key", "a key is 1 to 200 bytes");
  if (value.size() > 1024 * 1024) throw invalid("value", "a value is at most 1 MiB");
  ctx.db.write([&] {
    ctx.db
        .query("INSERT INTO plugin_kv (plugin, key, value, updated_at) VALUES (?, ?, ?, ?) "
               "ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
               plugin, key, Blob(reinterpret_cast<const unsigned char*>(value.data()), value.size()), ctx.now())
        .run();
  });
}

void erase_plugin_value(const Context& ctx, std::string_view plugin, std::string_view key) {
  ctx.db.write([&] { ctx.db.query("DELETE FROM plugin_kv WHERE plugin = ? AND key = ?", plugin, key).run(); });
}

domain::Id last_event_id(Database& db) {
  auto q = db.query("SELECT coalesce(max(id), 0) FROM domain_event");
  q.step();
  return q.int64(0);
}

bool enqueue_message(const Context& ctx, const NewMessage& m) {
  if (m.idempotency_key.empty() || m.idempotency_key.size() > 200)
    throw invalid("idempotency_key", "an idempotency key is 1 to 200 bytes");
  if (m.channel.empty() || m.channel.size() > 40) throw invalid("channel", "a channel is a short name such as sms");
  // Recipients and subjects end up in headers and envelopes: no line breaks.
  domain::check_line(m.recipient, "recipient", 0, 320);
  domain::check_line(m.subject, "subject", 0, 300);
  if (!domain::is_valid_utf8(m.body)) throw invalid("body", "the text is not valid UTF-8");
  return ctx.db.write([&] {
    get_group(ctx.db, m.group_id);
    if (m.volunteer_id) get_volunteer(ctx.db, m.group_id, *m.volunteer_id);  // never another group's person
    ctx.db
        .query("INSERT OR IGNORE INTO outbox_message (group_id, idempotency_key, channel, plugin, volunteer_id, "
               "account_id, recipient, subject, body, due_at, next_attempt_at, created_at, updated_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?11)",
               m.group_id, m.idempotency_key, m.channel, m.plugin, m.volunteer_id, m.account_id, m.recipient,
               m.subject, m.body, to_seconds(m.due_at), ctx.now())
        .run();
    return ctx.db.changes() == 1;
  });
}

}  // namespace turnout::store
