#include "http/json.hpp"

#include <fmt/format.h>

#include "domain/error.hpp"
#include "domain/time.hpp"

namespace turnout::http {

using nlohmann::json;

JsonReader::JsonReader(const json& body, std::initializer_list<std::string_view> known) : body_(body) {
  if (!body_.is_object()) throw Error(ErrorCode::malformed, "the request body must be a JSON object");
  for (const auto& [key, value] : body_.items()) {
    bool ok = false;
    for (auto k : known) ok = ok || k == key;
    if (!ok) throw invalid(key, fmt::format("unknown field \"{}\"", key));
  }
}

const json* JsonReader::find(std::string_view field) const {
  auto it = body_.find(field);
  return it == body_.end() ? nullptr : &*it;
}

bool JsonReader::has(std::string_view field) const { return find(field) != nullptr; }

std::optional<std::string> JsonReader::string(std::string_view field) const {
  const json* v = find(field);
  if (!v) return std::nullopt;
  if (v->is_null()) return std::string();
  if (!v->is_string()) throw invalid(std::string(field), "must be a string");
  return v->get<std::string>();
}

std::optional<bool> JsonReader::boolean(std::string_view field) const {
  const json* v = find(field);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) throw invalid(std::string(field), "must be true or false");
  return v->get<bool>();
}

std::optional<int> JsonReader::integer(std::string_view field) const {
  const json* v = find(field);
  if (!v) return std::nullopt;
  if (!v->is_number_integer() || v->get<std::int64_t>() < -1'000'000'000 || v->get<std::int64_t>() > 1'000'000'000)
    throw invalid(std::string(field), "must be a whole number");
  return static_cast<int>(v->get<std::int64_t>());
}

std::optional<domain::Id> JsonReader::id(std::string_view field) const {
  const json* v = find(field);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_number_integer() || v->get<std::int64_t>() <= 0) throw invalid(std::string(field), "must be an id");
  return v->get<std::int64_t>();
}

std::optional<std::optional<int>> JsonReader::nullable_integer(std::string_view field) const {
  const json* v = find(field);
  if (!v) return std::nullopt;
  if (v->is_null()) return std::optional<int>();
  return integer(field);
}

