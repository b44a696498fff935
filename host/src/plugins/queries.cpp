#include "plugins/queries.hpp"

#include <algorithm>
#include <map>

#include "domain/rules.hpp"
#include "domain/time.hpp"
#include "store/assignments.hpp"
#include "store/database.hpp"
#include "store/meetings.hpp"

namespace turnout::plugins::queries {
namespace {

std::int64_t unix(domain::Time t) { return t.time_since_epoch().count(); }
domain::Time from_unix(std::int64_t s) { return domain::Time{std::chrono::seconds{s}}; }

plugin::MeetingView meeting_view(const domain::Meeting& m, const domain::Body& body) {
  plugin::MeetingView v;
  v.id = m.id;
  v.body_id = m.body_id;
  v.body_name = body.name;
  v.title = m.title;
  v.starts_at = unix(m.starts_at);
  v.ends_at = unix(m.ends_at);
  v.timezone = m.timezone;
  v.starts_at_local = domain::format_rfc3339(m.starts_at, m.timezone);
  v.location = m.location;
  v.remote_url = m.remote_url;
  v.agenda_url = m.agenda_url;
  v.status = std::string(domain::to_string(m.status));
  v.sequence = m.sequence;
  v.updated_at = unix(m.updated_at);
  for (const auto& d : domain::deadlines(m, body.public_comment))
    v.deadlines.push_back({std::string(domain::to_string(d.kind)), unix(d.at)});
  std::sort(v.deadlines.begin(), v.deadlines.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  return v;
}

plugin::AgendaItemView item_view(const domain::AgendaItem& a) {
  return {a.id, a.meeting_id, a.number, a.title, a.matter, std::string(domain::to_string(a.stance)), unix(a.updated_at)};
}

plugin::SlotView slot_view(store::Database& db, const domain::Slot& s) {
  return {s.id,      s.meeting_id, s.agenda_item_id, s.role,     s.order,
          s.minutes, std::string(domain::to_string(s.mode)), s.language, s.capacity, store::places_taken(db, s.id)};
}

// Reads bodies, meetings, slots and agenda items once each while building
// many assignment views.
class Cache {
 public:
  Cache(store::Database& db, domain::Id group_id) : db_(db), group_id_(group_id) {}

  const domain::Body& body(domain::Id id) {
    auto it = bodies_.find(id);
    if (it == bodies_.end()) it = bodies_.emplace(id, store::get_body(db_, group_id_, id)).first;
    return it->second;
  }
  const domain::Meeting& meeting(domain::Id id) {
    auto it = meetings_.find(id);
    if (it == meetings_.end()) it = meetings_.emplace(id, store::get_meeting(db_, group_id_, id)).first;
    return it->second;
  }
  const plugin::MeetingView& meeting_view(domain::Id id) {
    auto it = views_.find(id);
    if (it == views_.end()) {
      const auto& m = meeting(id);
      it = views_.emplace(id, queries::meeting_view(m, body(m.body_id))).first;
    }
    return it->second;
  }
  const domain::Slot& slot(domain::Id id) {
    auto it = slots_.find(id);
    if (it == slots_.end()) it = slots_.emplace(id, store::get_slot(db_, group_id_, id)).first;
    return it->second;
  }
  std::optional<plugin::AgendaItemView> item(domain::Id meeting_id, std::optional<domain::Id> item_id) {
    if (!item_id) return std::nullopt;
    auto it = items_.find(meeting_id);
    if (it == items_.end()) it = items_.emplace(meeting_id, store::list_agenda_items(db_, group_id_, meeting_id)).first;
    for (const auto& a : it->second)
      if (a.id == *item_id) return item_view(a);
    return std::nullopt;
  }
  plugin::AssignmentView assignment(const domain::Assignment& a) {
    plugin::AssignmentView v;
    v.id = a.id;
    v.volunteer_id = a.volunteer_id;
    v.status = std::string(domain::to_string(a.status));
    if (a.stance) v.stance = std::string(domain::to_string(*a.stance));
    if (a.outcome) v.outcome = std::string(domain::to_string(*a.outcome));
    v.join_url = a.join_url;
    v.needs_interpreter = a.needs_interpreter;
    v.updated_at = unix(a.updated_at);
    const auto& s = slot(a.slot_id);
    auto sv = slot_views_.find(s.id);
    if (sv == slot_views_.end()) sv = slot_views_.emplace(s.id, slot_view(db_, s)).first;
    v.slot = sv->second;
    v.agenda_item = item(s.meeting_id, s.agenda_item_id);
    v.meeting = meeting_view(s.meeting_id);
    return v;
  }

 private:
  store::Database& db_;
  domain::Id group_id_;
  std::map<domain::Id, domain::Body> bodies_;
  std::map<domain::Id, domain::Meeting> meetings_;
  std::map<domain::Id, plugin::MeetingView> views_;
  std::map<domain::Id, domain::Slot> slots_;
  std::map<domain::Id, plugin::SlotView> slot_views_;  // with places taken, read once
  std::map<domain::Id, std::vector<domain::AgendaItem>> items_;
};

// Meeting order, then speaking order within a meeting.
void sort_assignments(std::vector<plugin::AssignmentView>& out) {
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.meeting.starts_at, a.meeting.id, a.slot.order, a.slot.id, a.id) <
           std::tie(b.meeting.starts_at, b.meeting.id, b.slot.order, b.slot.id, b.id);
  });
}

}  // namespace

