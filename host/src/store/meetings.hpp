// Bodies, their meetings, agenda items and slots.
#pragma once

#include <optional>
#include <vector>

#include "domain/drafts.hpp"
#include "domain/error.hpp"
#include "domain/rules.hpp"
#include "store/context.hpp"

namespace turnout::store {

domain::Body create_body(const Context& ctx, const domain::Group& group, const domain::BodyDraft& draft);
domain::Body get_body(Database& db, domain::Id group_id, domain::Id id);
// Changes only what the draft names, checked as creation checks it (the
// result whole). A body's zone is the default for its new meetings only:
// each meeting keeps its own. Audits and emits body.updated with the names
// of the fields that changed; nothing changed, nothing written.
domain::Body update_body(const Context& ctx, domain::Id group_id, domain::Id id, const domain::BodyDraft& draft);
std::vector<domain::Body> list_bodies(Database& db, domain::Id group_id);

domain::Meeting create_meeting(const Context& ctx, domain::Id group_id, const domain::MeetingDraft& draft);
domain::Meeting get_meeting(Database& db, domain::Id group_id, domain::Id id);
// Changes only what the draft names. A change a calendar would show bumps
// the meeting's sequence; moving it emits meeting.rescheduled, cancelling
// it meeting.cancelled, anything else meeting.updated.
domain::Meeting update_meeting(const Context& ctx, domain::Id group_id, domain::Id id, const domain::MeetingDraft& draft);

struct MeetingFilter {
  std::optional<domain::Time> from, to;  // meetings ending after `from`, starting before `to`
  std::optional<domain::MeetingStatus> status;
  std::optional<domain::Id> body_id;
  std::optional<std::pair<std::int64_t, domain::Id>> after;  // (starts_at, id) of the last row seen
  int limit = 100;
};
std::vector<domain::Meeting> list_meetings(Database& db, domain::Id group_id, const MeetingFilter& filter);

// Creates a meeting unless one with the same source and external id exists
// (importers and demo data use this to stay idempotent).
std::optional<domain::Meeting> find_meeting_by_source(Database& db, domain::Id group_id, std::string_view source,
                                                      std::string_view external_id);
domain::Meeting create_imported_meeting(const Context& ctx, domain::Id group_id, const domain::MeetingDraft& draft,
                                        std::string_view source, std::string_view external_id);

// The meeting behind a public sign-up link, in any group (the link is the key).
std::optional<domain::Meeting> find_meeting_by_signup_token(Database& db, std::string_view token);
// A new public sign-up link for the meeting; the old one stops working.
std::string rotate_signup_token(const Context& ctx, domain::Id group_id, domain::Id meeting_id);
// Turns public sign-up off: the link stops working and the meeting has none
// until rotate_signup_token makes a new one.
void close_signup_link(const Context& ctx, domain::Id group_id, domain::Id meeting_id);

domain::AgendaItem create_agenda_item(const Context& ctx, domain::Id group_id, domain::Id meeting_id,
                                      const domain::AgendaItemDraft& draft);
std::vector<domain::AgendaItem> list_agenda_items(Database& db, domain::Id group_id, domain::Id meeting_id);

domain::Slot create_slot(const Context& ctx, domain::Id group_id, domain::Id meeting_id, const domain::SlotDraft& draft);
domain::Slot get_slot(Database& db, domain::Id group_id, domain::Id id);
std::vector<domain::Slot> list_slots(Database& db, domain::Id group_id, domain::Id meeting_id);
// Moves a slot in its meeting's speaking order (the slot board's up and down).
domain::Slot set_slot_order(const Context& ctx, domain::Id group_id, domain::Id id, int order);

}  // namespace turnout::store
