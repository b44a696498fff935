#include "store/assignments.hpp"

#include <fmt/format.h>

#include "domain/validate.hpp"
#include "store/journal.hpp"
#include "store/meetings.hpp"
#include "store/volunteers.hpp"

namespace turnout::store {
namespace {

constexpr const char* kColumns =
    "a.id, a.slot_id, a.volunteer_id, a.status, a.stance, a.outcome, a.join_url, a.needs_interpreter, a.forced, "
    "a.created_at, a.updated_at";

domain::Assignment read_assignment(const Query& q) {
  domain::Assignment a;
  a.id = q.int64(0);
  a.slot_id = q.int64(1);
  a.volunteer_id = q.optional_int64(2);
  a.status = domain::parse_assignment_status(q.text(3)).value_or(domain::AssignmentStatus::invited);
  if (auto s = q.optional_text(4)) a.stance = domain::parse_stance(*s);
  if (auto o = q.optional_text(5)) a.outcome = domain::parse_outcome(*o);
  a.join_url = q.text(6);
  a.needs_interpreter = q.text(7);
  a.forced = q.boolean(8);
  a.created_at = to_time(q.int64(9));
  a.updated_at = to_time(q.int64(10));
  return a;
}

std::optional<std::string> name_of(const std::optional<domain::Stance>& s) {
  return s ? std::optional<std::string>(domain::to_string(*s)) : std::nullopt;
}
std::optional<std::string> name_of(const std::optional<domain::Outcome>& o) {
  return o ? std::optional<std::string>(domain::to_string(*o)) : std::nullopt;
}

// The other slot this volunteer holds at the same time, if any.
std::optional<domain::Id> overlapping_slot(Database& db, domain::Id volunteer_id, domain::Id slot_id,
                                           const domain::Meeting& m) {
  auto q = db.query(
      "SELECT a.slot_id FROM assignment a JOIN slot s ON s.id = a.slot_id JOIN meeting m ON m.id = s.meeting_id "
      "WHERE a.volunteer_id = ?1 AND a.slot_id <> ?2 "
      "AND a.status IN ('invited', 'confirmed', 'attended', 'no_show') "
      "AND m.status NOT IN ('cancelled', 'postponed') AND m.starts_at < ?4 AND m.ends_at > ?3 LIMIT 1",
      volunteer_id, slot_id, to_seconds(m.starts_at), to_seconds(m.ends_at));
  if (!q.step()) return std::nullopt;
  return q.int64(0);
}

// Checks that taking (or taking back) a place on `slot` is allowed; returns
// whether an overlap was overridden by force.
bool check_place(Database& db, const domain::Slot& slot, const domain::Meeting& meeting, domain::Id volunteer_id,
                 bool force) {
  if (places_taken(db, slot.id) >= slot.capacity)
    throw Error(ErrorCode::full, "this slot is full", "slot_id");
  auto other = overlapping_slot(db, volunteer_id, slot.id, meeting);
  if (other && !force)
    throw Error(ErrorCode::conflict,
                fmt::format("this volunteer already holds slot {} at the same time; send force to place them anyway",
                            *other),
                "volunteer_id");
  return other.has_value();
}

// The schema's capacity triggers are the last line of defence; should one
// ever fire, the caller still hears "full", not a database failure.
template <typename Fn>
void guard_capacity(Fn&& write) {
  try {
    write();
  } catch (const DatabaseError& e) {
    if (std::string_view(e.what()).find("turnout: slot full") != std::string_view::npos)
      throw Error(ErrorCode::full, "this slot is full", "slot_id");
    throw;
  }
}

std::string check_interpreter_language(const std::string& lang) {
  return lang.empty() ? std::string() : domain::normalize_language(lang, "needs_interpreter");
}

}  // namespace

int places_taken(Database& db, domain::Id slot_id) {
  auto q = db.query(
      "SELECT count(*) FROM assignment WHERE slot_id = ? AND status IN ('invited', 'confirmed', 'attended', 'no_show')",
      slot_id);
  q.step();
  return q.integer(0);
}

domain::Assignment claim_slot(const Context& ctx, domain::Id group_id, const Claim& c) {
  if (c.public_signup && c.force) throw Error(ErrorCode::forbidden, "a public sign-up cannot force a place", "force");
  if (!domain::holds_place(c.status))
    throw invalid("status", "a new assignment is invited or confirmed (or attended or no_show, when recorded afterwards)");
  std::string interpreter = check_interpreter_language(c.needs_interpreter);
  std::string join_url = domain::check_url(c.join_url, "join_url");
  return ctx.db.write([&] {
    domain::Slot slot = get_slot(ctx.db, group_id, c.slot_id);
    domain::Meeting meeting = get_meeting(ctx.db, group_id, slot.meeting_id);
    get_volunteer(ctx.db, group_id, c.volunteer_id);
    // The public hears "closed" for a meeting that is off, as for any other
    // closed window; a coordinator hears why.
    if (c.public_signup) {
      domain::Body body = get_body(ctx.db, group_id, meeting.body_id);
      switch (domain::signup_state(meeting, body.public_comment, ctx.clock.now())) {
        case domain::SignupState::open: break;
        case domain::SignupState::not_yet_open: throw Error(ErrorCode::closed, "sign-up for this meeting is not open yet");
        case domain::SignupState::closed: throw Error(ErrorCode::closed, "sign-up for this meeting has closed");
        case domain::SignupState::meeting_not_on:
          throw Error(ErrorCode::closed, "this meeting is not taking sign-ups: it was cancelled or postponed");
      }
    }
    if (meeting.status == domain::MeetingStatus::cancelled)
      throw Error(ErrorCode::conflict, "this meeting is cancelled", "slot_id");
    {
      auto q = ctx.db.query(
          "SELECT 1 FROM assignment WHERE slot_id = ? AND volunteer_id = ? "
          "AND status IN ('invited', 'confirmed', 'attended', 'no_show')",
          c.slot_id, c.volunteer_id);
      if (q.step()) throw Error(ErrorCode::conflict, "this volunteer is on this slot already", "volunteer_id");
    }
    bool forced = check_place(ctx.db, slot, meeting, c.volunteer_id, c.force);
    guard_capacity([&] {
      ctx.db
          .query(
              "INSERT INTO assignment (slot_id, volunteer_id, status, stance, join_url, needs_interpreter, forced, "
              "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              c.slot_id, c.volunteer_id, domain::to_string(c.status), name_of(c.stance), join_url, interpreter,
              forced, ctx.now(), ctx.now())
          .run();
    });
    domain::Assignment a;
    a.id = ctx.db.last_insert_rowid();
    a.slot_id = c.slot_id;
    a.volunteer_id = c.volunteer_id;
    a.status = c.status;
    a.stance = c.stance;
    a.join_url = join_url;
    a.needs_interpreter = interpreter;
    a.forced = forced;
    a.created_at = a.updated_at = to_time(ctx.now());
    nlohmann::json detail{{"slot_id", a.slot_id},
                          {"meeting_id", meeting.id},
                          {"volunteer_id", c.volunteer_id},
                          {"status", domain::to_string(a.status)},
                          {"public_signup", c.public_signup}};
    if (forced) detail["forced_overlap"] = true;
    audit(ctx, group_id, forced ? "assignment.created_forced" : "assignment.created", "assignment", a.id, detail);
    record_event(ctx, group_id, "assignment.created", "assignment", a.id, detail);
    return a;
  });
}

domain::Assignment update_assignment(const Context& ctx, domain::Id group_id, domain::Id id,
                                     const AssignmentPatch& p) {
  std::optional<std::string> interpreter, join_url;
  if (p.needs_interpreter) interpreter = check_interpreter_language(*p.needs_interpreter);
  if (p.join_url) join_url = domain::check_url(*p.join_url, "join_url");
  return ctx.db.write([&] {
    const domain::Assignment before = get_assignment(ctx.db, group_id, id);
    domain::Assignment a = before;
    if (p.status) {
      domain::check_transition(before.status, *p.status);
      a.status = *p.status;
    }
    if (p.outcome) a.outcome = *p.outcome;
    if (p.stance) a.stance = *p.stance;
    if (interpreter) a.needs_interpreter = *interpreter;
    if (join_url) a.join_url = *join_url;
    domain::check_outcome(a.status, a.outcome);
    bool forced = before.forced;
    if (domain::holds_place(a.status) && !domain::holds_place(before.status)) {
      if (!a.volunteer_id) throw invalid("status", "this volunteer's data was erased; the place cannot be taken again");
      domain::Slot slot = get_slot(ctx.db, group_id, a.slot_id);
      domain::Meeting meeting = get_meeting(ctx.db, group_id, slot.meeting_id);
      if (meeting.status == domain::MeetingStatus::cancelled)
        throw Error(ErrorCode::conflict, "this meeting is cancelled", "status");
      forced = check_place(ctx.db, slot, meeting, *a.volunteer_id, p.force) || forced;
    }
    a.forced = forced;
    guard_capacity([&] {
      ctx.db
          .query(
              "UPDATE assignment SET status = ?, stance = ?, outcome = ?, join_url = ?, needs_interpreter = ?, "
              "forced = ?, updated_at = ? WHERE id = ?",
              domain::to_string(a.status), name_of(a.stance), name_of(a.outcome), a.join_url, a.needs_interpreter,
              a.forced, ctx.now(), a.id)
          .run();
    });
    a.updated_at = to_time(ctx.now());
    nlohmann::json detail{{"slot_id", a.slot_id},
                          {"status", domain::to_string(a.status)},
                          {"previous_status", domain::to_string(before.status)}};
    if (a.outcome) detail["outcome"] = domain::to_string(*a.outcome);
    if (a.forced && !before.forced) detail["forced_overlap"] = true;
    const char* type = a.status == domain::AssignmentStatus::cancelled && before.status != a.status
                           ? "assignment.cancelled"
                           : "assignment.updated";
    audit(ctx, group_id, type, "assignment", a.id, detail);
    record_event(ctx, group_id, type, "assignment", a.id, detail);
    return a;
  });
}

domain::Assignment get_assignment(Database& db, domain::Id group_id, domain::Id id) {
  auto q = db.query(fmt::format("SELECT {} FROM assignment a JOIN slot s ON s.id = a.slot_id "
                                "JOIN meeting m ON m.id = s.meeting_id WHERE a.id = ? AND m.group_id = ?",
                                kColumns),
                    id, group_id);
  if (!q.step()) throw not_found("assignment");
  return read_assignment(q);
}

std::vector<domain::Assignment> list_assignments_for_slot(Database& db, domain::Id group_id, domain::Id slot_id) {
  get_slot(db, group_id, slot_id);
  std::vector<domain::Assignment> out;
  auto q = db.query(fmt::format("SELECT {} FROM assignment a WHERE a.slot_id = ? ORDER BY a.id", kColumns), slot_id);
  while (q.step()) out.push_back(read_assignment(q));
  return out;
}

std::vector<domain::Assignment> list_assignments_for_volunteer(Database& db, domain::Id group_id,
                                                               domain::Id volunteer_id) {
  get_volunteer(db, group_id, volunteer_id);
  std::vector<domain::Assignment> out;
  auto q = db.query(fmt::format("SELECT {} FROM assignment a WHERE a.volunteer_id = ? ORDER BY a.id", kColumns),
                    volunteer_id);
  while (q.step()) out.push_back(read_assignment(q));
  return out;
}

}  // namespace turnout::store