plugin::GroupView group_view(const domain::Group& g, const std::string& public_url) {
  return {g.id, g.name, g.slug, g.timezone, g.language, g.country, public_url};
}

plugin::VolunteerView volunteer_view(const domain::Volunteer& v, const domain::Group& g) {
  plugin::VolunteerView out;
  out.id = v.id;
  out.group_id = v.group_id;
  out.name = v.name;
  out.phone = v.phone.value_or("");
  out.email = v.email.value_or("");
  out.language = v.language;
  out.timezone = v.timezone.empty() ? g.timezone : v.timezone;
  out.sms_opt_in = v.sms_opt_in;
  out.email_opt_in = v.email_opt_in;
  out.opted_out = v.opted_out_at.has_value();
  out.tags = v.tags;
  out.updated_at = unix(v.updated_at);
  return out;
}

std::vector<plugin::MeetingView> meetings(store::Database& db, domain::Id group_id, std::int64_t from, std::int64_t to) {
  std::vector<plugin::MeetingView> out;
  store::MeetingFilter f;
  f.from = from_unix(from);
  f.to = from_unix(to);
  f.limit = 1000;
  std::map<domain::Id, domain::Body> bodies;
  for (auto& b : store::list_bodies(db, group_id)) bodies.emplace(b.id, std::move(b));
  for (;;) {
    auto page = store::list_meetings(db, group_id, f);
    for (const auto& m : page) out.push_back(meeting_view(m, bodies.at(m.body_id)));
    if (static_cast<int>(page.size()) < f.limit) break;
    f.after = std::pair{unix(page.back().starts_at), page.back().id};
  }
  return out;
}

plugin::MeetingView meeting(store::Database& db, domain::Id group_id, domain::Id meeting_id) {
  auto m = store::get_meeting(db, group_id, meeting_id);
  return meeting_view(m, store::get_body(db, group_id, m.body_id));
}

std::vector<plugin::AgendaItemView> agenda_items(store::Database& db, domain::Id group_id, domain::Id meeting_id) {
  std::vector<plugin::AgendaItemView> out;
  for (const auto& a : store::list_agenda_items(db, group_id, meeting_id)) out.push_back(item_view(a));
  return out;
}

std::vector<plugin::SlotView> slots(store::Database& db, domain::Id group_id, domain::Id meeting_id) {
  std::vector<plugin::SlotView> out;
  for (const auto& s : store::list_slots(db, group_id, meeting_id)) out.push_back(slot_view(db, s));
  return out;
}

std::vector<plugin::AssignmentView> volunteer_assignments(store::Database& db, domain::Id group_id,
                                                          domain::Id volunteer_id, std::int64_t from, std::int64_t to) {
  Cache cache(db, group_id);
  std::vector<plugin::AssignmentView> out;
  for (const auto& a : store::list_assignments_for_volunteer(db, group_id, volunteer_id)) {
    const auto& m = cache.meeting(cache.slot(a.slot_id).meeting_id);
    if (unix(m.ends_at) <= from || unix(m.starts_at) >= to) continue;
    out.push_back(cache.assignment(a));
  }
  sort_assignments(out);
  return out;
}

std::vector<plugin::AssignmentView> meeting_assignments(store::Database& db, domain::Id group_id,
                                                        domain::Id meeting_id) {
  Cache cache(db, group_id);
  std::vector<plugin::AssignmentView> out;
  for (const auto& s : store::list_slots(db, group_id, meeting_id))
    for (const auto& a : store::list_assignments_for_slot(db, group_id, s.id)) out.push_back(cache.assignment(a));
  sort_assignments(out);
  return out;
}

plugin::AssignmentView assignment(store::Database& db, domain::Id group_id, domain::Id assignment_id) {
  Cache cache(db, group_id);
  return cache.assignment(store::get_assignment(db, group_id, assignment_id));
}

int failed_messages(store::Database& db, domain::Id group_id, std::int64_t since) {
  auto q = db.query("SELECT count(*) FROM outbox_message WHERE group_id = ? AND status = 'failed' AND updated_at >= ?",
                    group_id, since);
  q.step();
  return static_cast<int>(q.integer(0));
}

}  // namespace turnout::plugins::queries
