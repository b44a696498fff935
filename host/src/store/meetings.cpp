#include "store/meetings.hpp"

#include <fmt/format.h>

#include "domain/time.hpp"
#include "security/secrets.hpp"
#include "store/journal.hpp"

namespace turnout::store {
namespace {

constexpr const char* kBodyColumns =
    "id, group_id, name, kind, jurisdiction, timezone, minutes_per_speaker, signup_opens_minutes_before, "
    "signup_closes_minutes_before, remote_allowed, interpretation_lead_hours, written_limit_words, "
    "written_deadline_minutes_before, feed_public";

std::optional<int> optional_int(const Query& q, int column) {
  auto v = q.optional_int64(column);
  return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
}

domain::Body read_body(const Query& q) {
  domain::Body b;
  b.id = q.int64(0);
  b.group_id = q.int64(1);
  b.name = q.text(2);
  b.kind = domain::parse_body_kind(q.text(3)).value_or(domain::BodyKind::other);
  b.jurisdiction = q.text(4);
  b.timezone = q.text(5);
  auto& pc = b.public_comment;
  pc.minutes_per_speaker = q.integer(6);
  pc.signup_opens_minutes_before = optional_int(q, 7);
  pc.signup_closes_minutes_before = q.integer(8);
  pc.remote_allowed = q.boolean(9);
  pc.interpretation_lead_hours = q.integer(10);
  pc.written_limit_words = optional_int(q, 11);
  pc.written_deadline_minutes_before = optional_int(q, 12);
  b.feed_public = q.boolean(13);
  return b;
}

constexpr const char* kMeetingColumns =
    "id, group_id, body_id, title, starts_at, ends_at, timezone, location, remote_url, agenda_url, status, sequence, "
    "source, external_id, updated_at, coalesce(signup_token, '')";

domain::Meeting read_meeting(const Query& q) {
  domain::Meeting m;
  m.id = q.int64(0);
  m.group_id = q.int64(1);
  m.body_id = q.int64(2);
  m.title = q.text(3);
  m.starts_at = to_time(q.int64(4));
  m.ends_at = to_time(q.int64(5));
  m.timezone = q.text(6);
  m.location = q.text(7);
  m.remote_url = q.text(8);
  m.agenda_url = q.text(9);
  m.status = domain::parse_meeting_status(q.text(10)).value_or(domain::MeetingStatus::confirmed);
  m.sequence = q.integer(11);
  m.source = q.text(12);
  m.external_id = q.text(13);
  m.updated_at = to_time(q.int64(14));
  m.signup_token = q.text(15);
  return m;
}

constexpr const char* kSlotColumns =
    "s.id, s.meeting_id, s.agenda_item_id, s.role, s.\"order\", s.minutes, s.mode, s.language, s.capacity";

domain::Slot read_slot(const Query& q) {
  domain::Slot s;
  s.id = q.int64(0);
  s.meeting_id = q.int64(1);
  s.agenda_item_id = q.optional_int64(2);
  s.role = q.text(3);
  s.order = q.integer(4);
  s.minutes = q.integer(5);
  s.mode = domain::parse_slot_mode(q.text(6)).value_or(domain::SlotMode::in_person);
  s.language = q.text(7);
  s.capacity = q.integer(8);
  return s;
}

nlohmann::json meeting_event(const domain::Meeting& m) {
  return {{"meeting_id", m.id},
          {"body_id", m.body_id},
          {"status", domain::to_string(m.status)},
          {"sequence", m.sequence},
          {"starts_at", domain::format_rfc3339_utc(m.starts_at)},
          {"ends_at", domain::format_rfc3339_utc(m.ends_at)}};
}

domain::Meeting insert_meeting(const Context& ctx, domain::Meeting m) {
  m.signup_token = security::new_token("su_");
  ctx.db
      .query(
          "INSERT INTO meeting (group_id, body_id, title, starts_at, ends_at, timezone, location, remote_url, "
          "agenda_url, status, sequence, source, external_id, signup_token, created_at, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
          m.group_id, m.body_id, m.title, to_seconds(m.starts_at), to_seconds(m.ends_at), m.timezone, m.location,
          m.remote_url, m.agenda_url, domain::to_string(m.status), m.source, m.external_id, m.signup_token, ctx.now(),
          ctx.now())
      .run();
  m.id = ctx.db.last_insert_rowid();
  m.updated_at = to_time(ctx.now());
  audit(ctx, m.group_id, "meeting.created", "meeting", m.id);
  record_event(ctx, m.group_id, "meeting.created", "meeting", m.id, meeting_event(m));
  return m;
}

}  // namespace

domain::Body create_body(const Context& ctx, const domain::Group& group, const domain::BodyDraft& draft) {
  domain::Body b = domain::validate_body(draft, group);
  return ctx.db.write([&] {
    const auto& pc = b.public_comment;
    ctx.db
        .query(
            "INSERT INTO body (group_id, name, kind, jurisdiction, timezone, minutes_per_speaker, "
            "signup_opens_minutes_before, signup_closes_minutes_before, remote_allowed, interpretation_lead_hours, "
            "written_limit_words, written_deadline_minutes_before, feed_public, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            b.group_id, b.name, domain::to_string(b.kind), b.jurisdiction, b.timezone, pc.minutes_per_speaker,
            pc.signup_opens_minutes_before, pc.signup_closes_minutes_before, pc.remote_allowed,
            pc.interpretation_lead_hours, pc.written_limit_words, pc.written_deadline_minutes_before, b.feed_public,
            ctx.now(), ctx.now())
        .run();
    b.id = ctx.db.last_insert_rowid();
    audit(ctx, b.group_id, "body.created", "body", b.id);
    record_event(ctx, b.group_id, "body.created", "body", b.id);
    return b;
  });
}

domain::Body update_body(const Context& ctx, domain::Id group_id, domain::Id id, const domain::BodyDraft& draft) {
  return ctx.db.write([&] {
    const domain::Body before = get_body(ctx.db, group_id, id);
    domain::Body b = before;
    domain::apply_body(b, draft);
    // The names of what changed, never the values: a body's name is not
    // contact data, but the audit log keeps to ids, flags and field names.
    const auto& was = before.public_comment;
    const auto& now = b.public_comment;
    nlohmann::json changed = nlohmann::json::array();
    auto note = [&](bool differs, const char* field) {
      if (differs) changed.push_back(field);
    };
    note(b.name != before.name, "name");
    note(b.kind != before.kind, "kind");
    note(b.jurisdiction != before.jurisdiction, "jurisdiction");
    note(b.timezone != before.timezone, "timezone");
    note(now.minutes_per_speaker != was.minutes_per_speaker, "minutes_per_speaker");
    note(now.signup_opens_minutes_before != was.signup_opens_minutes_before, "signup_opens_minutes_before");
    note(now.signup_closes_minutes_before != was.signup_closes_minutes_before, "signup_closes_minutes_before");
    note(now.remote_allowed != was.remote_allowed, "remote_allowed");
    note(now.interpretation_lead_hours != was.interpretation_lead_hours, "interpretation_lead_hours");
    note(now.written_limit_words != was.written_limit_words, "written_limit_words");
    note(now.written_deadline_minutes_before != was.written_deadline_minutes_before, "written_deadline_minutes_before");
    note(b.feed_public != before.feed_public, "feed_public");
    if (changed.empty()) return b;
    ctx.db
        .query(
            "UPDATE body SET name = ?, kind = ?, jurisdiction = ?, timezone = ?, minutes_per_speaker = ?, "
            "signup_opens_minutes_before = ?, signup_closes_minutes_before = ?, remote_allowed = ?, "
            "interpretation_lead_hours = ?, written_limit_words = ?, written_deadline_minutes_before = ?, "
            "feed_public = ?, updated_at = ? WHERE id = ? AND group_id = ?",
            b.name, domain::to_string(b.kind), b.jurisdiction, b.timezone, now.minutes_per_speaker,
            now.signup_opens_minutes_before, now.signup_closes_minutes_before, now.remote_allowed,
            now.interpretation_lead_hours, now.written_limit_words, now.written_deadline_minutes_before, b.feed_public,
            ctx.now(), b.id, group_id)
        .run();
    nlohmann::json detail{{"changed", changed}, {"feed_public", b.feed_public}};
    audit(ctx, group_id, "body.updated", "body", b.id, detail);
    // The event makes the group's rendered feeds stale (the body's name is in
    // its public feed, its meetings in every feed of the group) and has the
    // delivery planner re-plan the deadline reminders its rules move.
    record_event(ctx, group_id, "body.updated", "body", b.id, detail);
    return b;
  });
}

domain::Body get_body(Database& db, domain::Id group_id, domain::Id id) {
  auto q = db.query(fmt::format("SELECT {} FROM body WHERE id = ? AND group_id = ?", kBodyColumns), id, group_id);
  if (!q.step()) throw not_found("body");
  return read_body(q);
}

std::vector<domain::Body> list_bodies(Database& db, domain::Id group_id) {
  std::vector<domain::Body> out;
  auto q = db.query(fmt::format("SELECT {} FROM body WHERE group_id = ? ORDER BY name, id", kBodyColumns), group_id);
  while (q.step()) out.push_back(read_body(q));
  return out;
}

domain::Meeting create_meeting(const Context& ctx, domain::Id group_id, const domain::MeetingDraft& draft) {
  return create_imported_meeting(ctx, group_id, draft, "", "");
}

std::optional<domain::Meeting> find_meeting_by_source(Database& db, domain::Id group_id, std::string_view source,
                                                      std::string_view external_id) {
  auto q = db.query(
      fmt::format("SELECT {} FROM meeting WHERE group_id = ? AND source = ? AND external_id = ?", kMeetingColumns),
      group_id, source, external_id);
  if (!q.step()) return std::nullopt;
  return read_meeting(q);
}

domain::Meeting create_imported_meeting(const Context& ctx, domain::Id group_id, const domain::MeetingDraft& draft,
                                        std::string_view source, std::string_view external_id) {
  if (!draft.body_id) throw invalid("body_id", "a meeting needs the body that holds it");
  return ctx.db.write([&] {
    domain::Body body = get_body(ctx.db, group_id, *draft.body_id);
    domain::Meeting m = domain::validate_meeting(draft, body);
    m.source = source;
    m.external_id = external_id;
    if (!source.empty() && find_meeting_by_source(ctx.db, group_id, source, external_id))
      throw Error(ErrorCode::conflict, "this meeting was imported already");
    return insert_meeting(ctx, std::move(m));
  });
}

domain::Meeting get_meeting(Database& db, domain::Id group_id, domain::Id id) {
  auto q = db.query(fmt::format("SELECT {} FROM meeting WHERE id = ? AND group_id = ?", kMeetingColumns), id, group_id);
  if (!q.step()) throw not_found("meeting");
  return read_meeting(q);
}

domain::Meeting update_meeting(const Context& ctx, domain::Id group_id, domain::Id id, const domain::MeetingDraft& draft) {
  if (draft.body_id) throw invalid("body_id", "a meeting cannot move to another body; create a new meeting");
  return ctx.db.write([&] {
    const domain::Meeting before = get_meeting(ctx.db, group_id, id);
    domain::Meeting m = before;
    domain::apply_meeting(m, draft);
    domain::MeetingChange change = domain::classify_change(before, m);
    if (!change.any) return m;
    if (change.significant) ++m.sequence;
    ctx.db
        .query(
            "UPDATE meeting SET title = ?, starts_at = ?, ends_at = ?, timezone = ?, location = ?, remote_url = ?, "
            "agenda_url = ?, status = ?, sequence = ?, updated_at = ? WHERE id = ?",
            m.title, to_seconds(m.starts_at), to_seconds(m.ends_at), m.timezone, m.location, m.remote_url,
            m.agenda_url, domain::to_string(m.status), m.sequence, ctx.now(), m.id)
        .run();
    m.updated_at = to_time(ctx.now());
    nlohmann::json detail = meeting_event(m);
    if (change.rescheduled) {
      detail["previous_starts_at"] = domain::format_rfc3339_utc(before.starts_at);
      detail["previous_ends_at"] = domain::format_rfc3339_utc(before.ends_at);
    }
    // One event per change; a postponement that also names other times is
    // a postponement (nobody should come at the new time until it is set).
    const char* type = change.cancelled    ? "meeting.cancelled"
                       : change.postponed  ? "meeting.postponed"
                       : change.rescheduled ? "meeting.rescheduled"
                                            : "meeting.updated";
    audit(ctx, group_id, type, "meeting", m.id, {{"sequence", m.sequence}, {"status", domain::to_string(m.status)}});
    record_event(ctx, group_id, type, "meeting", m.id, detail);
    return m;
  });
}

std::vector<domain::Meeting> list_meetings(Database& db, domain::Id group_id, const MeetingFilter& f) {
  std::vector<domain::Meeting> out;
  std::optional<std::int64_t> from, to;
  if (f.from) from = to_seconds(*f.from);
  if (f.to) to = to_seconds(*f.to);
  std::optional<std::string> status;
  if (f.status) status = std::string(domain::to_string(*f.status));
  auto q = db.query(fmt::format("SELECT {} FROM meeting WHERE group_id = ?1 AND (?2 IS NULL OR ends_at > ?2) "
                                "AND (?3 IS NULL OR starts_at < ?3) AND (?4 IS NULL OR status = ?4) "
                                "AND (?5 IS NULL OR body_id = ?5) AND (?6 IS NULL OR (starts_at, id) > (?6, ?7)) "
                                "ORDER BY starts_at, id LIMIT ?8",
                                kMeetingColumns),
                    group_id, from, to, status, f.body_id,
                    f.after ? std::optional<std::int64_t>(f.after->first) : std::nullopt,
                    f.after ? f.after->second : 0, std::clamp(f.limit, 1, 100000));
  while (q.step()) out.push_back(read_meeting(q));
  return out;
}

std::optional<domain::Meeting> find_meeting_by_signup_token(Database& db, std::string_view token) {
  auto q = db.query(fmt::format("SELECT {} FROM meeting WHERE signup_token = ?", kMeetingColumns), token);
  if (!q.step()) return std::nullopt;
  return read_meeting(q);
}

std::string rotate_signup_token(const Context& ctx, domain::Id group_id, domain::Id meeting_id) {
  std::string token = security::new_token("su_");
  ctx.db.write([&] {
    get_meeting(ctx.db, group_id, meeting_id);
    ctx.db.query("UPDATE meeting SET signup_token = ?, updated_at = ? WHERE id = ?", token, ctx.now(), meeting_id).run();
    audit(ctx, group_id, "meeting.signup_link_rotated", "meeting", meeting_id);
  });
  return token;
}

void close_signup_link(const Context& ctx, domain::Id group_id, domain::Id meeting_id) {
  ctx.db.write([&] {
    get_meeting(ctx.db, group_id, meeting_id);
    ctx.db.query("UPDATE meeting SET signup_token = NULL, updated_at = ? WHERE id = ?", ctx.now(), meeting_id).run();
    audit(ctx, group_id, "meeting.signup_link_closed", "meeting", meeting_id);
  });
}

domain::AgendaItem create_agenda_item(const Context& ctx, domain::Id group_id, domain::Id meeting_id,
                                      const domain::AgendaItemDraft& draft) {
  domain::AgendaItem item = domain::validate_agenda_item(draft);
  return ctx.db.write([&] {
    get_meeting(ctx.db, group_id, meeting_id);
    item.meeting_id = meeting_id;
    ctx.db
        .query(
            "INSERT INTO agenda_item (meeting_id, number, title, matter, stance, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            meeting_id, item.number, item.title, item.matter, domain::to_string(item.stance), ctx.now(), ctx.now())
        .run();
    item.id = ctx.db.last_insert_rowid();
    item.updated_at = to_time(ctx.now());
    audit(ctx, group_id, "agenda_item.created", "agenda_item", item.id);
    record_event(ctx, group_id, "agenda_item.created", "agenda_item", item.id, {{"meeting_id", meeting_id}});
    return item;
  });
}

std::vector<domain::AgendaItem> list_agenda_items(Database& db, domain::Id group_id, domain::Id meeting_id) {
  get_meeting(db, group_id, meeting_id);
  std::vector<domain::AgendaItem> out;
  auto q = db.query("SELECT id, meeting_id, number, title, matter, stance, updated_at FROM agenda_item "
                    "WHERE meeting_id = ? ORDER BY id",
                    meeting_id);
  while (q.step())
    out.push_back({q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4),
                   domain::parse_stance(q.text(5)).value_or(domain::Stance::neutral), to_time(q.int64(6))});
  return out;
}

domain::Slot create_slot(const Context& ctx, domain::Id group_id, domain::Id meeting_id, const domain::SlotDraft& draft) {
  return ctx.db.write([&] {
    domain::Meeting m = get_meeting(ctx.db, group_id, meeting_id);
    domain::Body body = get_body(ctx.db, group_id, m.body_id);
    domain::Slot s = domain::validate_slot(draft, body.public_comment);
    if (s.mode == domain::SlotMode::remote && !body.public_comment.remote_allowed)
      throw invalid("mode", "this body does not take remote testimony");
    if (s.agenda_item_id) {
      auto q = ctx.db.query("SELECT 1 FROM agenda_item WHERE id = ? AND meeting_id = ?", *s.agenda_item_id, meeting_id);
      if (!q.step()) throw invalid("agenda_item_id", "no such agenda item on this meeting");
    }
    s.meeting_id = meeting_id;
    ctx.db
        .query(
            "INSERT INTO slot (meeting_id, agenda_item_id, role, \"order\", minutes, mode, language, capacity, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            meeting_id, s.agenda_item_id, s.role, s.order, s.minutes, domain::to_string(s.mode), s.language,
            s.capacity, ctx.now(), ctx.now())
        .run();
    s.id = ctx.db.last_insert_rowid();
    audit(ctx, group_id, "slot.created", "slot", s.id, {{"capacity", s.capacity}});
    record_event(ctx, group_id, "slot.created", "slot", s.id, {{"meeting_id", meeting_id}});
    return s;
  });
}

domain::Slot get_slot(Database& db, domain::Id group_id, domain::Id id) {
  auto q = db.query(fmt::format("SELECT {} FROM slot s JOIN meeting m ON m.id = s.meeting_id "
                                "WHERE s.id = ? AND m.group_id = ?",
                                kSlotColumns),
                    id, group_id);
  if (!q.step()) throw not_found("slot");
  return read_slot(q);
}

std::vector<domain::Slot> list_slots(Database& db, domain::Id group_id, domain::Id meeting_id) {
  get_meeting(db, group_id, meeting_id);
  std::vector<domain::Slot> out;
  auto q = db.query(fmt::format("SELECT {} FROM slot s WHERE s.meeting_id = ? ORDER BY s.\"order\", s.id", kSlotColumns),
                    meeting_id);
  while (q.step()) out.push_back(read_slot(q));
  return out;
}

domain::Slot set_slot_order(const Context& ctx, domain::Id group_id, domain::Id id, int order) {
  if (order < 0 || order > 100000) throw invalid("order", "order is a number from 0 to 100000");
  return ctx.db.write([&] {
    domain::Slot s = get_slot(ctx.db, group_id, id);
    ctx.db.query("UPDATE slot SET \"order\" = ?, updated_at = ? WHERE id = ?", order, ctx.now(), id).run();
    s.order = order;
    audit(ctx, group_id, "slot.reordered", "slot", id);
    return s;
  });
}

}  // namespace turnout::store