std::optional<std::vector<std::string>> JsonReader::strings(std::string_view field) const {
  const json* v = find(field);
  if (!v) return std::nullopt;
  if (!v->is_array()) throw invalid(std::string(field), "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) throw invalid(std::string(field), "must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::vector<int>> JsonReader::integers(std::string_view field) const {
  const json* v = find(field);
  if (!v) return std::nullopt;
  if (!v->is_array()) throw invalid(std::string(field), "must be a list of whole numbers");
  std::vector<int> out;
  for (const auto& item : *v) {
    if (!item.is_number_integer() || item.get<std::int64_t>() < -1'000'000'000 ||
        item.get<std::int64_t>() > 1'000'000'000)
      throw invalid(std::string(field), "must be a list of whole numbers");
    out.push_back(static_cast<int>(item.get<std::int64_t>()));
  }
  return out;
}

std::string rfc3339(domain::Time t, const std::string& timezone) { return domain::format_rfc3339(t, timezone); }

namespace {
json optional_time(const std::optional<domain::Time>& t, const std::string& zone) {
  return t ? json(rfc3339(*t, zone)) : json(nullptr);
}
template <typename T>
json optional_value(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
}  // namespace

json calendar_links(const std::string& public_url, std::string_view path) {
  std::string url = public_url + std::string(path);
  std::string webcal = url;
  auto scheme = webcal.find("://");
  if (scheme != std::string::npos) webcal = "webcal" + webcal.substr(scheme);
  return {{"url", url}, {"webcal_url", webcal}};
}

json feed_links(const std::string& public_url, const std::string& token) {
  return calendar_links(public_url, "/feeds/volunteers/" + token + ".ics");
}

json to_json(const domain::Group& g) {
  return {{"id", g.id},
          {"name", g.name},
          {"slug", g.slug},
          {"timezone", g.timezone},
          {"language", g.language},
          {"country", g.country}};
}

json to_json(const domain::Account& a) {
  return {{"id", a.id},
          {"group_id", optional_value(a.group_id)},
          {"email", a.email},
          {"name", a.name},
          {"role", domain::to_string(a.role)}};
}

json to_json(const domain::Volunteer& v) {
  return {{"id", v.id},
          {"name", v.name},
          {"phone", optional_value(v.phone)},
          {"email", optional_value(v.email)},
          {"language", v.language},
          {"timezone", v.timezone},
          {"sms_opt_in", v.sms_opt_in},
          {"email_opt_in", v.email_opt_in},
          {"opted_out_at", optional_time(v.opted_out_at, v.timezone)},
          {"tags", v.tags},
          {"notes", v.notes},
          {"created_at", rfc3339(v.created_at, v.timezone)},
          {"updated_at", rfc3339(v.updated_at, v.timezone)}};
}

json to_json(const domain::Body& b, const std::string& public_url) {
  const auto& pc = b.public_comment;
  return {{"id", b.id},
          {"name", b.name},
          {"kind", domain::to_string(b.kind)},
          {"jurisdiction", b.jurisdiction},
          {"timezone", b.timezone},
          {"feed_public", b.feed_public},
          {"public_comment",
           {{"minutes_per_speaker", pc.minutes_per_speaker},
            {"signup_opens_minutes_before", optional_value(pc.signup_opens_minutes_before)},
            {"signup_closes_minutes_before", pc.signup_closes_minutes_before},
            {"remote_allowed", pc.remote_allowed},
            {"interpretation_lead_hours", pc.interpretation_lead_hours},
            {"written_limit_words", optional_value(pc.written_limit_words)},
            {"written_deadline_minutes_before", optional_value(pc.written_deadline_minutes_before)}}},
          {"feed", b.feed_public ? calendar_links(public_url, "/feeds/bodies/" + std::to_string(b.id) + ".ics")
                                 : json(nullptr)}};
}

json to_json(const domain::Meeting& m, const std::string& public_url) {
  json out{{"id", m.id},
           {"body_id", m.body_id},
           {"title", m.title},
           {"starts_at", rfc3339(m.starts_at, m.timezone)},
           {"ends_at", rfc3339(m.ends_at, m.timezone)},
           {"timezone", m.timezone},
           {"location", m.location},
           {"remote_url", m.remote_url},
           {"agenda_url", m.agenda_url},
           {"status", domain::to_string(m.status)},
           {"sequence", m.sequence},
           {"source", m.source},
           {"external_id", m.external_id},
           {"updated_at", rfc3339(m.updated_at, m.timezone)}};
  out["signup_url"] = m.signup_token.empty() ? json(nullptr) : json(public_url + "/signup/" + m.signup_token);
  return out;
}

json to_json(const domain::AgendaItem& item) {
  return {{"id", item.id},
          {"meeting_id", item.meeting_id},
          {"number", item.number},
          {"title", item.title},
          {"matter", item.matter},
          {"stance", domain::to_string(item.stance)}};
}

json to_json(const domain::Slot& s) {
  return {{"id", s.id},
          {"meeting_id", s.meeting_id},
          {"agenda_item_id", optional_value(s.agenda_item_id)},
          {"role", s.role},
          {"order", s.order},
          {"minutes", s.minutes},
          {"mode", domain::to_string(s.mode)},
          {"language", s.language},
          {"capacity", s.capacity}};
}

json to_json(const domain::Assignment& a) {
  return {{"id", a.id},
          {"slot_id", a.slot_id},
          {"volunteer_id", optional_value(a.volunteer_id)},
          {"status", domain::to_string(a.status)},
          {"stance", a.stance ? json(domain::to_string(*a.stance)) : json(nullptr)},
          {"outcome", a.outcome ? json(domain::to_string(*a.outcome)) : json(nullptr)},
          {"join_url", a.join_url},
          {"needs_interpreter", a.needs_interpreter},
          {"forced", a.forced},
          {"created_at", domain::format_rfc3339_utc(a.created_at)},
          {"updated_at", domain::format_rfc3339_utc(a.updated_at)}};
}

domain::VolunteerDraft volunteer_draft(const json& body) {
  JsonReader r(body, {"name", "phone", "email", "language", "timezone", "sms_opt_in", "email_opt_in", "tags", "notes"});
  domain::VolunteerDraft d;
  d.name = r.string("name");
  d.phone = r.string("phone");
  d.email = r.string("email");
  d.language = r.string("language");
  d.timezone = r.string("timezone");
  d.notes = r.string("notes");
  d.sms_opt_in = r.boolean("sms_opt_in");
  d.email_opt_in = r.boolean("email_opt_in");
  d.tags = r.strings("tags");
  return d;
}

domain::BodyDraft body_draft(const json& body) {
  JsonReader r(body, {"name", "kind", "jurisdiction", "timezone", "feed_public", "public_comment"});
  domain::BodyDraft d;
  d.name = r.string("name");
  d.kind = r.string("kind");
  d.jurisdiction = r.string("jurisdiction");
  d.timezone = r.string("timezone");
  d.feed_public = r.boolean("feed_public");
  if (r.has("public_comment")) {
    const json& pc_json = body.at("public_comment");
    if (!pc_json.is_object()) throw invalid("public_comment", "must be an object");
    JsonReader pc(pc_json, {"minutes_per_speaker", "signup_opens_minutes_before", "signup_closes_minutes_before",
                            "remote_allowed", "interpretation_lead_hours", "written_limit_words",
                            "written_deadline_minutes_before"});
    d.minutes_per_speaker = pc.integer("minutes_per_speaker");
    d.signup_opens_minutes_before = pc.nullable_integer("signup_opens_minutes_before");
    d.signup_closes_minutes_before = pc.integer("signup_closes_minutes_before");
    d.remote_allowed = pc.boolean("remote_allowed");
    d.interpretation_lead_hours = pc.integer("interpretation_lead_hours");
    d.written_limit_words = pc.nullable_integer("written_limit_words");
    d.written_deadline_minutes_before = pc.nullable_integer("written_deadline_minutes_before");
  }
  return d;
}

domain::MeetingDraft meeting_draft(const json& body, bool create) {
  JsonReader r(body, create ? std::initializer_list<std::string_view>{"body_id", "title", "starts_at", "ends_at", "timezone",
                                                                     "location", "remote_url", "agenda_url", "status"}
                            : std::initializer_list<std::string_view>{"body_id", "title", "starts_at", "ends_at",
                                                                     "timezone", "location", "remote_url", "agenda_url",
                                                                     "status"});
  domain::MeetingDraft d;
  d.body_id = r.id("body_id");
  if (create && !d.body_id) throw invalid("body_id", "a meeting needs the id of the body that holds it");
  d.title = r.string("title");
  d.starts_at = r.string("starts_at");
  d.ends_at = r.string("ends_at");
  d.timezone = r.string("timezone");
  d.location = r.string("location");
  d.remote_url = r.string("remote_url");
  d.agenda_url = r.string("agenda_url");
  d.status = r.string("status");
  return d;
}

domain::AgendaItemDraft agenda_item_draft(const json& body) {
  JsonReader r(body, {"number", "title", "matter", "stance"});
  return {r.string("number"), r.string("title"), r.string("matter"), r.string("stance")};
}

domain::SlotDraft slot_draft(const json& body) {
  JsonReader r(body, {"role", "mode", "language", "minutes", "capacity", "order", "agenda_item_id"});
  domain::SlotDraft d;
  d.role = r.string("role");
  d.mode = r.string("mode");
  d.language = r.string("language");
  d.minutes = r.integer("minutes");
  d.capacity = r.integer("capacity");
  d.order = r.integer("order");
  d.agenda_item_id = r.id("agenda_item_id");
  return d;
}

}  // namespace turnout::http
