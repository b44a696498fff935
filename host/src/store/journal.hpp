// The two records of what happened, written inside the caller's transaction:
// the audit log (who did what) and domain events (what plugins react to).
// Neither ever holds contact data: details carry only ids, statuses and
// flags, and callers build them from those alone.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "store/context.hpp"

namespace turnout::store {

void audit(const Context& ctx, std::optional<domain::Id> group_id, std::string_view action,
           std::string_view entity_kind, std::optional<domain::Id> entity_id, const nlohmann::json& detail = {});

// Event types: meeting.created, meeting.updated, meeting.rescheduled,
// meeting.cancelled, assignment.created, assignment.updated,
// assignment.cancelled, volunteer.created, volunteer.erased, …
void record_event(const Context& ctx, domain::Id group_id, std::string_view type, std::string_view entity_kind,
                  domain::Id entity_id, const nlohmann::json& payload = {});

struct DomainEvent {
  domain::Id id = 0;
  domain::Time at{};
  domain::Id group_id = 0;
  std::string type;
  std::string entity_kind;
  domain::Id entity_id = 0;
  nlohmann::json payload;
};
// Events after `after_id`, oldest first: how listeners catch up after commit.
std::vector<DomainEvent> events_after(Database& db, domain::Id after_id, int limit = 1000);

struct AuditEntry {
  domain::Id id = 0;
  domain::Time at{};
  std::optional<domain::Id> group_id;
  std::string actor_kind;
  std::optional<domain::Id> actor_id;
  std::string actor_name;
  std::string action;
  std::string entity_kind;
  std::optional<domain::Id> entity_id;
  nlohmann::json detail;
};
std::vector<AuditEntry> audit_entries(Database& db, std::optional<domain::Id> group_id, int limit = 1000,
                                      domain::Id after_id = 0);

}  // namespace turnout::store
