// What plugins keep between runs, and the host's own progress (the last
// domain event delivered to plugins).
#pragma once

#include <optional>
#include <string>

#include "store/context.hpp"

namespace turnout::store {

std::optional<std::string> plugin_value(Database& db, std::string_view plugin, std::string_view key);
void set_plugin_value(const Context& ctx, std::string_view plugin, std::string_view key, std::string_view value);
void erase_plugin_value(const Context& ctx, std::string_view plugin, std::string_view key);

// The newest domain event id, or 0.
domain::Id last_event_id(Database& db);

struct NewMessage {
  domain::Id group_id = 0;
  std::string idempotency_key, channel, plugin;
  std::optional<domain::Id> volunteer_id, account_id;
  std::string recipient, subject, body;
  domain::Time due_at{};
};
// Queues a message unless one with the same idempotency key exists; true
// when it was queued now, false when it was there already.
bool enqueue_message(const Context& ctx, const NewMessage& message);

}  // namespace turnout::store
