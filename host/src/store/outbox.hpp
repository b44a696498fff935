// The outbox as coordinators see it. host/src/delivery fills and drains it
// (store/delivery.hpp holds its writes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/context.hpp"

namespace turnout::store {

struct OutboxMessage {
  domain::Id id = 0;
  std::string channel, plugin;
  std::optional<domain::Id> volunteer_id, account_id;
  std::string subject, body;
  domain::Time due_at{};
  std::string status;
  int attempts = 0;
  std::string last_error, provider_id;
  // What it is for and how it travels (delivery, schema 4).
  std::string kind;
  std::optional<domain::Id> meeting_id, assignment_id;
  std::string encoding;
  std::optional<int> segments;
  std::optional<domain::Time> next_attempt_at, sent_at, delivered_at;
  std::string to_name;  // the volunteer's or coordinator's name (never the number or address); empty once erased
};

struct OutboxFilter {
  std::string status;  // empty: all
  domain::Id after_id = 0;
  int limit = 100;
};
// Throws invalid("status") for a status that does not exist.
std::vector<OutboxMessage> list_outbox(Database& db, domain::Id group_id, const OutboxFilter& filter);

struct OutboxDepth {
  std::int64_t pending = 0, sending = 0;
};
OutboxDepth outbox_depth(Database& db);

}  // namespace turnout::store
