// The outbox as the delivery layer drives it: planning (what should be
// queued), dispatching (what is due, and what became of each attempt),
// delivery reports, and replies with their keywords. Every write goes
// through the caller's Context (the writer's transaction); opting out
// touches the volunteer and the outbox in one transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/delivery.hpp"
#include "store/context.hpp"

namespace turnout::store {

// Which meetings a planning pass looks at. Empty fields: all.
struct PlanScope {
  std::optional<domain::Id> group_id;
  std::optional<domain::Id> meeting_id;
  // The horizon: messages due up to this moment are written to the outbox.
  // Later ones are not written yet; the periodic pass writes them as they
  // come within it (see docs/delivery.md, "The horizon"). Only meetings
  // starting before this plus the longest lead of a reminder or deadline
  // are read.
  domain::Time until{};
  // Confirmation requests (due when the place was taken) are written for
  // places on meetings starting up to this moment. Unset: the same reach
  // as the other messages.
  std::optional<domain::Time> meetings_until;
};
struct PlanResult {
  std::int64_t rows = 0;       // places read
  std::int64_t wanted = 0;     // messages the rules ask for, due within the horizon
  std::int64_t later = 0;      // messages the rules ask for beyond the horizon (not written yet)
  std::int64_t queued = 0;     // new or revived rows
  std::int64_t cancelled = 0;  // pending rows no longer wanted
};
// Derives reminders, confirmation requests, deadline messages and the
// interpreter notices to coordinators from the group's rules and data, and
// brings the pending part of the outbox in line: adds what is missing (a key
// that exists already is never queued twice), cancels what is no longer
// wanted. Runs inside one write transaction.
PlanResult plan_messages(const Context& ctx, const PlanScope& scope);
// The same derivation without writing: how many messages the rules want
// within the horizon.
// (For the benchmark's peer figure.)
std::int64_t count_wanted_messages(Database& db, const PlanScope& scope, domain::Time now);
// The rows a pass reads (the same statement), stepped through with nothing
// derived: the benchmark's peer figure. Returns how many; adds to checksum.
std::int64_t step_plan_rows(Database& db, const PlanScope& scope, domain::Time now, std::int64_t& checksum);

// Queues "meeting cancelled" or "meeting moved" for everyone holding a place
// on the meeting, due at once. kind: meeting_cancelled or meeting_moved.
int queue_meeting_notices(const Context& ctx, domain::Id group_id, domain::Id meeting_id, std::string_view kind);

// A row the dispatcher works on.
struct DueMessage {
  domain::Id id = 0, group_id = 0;
  std::string idempotency_key, channel;
  std::optional<domain::Id> volunteer_id, account_id, meeting_id, assignment_id;
  std::string recipient, subject, body, kind, language, timezone, provider_id;
  int offset_minutes = 0;
  std::optional<domain::Time> expires_at;
  int attempts = 0;
  bool recipient_opted_out = false;
};
// Pending rows on these channels whose next attempt is due, oldest first.
std::vector<DueMessage> due_messages(Database& db, const std::vector<std::string>& channels, domain::Time now,
                                     int limit);
// The earliest next attempt among pending rows on these channels.
std::optional<domain::Time> next_attempt(Database& db, const std::vector<std::string>& channels);
// Rows left in `sending` on a channel (after a crash).
std::vector<DueMessage> sending_messages(Database& db, std::string_view channel);

struct Rendered {
  std::string subject, body, encoding;
  std::optional<int> segments;
};
// pending -> sending, durably, with the text that is about to go. False when
// the row is no longer pending (erased, opted out, cancelled meanwhile).
bool mark_sending(const Context& ctx, domain::Id id, const Rendered& text);
// sending -> sent.
void mark_sent(const Context& ctx, domain::Id id, std::string_view provider_id);
// sending -> pending again at `retry_at`, or -> failed when `give_up`.
void mark_retry(const Context& ctx, domain::Id id, std::string_view error, domain::Time retry_at);
void mark_failed(const Context& ctx, domain::Id id, std::string_view error);
// pending -> cancelled (the meeting started, the channel cannot word it, ...).
void cancel_pending(const Context& ctx, domain::Id id, std::string_view reason);
// pending stays pending, tried again at `at`, with the reason shown.
void defer(const Context& ctx, domain::Id id, domain::Time at, std::string_view reason);
// sending -> pending (reconciled: it surely did not leave).
void requeue_sending(const Context& ctx, domain::Id id);

// A gateway's report. False when no message on the channel has that id.
bool record_delivery_report(const Context& ctx, std::string_view channel, std::string_view provider_id,
                            std::string_view status, std::string_view error);

struct ReplyOutcome {
  bool accepted = false;
  std::string handled_as;          // opt_out, opt_in, help, confirm, decline, other, duplicate, unknown_sender
  std::vector<domain::Id> groups;  // groups whose data changed
};
// Applies a reply from `from` (E.164) in one transaction: records it, opts
// the number out (volunteer and pending outbox rows together) or back in,
// confirms or declines the assignment the last confirmation request asked
// about (telling the coordinators of a NO), and queues the one answer.
ReplyOutcome apply_reply(const Context& ctx, std::string_view channel, std::string_view from, std::string_view text,
                         std::string_view provider_id);

// A group's extra reply words (e.g. ALTO -> opt_out).
std::vector<domain::ReplyKeyword> reply_keywords(Database& db, domain::Id group_id);
void set_reply_keywords(const Context& ctx, domain::Id group_id, const std::vector<domain::ReplyKeyword>& words);

// A group's own template for a channel, kind and language, if it set one.
std::optional<std::string> message_template(Database& db, domain::Id group_id, std::string_view channel,
                                            std::string_view kind, std::string_view language);

struct MessageTemplateRow {
  std::string channel, kind, language, body;
  domain::Time updated_at{};
};
// Every template the group set, by channel, kind and language.
std::vector<MessageTemplateRow> message_templates(Database& db, domain::Id group_id);
// Sets or replaces one (the caller checked the text); audited without the text.
void set_message_template(const Context& ctx, domain::Id group_id, std::string_view channel, std::string_view kind,
                          std::string_view language, std::string_view body);
// Back to the channel's own wording; false when the group had none.
bool delete_message_template(const Context& ctx, domain::Id group_id, std::string_view channel,
                             std::string_view kind, std::string_view language);

struct InboundRow {
  domain::Id id = 0;
  std::string channel;
  std::optional<domain::Id> volunteer_id, assignment_id;
  std::string body, handled_as;
  domain::Time received_at{};
};
std::vector<InboundRow> list_inbound(Database& db, domain::Id group_id, domain::Id after_id, int limit);

}  // namespace turnout::store
