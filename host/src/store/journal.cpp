#include "store/journal.hpp"

#include "store/feeds.hpp"

namespace turnout::store {

void audit(const Context& ctx, std::optional<domain::Id> group_id, std::string_view action,
           std::string_view entity_kind, std::optional<domain::Id> entity_id, const nlohmann::json& detail) {
  ctx.db
      .query(
          "INSERT INTO audit_entry (at, group_id, actor_kind, actor_id, actor_name, action, entity_kind, entity_id, "
          "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          ctx.now(), group_id, domain::to_string(ctx.actor.kind), ctx.actor.id, ctx.actor.name, action, entity_kind,
          entity_id, detail.is_null() ? std::string("{}") : detail.dump())
      .run();
}

void record_event(const Context& ctx, domain::Id group_id, std::string_view type, std::string_view entity_kind,
                  domain::Id entity_id, const nlohmann::json& payload) {
  ctx.db
      .query("INSERT INTO domain_event (at, group_id, type, entity_kind, entity_id, payload) VALUES (?, ?, ?, ?, ?, ?)",
             ctx.now(), group_id, type, entity_kind, entity_id,
             payload.is_null() ? std::string("{}") : payload.dump())
      .run();
  // Rendered calendar feeds of the group go stale the moment this commits,
  // before the writer answers the request: the next fetch renders anew.
  ctx.db.after_commit([group_id] { bump_group_generation(group_id); });
}

std::vector<DomainEvent> events_after(Database& db, domain::Id after_id, int limit) {
  std::vector<DomainEvent> out;
  auto q = db.query(
      "SELECT id, at, group_id, type, entity_kind, entity_id, payload FROM domain_event WHERE id > ? ORDER BY id "
      "LIMIT ?",
      after_id, limit);
  while (q.step())
    out.push_back({q.int64(0), to_time(q.int64(1)), q.int64(2), q.text(3), q.text(4), q.int64(5),
                   nlohmann::json::parse(q.text(6))});
  return out;
}

std::vector<AuditEntry> audit_entries(Database& db, std::optional<domain::Id> group_id, int limit,
                                      domain::Id after_id) {
  std::vector<AuditEntry> out;
  auto q = db.query(
      "SELECT id, at, group_id, actor_kind, actor_id, actor_name, action, entity_kind, entity_id, detail "
      "FROM audit_entry WHERE (?1 IS NULL OR group_id = ?1) AND id > ?3 ORDER BY id LIMIT ?2",
      group_id, limit, after_id);
  while (q.step())
    out.push_back({q.int64(0), to_time(q.int64(1)), q.optional_int64(2), q.text(3), q.optional_int64(4), q.text(5),
                   q.text(6), q.text(7), q.optional_int64(8), nlohmann::json::parse(q.text(9))});
  return out;
}

}  // namespace turnout::store
