#include "digest.hpp"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

namespace turnout::email {
namespace {

#include "templates.inc"

using kainjow::mustache::data;
using kainjow::mustache::mustache;

const char* const kNames[] = {"volunteer_digest", "coordinator_digest", "meeting_cancelled", "meeting_postponed", "meeting_moved",
                              "assignment_confirmed", "reminder", "confirmation_request", "deadline",
                              "coordinator_notice"};
const char* const kParts[] = {"subject", "txt", "html"};

// Words the templates fill in, by language.
struct Labels {
  const char* lang;
  std::map<std::string, std::string> words;
};
const Labels kLabels[] = {
    {"en",
     {{"speaker", "Speaker"},
      {"interpreter", "Interpreter"},
      {"turnout", "In the room"},
      {"notetaker", "Note-taker"},
      {"invited", "waiting for your yes"},
      {"confirmed", "confirmed"},
      {"declined", "declined"},
      {"cancelled", "cancelled"},
      {"attended", "attended"},
      {"no_show", "missed"},
      {"signup_closes", "Public sign-up closes"},
      {"written_testimony_due", "Written testimony due"},
      {"interpreter_request_due", "Interpreter request due"},
      {"remote", "online"}}},
    {"es",
     {{"speaker", "Orador(a)"},
      {"interpreter", "Intérprete"},
      {"turnout", "Presencia en la sala"},
      {"notetaker", "Toma de notas"},
      {"invited", "esperando tu sí"},
      {"confirmed", "confirmado"},
      {"declined", "rechazado"},
      {"cancelled", "cancelado"},
      {"attended", "asististe"},
      {"no_show", "no asististe"},
      {"signup_closes", "Cierra la inscripción pública"},
      {"written_testimony_due", "Fecha límite del testimonio escrito"},
      {"interpreter_request_due", "Fecha límite para pedir intérprete"},
      {"remote", "en línea"}}},
};

constexpr int kMaxOffers = 8;

std::string label(const std::string& lang, const std::string& word) {
  for (const auto& l : kLabels)
    if (lang == l.lang) {
      auto it = l.words.find(word);
      return it == l.words.end() ? word : it->second;  // a group's own role reads as typed
    }
  return word;
}

// The HTML layout around every body: inline CSS, tables, no images.
std::string html_page(const std::string& lang, const std::string& title, const std::string& content) {
  std::string out;
  out.reserve(content.size() + 900);
  out += "<!DOCTYPE html>\n<html lang=\"";
  out += lang;
  out += "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>";
  out += kainjow::mustache::html_escape<std::string>(title);
  out += "</title></head>\n<body style=\"margin:0;padding:0;background:#f6f8fa\">\n"
         "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f6f8fa\">"
         "<tr><td align=\"center\" style=\"padding:24px 8px\">\n"
         "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:600px;"
         "width:100%;background:#ffffff;border:1px solid #d0d7de;border-radius:6px\">\n"
         "<tr><td style=\"padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;"
         "color:#1f2328\">\n";
  out += content;
  out += "\n</td></tr></table>\n</td></tr></table>\n</body></html>\n";
  return out;
}

// Parsing a template costs more than rendering it: each thread keeps the
// parsed ones. Templates live as long as their Templates object (built-in
// ones forever), so their address names them.
using ParsedCache = std::map<std::pair<const std::string*, bool>, std::unique_ptr<mustache>>;
ParsedCache& parsed_cache() {
  thread_local ParsedCache cache;
  return cache;
}

std::string render(const std::string& text, const data& d, bool html) {
  auto& cache = parsed_cache();
  auto key = std::pair{&text, html};
  auto& tmpl = cache[key];
  if (!tmpl) {
    tmpl = std::make_unique<mustache>(text);
    if (!html) tmpl->set_custom_escape([](const std::string& s) { return s; });
  }
  std::string out;
  out.reserve(text.size() * 2);
  if (tmpl->is_valid()) tmpl->render(d, [&out](const std::string& piece) { out += piece; });
  if (!tmpl->is_valid()) {
    auto why = tmpl->error_message();
    cache.erase(key);  // a failed render leaves the object in error: parse afresh next time
    throw MailError("template: " + why);
  }
  return out;
}

// Subject, text and HTML of one template, the HTML inside the layout.
Mail render_mail(const Templates& t, const std::string& slug, const std::string& lang, const std::string& name,
                 const data& d) {
  Mail m;
  m.language = lang;
  m.subject = render(t.get(slug, lang, name, "subject"), d, false);
  // A subject is one line, whatever the data held.
  std::replace_if(m.subject.begin(), m.subject.end(), [](char c) { return c == '\r' || c == '\n' || c == '\t'; }, ' ');
  m.text = render(t.get(slug, lang, name, "txt"), d, false);
  m.html = html_page(lang, m.subject, render(t.get(slug, lang, name, "html"), d, true));
  return m;
}

std::string where(const sdk::MeetingView& m, const std::string& join_url, const std::string& lang) {
  if (!join_url.empty()) return label(lang, "remote") + ": " + join_url;
  return m.location;
}

void set_meeting(data& d, const sdk::MeetingView& m, const TimeFormat& fmt, const std::string& tz,
                 const std::string& lang) {
  d.set("when", fmt(m.starts_at, tz, lang, sdk::TimeStyle::long_form));
  d.set("short_when", fmt(m.starts_at, tz, lang, sdk::TimeStyle::short_form));
  d.set("body", m.body_name);
  d.set("title", m.title);
  if (m.status == "cancelled") d.set("cancelled", true);
}

void set_slot(data& d, const sdk::SlotView& s, const std::optional<sdk::AgendaItemView>& item,
              const std::string& lang) {
  d.set("role", label(lang, s.role));
  if (s.minutes > 0) d.set("minutes", std::to_string(s.minutes));
  if (s.order > 0) d.set("order", std::to_string(s.order));
  if (item) d.set("item", item->number.empty() ? item->title : item->number + " " + item->title);
  d.set("free", std::to_string(std::max(0, s.capacity - s.taken)));
  d.set("capacity", std::to_string(s.capacity));
}

data assignment_data(const sdk::AssignmentView& a, const TimeFormat& fmt, const std::string& tz,
                     const std::string& lang, std::int64_t not_before) {
  data d;
  set_meeting(d, a.meeting, fmt, tz, lang);
  set_slot(d, a.slot, a.agenda_item, lang);
  auto w = where(a.meeting, a.join_url, lang);
  if (!w.empty()) d.set("where", w);
  d.set("status", label(lang, a.status));
  data deadlines{data::type::list};
  for (const auto& dl : a.meeting.deadlines) {
    // Only those still ahead, and the interpreter one only when it concerns them.
    if (dl.at < not_before) continue;
    if (dl.kind == "interpreter_request_due" && a.needs_interpreter.empty()) continue;
    data x;
    x.set("label", label(lang, dl.kind));
    x.set("when", fmt(dl.at, tz, lang, sdk::TimeStyle::short_form));
    deadlines.push_back(x);
  }
  d.set("deadlines", deadlines);
  return d;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Templates::Templates(std::optional<std::filesystem::path> overrides) {
  if (!overrides) return;
  std::error_code ec;
  if (!std::filesystem::is_directory(*overrides, ec)) throw MailError("templates: no folder " + overrides->string());
  for (const auto& e : std::filesystem::recursive_directory_iterator(*overrides, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".mustache") continue;
    auto rel = std::filesystem::relative(e.path(), *overrides).string();
    rel = rel.substr(0, rel.size() - std::string(".mustache").size());
    auto text = read_file(e.path());
    mustache check(text);
    if (!check.is_valid()) throw MailError("templates: " + rel + ".mustache: " + check.error_message());
    overrides_[rel] = std::move(text);
  }
}

std::string Templates::language_of(const std::string& language) {
  return language == "es" || language.starts_with("es-") ? "es" : "en";
}

const std::string& Templates::get(const std::string& group_slug, const std::string& language, const std::string& name,
                                  const std::string& part) const {
  auto lang = language_of(language);
  for (const auto& key : {group_slug + "/" + lang + "/" + name + "." + part, lang + "/" + name + "." + part})
    if (auto it = overrides_.find(key); it != overrides_.end()) return it->second;
  static const auto builtins = [] {
    std::map<std::string, std::string> m;
    for (const auto& b : kBuiltIns) m[std::string(b.lang) + "/" + b.name + "." + b.part] = b.text;
    return m;
  }();
  auto it = builtins.find(lang + "/" + name + "." + part);
  if (it == builtins.end()) throw MailError("templates: no " + name + "." + part);
  return it->second;
}

bool suits(const sdk::VolunteerView& v, const sdk::SlotView& slot) {
  auto has = [&](const std::string& tag) { return std::find(v.tags.begin(), v.tags.end(), tag) != v.tags.end(); };
  bool speaks = slot.language.empty() || Templates::language_of(v.language) == Templates::language_of(slot.language) ||
                has("interpreter:" + slot.language);
  if (!speaks) return false;
  if (slot.role == "turnout") return true;
  if (slot.role == "interpreter") return !slot.language.empty() && has("interpreter:" + slot.language);
  return has(slot.role);
}

Mail volunteer_digest(const Templates& t, const TimeFormat& fmt, const sdk::GroupView& group,
                      const sdk::VolunteerView& volunteer, const std::vector<sdk::AssignmentView>& assignments,
                      const std::vector<OpenSlot>& open, const Links& links, std::int64_t now) {
  const std::string lang = Templates::language_of(volunteer.language);
  const std::string& tz = volunteer.timezone.empty() ? group.timezone : volunteer.timezone;
  data d;
  d.set("name", volunteer.name);
  d.set("group", group.name);
  d.set("calendar_url", links.calendar);
  d.set("unsubscribe_url", links.unsubscribe);
  data list{data::type::list};
  for (const auto& a : assignments) {
    if (a.status == "declined" || a.status == "cancelled") continue;
    list.push_back(assignment_data(a, fmt, tz, lang, now));
  }
  d.set("has_assignments", !list.is_empty_list());
  d.set("assignments", list);
  // The soonest few that suit them (a digest is read, not scrolled); the
  // count of the rest.
  data offers{data::type::list};
  int shown = 0, more = 0;
  for (const auto& o : open) {
    if (o.slot.taken >= o.slot.capacity || !suits(volunteer, o.slot)) continue;
    bool already = std::any_of(assignments.begin(), assignments.end(), [&](const auto& a) {
      return a.slot.id == o.slot.id && a.status != "declined" && a.status != "cancelled";
    });
    if (already) continue;
    if (shown == kMaxOffers) {
      ++more;
      continue;
    }
    data x;
    set_meeting(x, o.meeting, fmt, tz, lang);
    set_slot(x, o.slot, o.agenda_item, lang);
    offers.push_back(x);
    ++shown;
  }
  d.set("has_open", shown > 0);
  d.set("open", offers);
  if (more > 0) d.set("more", std::to_string(more));
  return render_mail(t, group.slug, lang, "volunteer_digest", d);
}

Mail coordinator_digest(const Templates& t, const TimeFormat& fmt, const sdk::GroupView& group,
                        const std::string& name, const std::string& language, const CoordinatorDigestData& in) {
  const std::string lang = Templates::language_of(language);
  const std::string& tz = group.timezone;
  data d;
  d.set("name", name);
  d.set("group", group.name);
  d.set("app_url", group.public_url + "/app/");
  data unfilled{data::type::list};
  for (const auto& o : in.unfilled) {
    data x;
    set_meeting(x, o.meeting, fmt, tz, lang);
    set_slot(x, o.slot, o.agenda_item, lang);
    unfilled.push_back(x);
  }
  d.set("unfilled_count", std::to_string(in.unfilled.size()));
  d.set("unfilled", unfilled);
  data deadlines{data::type::list};
  for (const auto& [m, dl] : in.deadlines) {
    data x;
    set_meeting(x, m, fmt, tz, lang);
    x.set("when", fmt(dl.at, tz, lang, sdk::TimeStyle::short_form));
    x.set("label", label(lang, dl.kind));
    deadlines.push_back(x);
  }
  d.set("deadline_count", std::to_string(in.deadlines.size()));
  d.set("deadlines", deadlines);
  data interpreters{data::type::list};
  for (const auto& a : in.interpreter_requests) {
    data x;
    set_meeting(x, a.meeting, fmt, tz, lang);
    x.set("language", a.needs_interpreter);
    interpreters.push_back(x);
  }
  d.set("interpreters", interpreters);
  d.set("no_show_count", std::to_string(in.no_shows.size()));
  d.set("failed_count", std::to_string(in.failed_messages));
  return render_mail(t, group.slug, lang, "coordinator_digest", d);
}

Mail notice(const Templates& t, const TimeFormat& fmt, const std::string& kind, const sdk::GroupView& group,
            const sdk::VolunteerView& volunteer, const sdk::AssignmentView& assignment, const Links& links,
            std::int64_t now, const std::string& ics) {
  if (std::find(std::begin(kNames), std::end(kNames), kind) == std::end(kNames) || kind.find("digest") != std::string::npos)
    throw MailError("notice: no notice called " + kind);
  const std::string lang = Templates::language_of(volunteer.language);
  const std::string& tz = volunteer.timezone.empty() ? group.timezone : volunteer.timezone;
  data d = assignment_data(assignment, fmt, tz, lang, now);
  d.set("name", volunteer.name);
  d.set("group", group.name);
  d.set("calendar_url", links.calendar);
  d.set("unsubscribe_url", links.unsubscribe);
  Mail m = render_mail(t, group.slug, lang, kind, d);
  if (!ics.empty()) m.attachments.push_back({"meeting.ics", "text/calendar; charset=utf-8; method=PUBLISH", ics});
  return m;
}

std::string kind_name(sdk::MessageKind kind) {
  using K = sdk::MessageKind;
  switch (kind) {
    case K::reminder: return "reminder";
    case K::confirmation_request: return "confirmation_request";
    case K::meeting_cancelled: return "meeting_cancelled";
    case K::meeting_postponed: return "meeting_postponed";
    case K::meeting_moved: return "meeting_moved";
    case K::deadline: return "deadline";
    case K::coordinator_notice: return "coordinator_notice";
    case K::opt_out_confirmation: return "opt_out_confirmation";
    case K::opt_in_confirmation: return "opt_in_confirmation";
    case K::help: return "help";
    case K::reply_received: return "reply_received";
  }
  return "unknown";
}

Mail intent_mail(const Templates& t, const TimeFormat& fmt, const sdk::MessageIntent& in, const Links& links,
                 std::int64_t now) {
  using K = sdk::MessageKind;
  if (in.kind != K::reminder && in.kind != K::confirmation_request && in.kind != K::meeting_cancelled &&
      in.kind != K::meeting_postponed && in.kind != K::meeting_moved && in.kind != K::deadline &&
      in.kind != K::coordinator_notice)
    throw MailError("email does not carry " + kind_name(in.kind) + " (an answer to a text message)");
  const std::string lang = Templates::language_of(in.language);
  const std::string tz = in.timezone.empty() ? in.group.timezone : in.timezone;
  const sdk::MeetingView* meeting = in.meeting ? &*in.meeting : in.assignment ? &in.assignment->meeting : nullptr;
  if (!meeting) throw MailError("the message is about no meeting");
  data d = in.assignment ? assignment_data(*in.assignment, fmt, tz, lang, now) : data{};
  if (!in.assignment) {
    set_meeting(d, *meeting, fmt, tz, lang);
    auto w = where(*meeting, "", lang);
    if (!w.empty()) d.set("where", w);
  } else {
    set_meeting(d, *meeting, fmt, tz, lang);  // the newest time, for a moved meeting
  }
  d.set("name", in.volunteer ? in.volunteer->name : std::string());
  d.set("group", in.group.name);
  d.set("app_url", in.group.public_url + "/app/");
  d.set("calendar_url", links.calendar);
  d.set("unsubscribe_url", links.unsubscribe);
  if (in.deadline_at) {
    d.set("deadline_label", label(lang, in.deadline_kind));
    d.set("deadline_when", fmt(in.deadline_at, tz, lang, sdk::TimeStyle::long_form));
    d.set("deadline_short", fmt(in.deadline_at, tz, lang, sdk::TimeStyle::short_form));
  }
  if (in.kind == K::coordinator_notice) d.set(in.notice == "declined" ? "declined" : "interpreter", true);
  Mail m = render_mail(t, in.group.slug, lang, kind_name(in.kind), d);
  if (!in.template_override.empty()) {
    // Parsed afresh: the render cache keys on a template's address, which a
    // group's text (a copy per message) does not keep.
    mustache own(in.template_override);
    own.set_custom_escape([](const std::string& s) { return s; });
    std::string text = own.is_valid() ? own.render(d) : std::string();
    if (!own.is_valid()) throw MailError("the group's template: " + own.error_message());
    m.text = std::move(text);
    m.html = html_page(lang, m.subject, text_as_html(m.text));
  }
  if (in.volunteer && !in.volunteer->email.empty()) m.to = {in.volunteer->name, in.volunteer->email};
  return m;
}

namespace {
const sdk::MessageKind kNoticeKinds[] = {sdk::MessageKind::reminder,          sdk::MessageKind::confirmation_request,
                                         sdk::MessageKind::meeting_cancelled, sdk::MessageKind::meeting_postponed,
                                         sdk::MessageKind::meeting_moved,
                                         sdk::MessageKind::deadline,          sdk::MessageKind::coordinator_notice};
}  // namespace

std::vector<sdk::ChannelTemplate> group_templates(const Templates& t) {
  std::vector<sdk::ChannelTemplate> out;
  for (auto kind : kNoticeKinds)
    for (const char* lang : {"en", "es"}) out.push_back({kind, lang, t.get("", lang, kind_name(kind), "txt")});
  return out;
}

const std::vector<std::string>& group_template_variables() {
  static const std::vector<std::string> kNames = {
      "name",     "group",    "title",   "body",     "when",           "short_when",    "where",
      "role",     "item",     "minutes", "order",    "free",           "capacity",      "status",
      "deadlines", "label",   "cancelled", "app_url", "calendar_url",  "unsubscribe_url", "deadline_label",
      "deadline_when", "deadline_short", "declined", "interpreter"};
  return kNames;
}

std::string text_as_html(const std::string& text) {
  auto escape = [](std::string_view s) { return kainjow::mustache::html_escape<std::string>(std::string(s)); };
  std::string out = "<p style=\"margin:0 0 16px\">";
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 8, "https://") == 0 || text.compare(i, 7, "http://") == 0) {
      auto end = text.find_first_of(" \t\r\n<>\"", i);
      if (end == std::string::npos) end = text.size();
      // A sentence's closing punctuation is not part of the link.
      while (end > i && std::string_view(".,;:)!?").find(text[end - 1]) != std::string_view::npos) --end;
      auto url = escape(std::string_view(text).substr(i, end - i));
      out += "<a href=\"" + url + "\" style=\"color:#0b5cad\">" + url + "</a>";
      i = end;
    } else if (text[i] == '\n') {
      std::size_t j = i;
      while (j < text.size() && (text[j] == '\n' || text[j] == '\r')) ++j;
      bool paragraph = std::count(text.begin() + static_cast<long>(i), text.begin() + static_cast<long>(j), '\n') > 1;
      if (j == text.size()) break;
      out += paragraph ? "</p>\n<p style=\"margin:0 0 16px\">" : "<br>\n";
      i = j;
    } else {
      auto end = text.find_first_of("\nh", i + 1);
      if (end == std::string::npos) end = text.size();
      out += escape(std::string_view(text).substr(i, end - i));
      i = end;
    }
  }
  out += "</p>";
  return out;
}

}  // namespace turnout::email
