#include "domain/drafts.hpp"

#include <fmt/format.h>

#include "domain/error.hpp"
#include "domain/time.hpp"
#include "domain/validate.hpp"

namespace turnout::domain {
namespace {

constexpr std::size_t kNameMax = 200;
constexpr std::size_t kTitleMax = 300;
constexpr std::size_t kNotesMax = 4000;

int check_range(int value, int min, int max, const char* field) {
  if (value < min || value > max) throw invalid(field, fmt::format("must be between {} and {}", min, max));
  return value;
}

std::optional<int> check_optional_range(const std::optional<int>& value, int min, int max, const char* field) {
  if (!value) return std::nullopt;
  return check_range(*value, min, max, field);
}

}  // namespace

void apply_volunteer(Volunteer& v, const VolunteerDraft& d, const Group& group) {
  if (d.name) v.name = check_line(*d.name, "name", 1, kNameMax);
  if (d.phone) {
    if (d.phone->empty()) v.phone.reset();
    else v.phone = normalize_phone(*d.phone, group.country);
  }
  if (d.email) {
    if (d.email->empty()) v.email.reset();
    else v.email = normalize_email(*d.email);
  }
  if (d.language) v.language = normalize_language(*d.language);
  if (d.timezone) v.timezone = check_timezone(*d.timezone);
  if (d.notes) v.notes = check_text(*d.notes, "notes", kNotesMax);
  if (d.sms_opt_in) v.sms_opt_in = *d.sms_opt_in;
  if (d.email_opt_in) v.email_opt_in = *d.email_opt_in;
  if (d.tags) v.tags = normalize_tags(*d.tags);
  if (v.sms_opt_in && !v.phone) throw invalid("sms_opt_in", "SMS needs a phone number");
  if (v.email_opt_in && !v.email) throw invalid("email_opt_in", "email needs an email address");
}

Volunteer validate_volunteer(const VolunteerDraft& d, const Group& group) {
  if (!d.name) throw invalid("name", "a volunteer needs a name");
  Volunteer v;
  v.group_id = group.id;
  v.language = group.language;
  v.timezone = group.timezone;
  apply_volunteer(v, d, group);
  return v;
}

void apply_body(Body& b, const BodyDraft& d) {
  if (d.name) b.name = check_line(*d.name, "name", 1, kNameMax);
  if (d.kind) {
    auto kind = parse_body_kind(*d.kind);
    if (!kind)
      throw invalid("kind",
                    "kind is one of city_council, county_board, commission, committee, legislature, oversight, other");
    b.kind = *kind;
  }
  if (d.jurisdiction) b.jurisdiction = check_line(*d.jurisdiction, "jurisdiction", 0, kNameMax);
  if (d.timezone) b.timezone = check_timezone(*d.timezone);
  auto& pc = b.public_comment;
  if (d.minutes_per_speaker) pc.minutes_per_speaker = check_range(*d.minutes_per_speaker, 1, 120, "minutes_per_speaker");
  if (d.signup_opens_minutes_before)
    pc.signup_opens_minutes_before =
        check_optional_range(*d.signup_opens_minutes_before, 0, 525600, "signup_opens_minutes_before");
  if (d.signup_closes_minutes_before)
    pc.signup_closes_minutes_before =
        check_range(*d.signup_closes_minutes_before, -1440, 525600, "signup_closes_minutes_before");
  if (d.remote_allowed) pc.remote_allowed = *d.remote_allowed;
  if (d.interpretation_lead_hours)
    pc.interpretation_lead_hours = check_range(*d.interpretation_lead_hours, 0, 720, "interpretation_lead_hours");
  if (d.written_limit_words)
    pc.written_limit_words = check_optional_range(*d.written_limit_words, 1, 100000, "written_limit_words");
  if (d.written_deadline_minutes_before)
    pc.written_deadline_minutes_before =
        check_optional_range(*d.written_deadline_minutes_before, 0, 525600, "written_deadline_minutes_before");
  // Checked on the result, so a change to either side is held to the other
  // side as stored; the error names the side that was sent.
  if (pc.signup_opens_minutes_before && *pc.signup_opens_minutes_before <= pc.signup_closes_minutes_before)
    throw invalid(d.signup_closes_minutes_before && !d.signup_opens_minutes_before ? "signup_closes_minutes_before"
                                                                                   : "signup_opens_minutes_before",
                  "sign-up must open before it closes");
  if (d.feed_public) b.feed_public = *d.feed_public;
}

Body validate_body(const BodyDraft& d, const Group& group) {
  if (!d.name) throw invalid("name", "a body needs a name, e.g. Valle County Board of Supervisors");
  Body b;
  b.group_id = group.id;
  b.timezone = group.timezone;
  apply_body(b, d);
  return b;
}

void apply_meeting(Meeting& m, const MeetingDraft& d) {
  if (d.title) m.title = check_line(*d.title, "title", 1, kTitleMax);
  if (d.timezone) m.timezone = check_timezone(*d.timezone);
  bool start_moved = false;
  if (d.starts_at) {
    auto old_start = m.starts_at;
    m.starts_at = parse_rfc3339(*d.starts_at, "starts_at");
    start_moved = m.starts_at != old_start;
  }
  if (d.ends_at) {
    m.ends_at = parse_rfc3339(*d.ends_at, "ends_at");
  } else if (start_moved && m.ends_at <= m.starts_at) {
    throw invalid("ends_at", "the meeting would end before it starts; send ends_at too");
  }
  if (m.ends_at <= m.starts_at) throw invalid("ends_at", "ends_at must be after starts_at");
  if (m.ends_at - m.starts_at > std::chrono::hours(24 * 7))
    throw invalid("ends_at", "a meeting lasts at most a week");
  if (d.location) m.location = check_line(*d.location, "location", 0, kTitleMax);
  if (d.remote_url) m.remote_url = check_url(*d.remote_url, "remote_url");
  if (d.agenda_url) m.agenda_url = check_url(*d.agenda_url, "agenda_url");
  if (d.status) {
    auto status = parse_meeting_status(*d.status);
    if (!status) throw invalid("status", "status is one of tentative, confirmed, cancelled, postponed");
    m.status = *status;
  }
}

Meeting validate_meeting(const MeetingDraft& d, const Body& body) {
  Meeting m;
  m.group_id = body.group_id;
  m.body_id = body.id;
  m.timezone = body.timezone;
  if (!d.title) throw invalid("title", "a meeting needs a title");
  if (!d.starts_at) throw invalid("starts_at", "a meeting needs starts_at");
  m.starts_at = parse_rfc3339(*d.starts_at, "starts_at");
  m.ends_at = m.starts_at + std::chrono::hours(3);
  apply_meeting(m, d);
  return m;
}

AgendaItem validate_agenda_item(const AgendaItemDraft& d) {
  AgendaItem item;
  if (!d.title) throw invalid("title", "an agenda item needs a title");
  item.title = check_line(*d.title, "title", 1, 500);
  if (d.number) item.number = check_line(*d.number, "number", 0, 40);
  if (d.matter) item.matter = check_line(*d.matter, "matter", 0, 200);
  if (d.stance) {
    auto stance = parse_stance(*d.stance);
    if (!stance) throw invalid("stance", "stance is one of support, oppose, neutral");
    item.stance = *stance;
  }
  return item;
}

Slot validate_slot(const SlotDraft& d, const PublicCommentRules& rules) {
  Slot s;
  if (!d.role) throw invalid("role", "a slot needs a role: speaker, interpreter, turnout, notetaker or your own");
  s.role = normalize_tag(*d.role, "role");
  if (d.mode) {
    auto mode = parse_slot_mode(*d.mode);
    if (!mode) throw invalid("mode", "mode is one of in_person, remote, written");
    s.mode = *mode;
  }
  if (d.language && !d.language->empty()) s.language = normalize_language(*d.language);
  s.minutes = d.minutes ? check_range(*d.minutes, 0, 600, "minutes") : (s.role == "speaker" ? rules.minutes_per_speaker : 0);
  s.capacity = d.capacity ? check_range(*d.capacity, 1, 10000, "capacity") : 1;
  if (d.order) s.order = check_range(*d.order, 0, 100000, "order");
  s.agenda_item_id = d.agenda_item_id;
  return s;
}

}  // namespace turnout::domain
