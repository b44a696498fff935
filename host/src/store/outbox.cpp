#include "store/outbox.hpp"

#include <algorithm>
#include <array>

#include "domain/error.hpp"

namespace turnout::store {

std::vector<OutboxMessage> list_outbox(Database& db, domain::Id group_id, const OutboxFilter& f) {
  static constexpr std::array<std::string_view, 7> kStatuses{"pending",   "sending",   "sent",      "delivered",
                                                             "failed",    "cancelled", "suppressed"};
  if (!f.status.empty() && std::find(kStatuses.begin(), kStatuses.end(), f.status) == kStatuses.end())
    throw invalid("status", "status is one of pending, sending, sent, delivered, failed, cancelled, suppressed");
  std::vector<OutboxMessage> out;
  auto q = db.query(
      "SELECT id, channel, plugin, volunteer_id, account_id, subject, body, due_at, status, attempts, last_error, "
      "provider_id FROM outbox_message WHERE group_id = ?1 AND id > ?2 AND (?3 = '' OR status = ?3) "
      "ORDER BY id LIMIT ?4",
      group_id, f.after_id, f.status, std::clamp(f.limit, 1, 100000));
  while (q.step())
    out.push_back({q.int64(0), q.text(1), q.text(2), q.optional_int64(3), q.optional_int64(4), q.text(5), q.text(6),
                   to_time(q.int64(7)), q.text(8), q.integer(9), q.text(10), q.text(11)});
  return out;
}

OutboxDepth outbox_depth(Database& db) {
  OutboxDepth d;
  auto q = db.query("SELECT status, count(*) FROM outbox_message WHERE status IN ('pending', 'sending') GROUP BY status");
  while (q.step()) (q.text(0) == "pending" ? d.pending : d.sending) = q.int64(1);
  return d;
}

}  // namespace turnout::store
