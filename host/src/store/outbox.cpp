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
      "provider_id, kind, meeting_id, assignment_id, encoding, segments, next_attempt_at, sent_at, delivered_at, "
      "COALESCE((SELECT name FROM volunteer WHERE id = volunteer_id), (SELECT name FROM account WHERE id = account_id), '') "
      "FROM outbox_message WHERE group_id = ?1 AND id > ?2 AND (?3 = '' OR status = ?3) "
      "ORDER BY id LIMIT ?4",
      group_id, f.after_id, f.status, std::clamp(f.limit, 1, 100000));
  auto time_or_none = [&](int c) { return q.is_null(c) ? std::nullopt : std::optional<domain::Time>(to_time(q.int64(c))); };
  while (q.step()) {
    OutboxMessage m;
    m.id = q.int64(0);
    m.channel = q.text(1);
    m.plugin = q.text(2);
    m.volunteer_id = q.optional_int64(3);
    m.account_id = q.optional_int64(4);
    m.subject = q.text(5);
    m.body = q.text(6);
    m.due_at = to_time(q.int64(7));
    m.status = q.text(8);
    m.attempts = q.integer(9);
    m.last_error = q.text(10);
    m.provider_id = q.text(11);
    m.kind = q.text(12);
    m.meeting_id = q.optional_int64(13);
    m.assignment_id = q.optional_int64(14);
    m.encoding = q.text(15);
    if (!q.is_null(16)) m.segments = q.integer(16);
    m.next_attempt_at = time_or_none(17);
    m.sent_at = time_or_none(18);
    m.delivered_at = time_or_none(19);
    m.to_name = q.text(20);
    out.push_back(std::move(m));
  }
  return out;
}

OutboxDepth outbox_depth(Database& db) {
  OutboxDepth d;
  auto q = db.query("SELECT status, count(*) FROM outbox_message WHERE status IN ('pending', 'sending') GROUP BY status");
  while (q.step()) (q.text(0) == "pending" ? d.pending : d.sending) = q.int64(1);
  return d;
}

}  // namespace turnout::store
