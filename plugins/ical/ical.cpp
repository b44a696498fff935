// The calendar plugin: renders the feeds the host serves under /feeds/...
// (plugin.hpp, "Calendar feeds"), with libical building every component
// and property and writing the text.
//
//   a volunteer's feed   their assignments (meeting, body, place or their own
//                        join link, role, agenda item, order, minutes,
//                        stance) and the deadlines that concern them
//   a group's feed       upcoming meetings and their agenda, no person named
//   a body's feed        the same for one body, public, without the stance
//
// The policy (UIDs, SEQUENCE, cancellation, times in UTC, alarms) is in
// docs/calendar.md; the numbers are the constants below.
//
//   [plugin.ical]
//   alarm_minutes = 120   # default reminder before each assignment and deadline; 0: none
#include <turnout/plugin.hpp>

#include <libical/ical.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace turnout::plugin;

constexpr std::int64_t kDay = 86400;
// A meeting stays this long after it ended, and a cancelled one (or a
// cancelled assignment) this long after it was cancelled, then leaves.
constexpr std::int64_t kKeepSeconds = 30 * kDay;
constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max() / 2;
constexpr int kMaxAlarmMinutes = 7 * 24 * 60;

// ---- words -----------------------------------------------------------------

struct Words {
  const char* my_calendar;       // "{group}: my meetings"
  const char* my_calendar_desc;
  const char* group_calendar;
  const char* group_calendar_desc;
  const char* body_calendar;
  const char* body_calendar_desc;
  const char* cancelled_prefix;
  const char* role;
  const char* minutes;
  const char* order;
  const char* item;
  const char* stance;
  const char* status;
  const char* invited;
  const char* confirmed;
  const char* declined;
  const char* cancelled;
  const char* attended;
  const char* join;
  const char* remote;
  const char* written;
  const char* interpreter;
  const char* starts;
  const char* agenda;
  const char* stream;
  const char* support;
  const char* oppose;
  const char* neutral;
  const char* signup_closes;
  const char* written_due;
  const char* interpreter_due;
  const char* speaker;
  const char* interpreter_role;
  const char* turnout;
  const char* notetaker;
  const char* meeting_status_tentative;
  const char* meeting_status_postponed;
  const char* reminder;
};

const Words kEnglish{
    "my meetings",
    "When and where you speak, on which item, and the deadlines that concern you.",
    "meetings",
    "Upcoming meetings and agenda items.",
    "public meetings",
    "Upcoming public meetings of this body.",
    "Cancelled: ",
    "Your role",
    "minutes",
    "in speaking order",
    "Agenda item",
    "Stance",
    "Status",
    "invited, please confirm",
    "confirmed",
    "declined",
    "cancelled",
    "done",
    "Join (your own link, do not share)",
    "remote",
    "written",
    "Interpreter",
    "Starts",
    "Agenda",
    "Public stream",
    "support",
    "oppose",
    "neutral",
    "Sign-up closes",
    "Written testimony due",
    "Interpreter request due",
    "Speaker",
    "Interpreter",
    "In the room",
    "Note-taker",
    "tentative",
    "postponed",
    "Reminder",
};

const Words kSpanish{
    "mis reuniones",
    "Cuándo y dónde hablas, sobre qué punto, y los plazos que te tocan.",
    "reuniones",
    "Próximas reuniones y puntos de la agenda.",
    "reuniones públicas",
    "Próximas reuniones públicas de este órgano.",
    "Cancelada: ",
    "Tu papel",
    "minutos",
    "en el orden de palabra",
    "Punto de la agenda",
    "Postura",
    "Estado",
    "invitación, confirma por favor",
    "confirmado",
    "rechazado",
    "cancelado",
    "hecho",
    "Enlace para entrar (solo tuyo, no lo compartas)",
    "a distancia",
    "por escrito",
    "Intérprete",
    "Empieza",
    "Agenda",
    "Transmisión pública",
    "a favor",
    "en contra",
    "neutral",
    "Cierra la inscripción",
    "Vence el testimonio escrito",
    "Vence la solicitud de intérprete",
    "Orador(a)",
    "Intérprete",
    "Presencia en la sala",
    "Toma de notas",
    "por confirmar",
    "aplazada",
    "Recordatorio",
};

const Words& words_for(std::string_view language) {
  return language.substr(0, 2) == "es" ? kSpanish : kEnglish;
}

std::string role_label(const Words& w, const std::string& role) {
  if (role == "speaker") return w.speaker;
  if (role == "interpreter") return w.interpreter_role;
  if (role == "turnout") return w.turnout;
  if (role == "notetaker") return w.notetaker;
  return role;  // the group's own
}

std::string stance_label(const Words& w, const std::string& stance) {
  if (stance == "support") return w.support;
  if (stance == "oppose") return w.oppose;
  if (stance == "neutral") return w.neutral;
  return stance;
}

std::string assignment_status_label(const Words& w, const std::string& status) {
  if (status == "invited") return w.invited;
  if (status == "confirmed") return w.confirmed;
  if (status == "declined") return w.declined;
  if (status == "cancelled") return w.cancelled;
  return w.attended;
}

std::string deadline_label(const Words& w, const std::string& kind) {
  if (kind == "signup_closes") return w.signup_closes;
  if (kind == "written_testimony_due") return w.written_due;
  return w.interpreter_due;
}

// ---- text ------------------------------------------------------------------

// Text as iCalendar may carry it: UTF-8 (anything else replaced), line
// breaks as LF (libical writes them as \n), no other control characters.
std::string clean(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (c == '\r') {
        out += '\n';
        if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
      } else if (c == '\n' || c == '\t' || c >= 0x20) {
        out += (c == 0x7f) ? ' ' : static_cast<char>(c);
      } else {
        out += ' ';
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok) {
      out.append(in.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
    }
  }
  return out;
}

// Writes each content line again, folded at 75 octets (RFC 5545 §3.1)
// without splitting a UTF-8 sequence or a backslash escape, with CRLF.
// libical 3.0 folds too, but may cut inside a multi-byte character; this
// undoes its folding and does it again, the same way every time.
std::string refold(std::string_view text) {
  std::string unfolded;
  unfolded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CR of CRLF
    if (text[i] == '\n' && i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t')) {
      ++i;  // a fold: drop the line break and the one white space after it
      continue;
    }
    unfolded += text[i];
  }
  std::string out;
  out.reserve(unfolded.size() + unfolded.size() / 60 * 3 + 2);
  std::string_view rest(unfolded);
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty()) continue;
    std::size_t limit = 75;  // octets on this physical line, after any leading space
    bool first = true;
    while (!line.empty()) {
      std::size_t cut = std::min(limit, line.size());
      if (cut < line.size()) {
        // back off to the start of a character...
        while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
        // ...and not between a backslash and the character it escapes
        std::size_t slashes = 0;
        while (slashes < cut && line[cut - 1 - slashes] == '\\') ++slashes;
        if (slashes % 2 == 1) --cut;
        if (cut == 0) cut = std::min(limit, line.size());  // cannot happen with real text
      }
      if (!first) out += ' ';
      out.append(line.substr(0, cut));
      out += "\r\n";
      line.remove_prefix(cut);
      first = false;
      limit = 74;
    }
  }
  return out;
}

// The host of the daemon's public URL: the right side of every UID.
std::string uid_domain(const std::string& public_url) {
  std::string_view s(public_url);
  if (auto p = s.find("://"); p != std::string_view::npos) s.remove_prefix(p + 3);
  s = s.substr(0, s.find_first_of("/?#"));
  if (auto at = s.rfind('@'); at != std::string_view::npos) s.remove_prefix(at + 1);
  if (!s.empty() && s.front() == '[') {
    s = s.substr(0, s.find(']') + 1);
  } else {
    s = s.substr(0, s.find(':'));
  }
  return s.empty() ? std::string("turnout.invalid") : std::string(s);
}

// ---- libical helpers -------------------------------------------------------

struct ComponentDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentDeleter>;

icaltimetype utc(std::int64_t t) {
  return icaltime_from_timet_with_zone(static_cast<time_t>(t), 0, icaltimezone_get_utc_timezone());
}

void add_text(icalcomponent* c, icalproperty* (*make)(const char*), const std::string& value) {
  if (value.empty()) return;
  icalcomponent_add_property(c, make(clean(value).c_str()));
}

// An X- property with a TEXT value (written VALUE=TEXT), so that libical
// escapes its backslashes and line breaks. (libical 3.0 leaves commas and
// semicolons of an X- property as they are; readers take them literally.)
void add_x_text(icalcomponent* c, const char* name, const std::string& value) {
  icalproperty* p = icalproperty_new_x("");
  icalproperty_set_x_name(p, name);
  icalproperty_set_value(p, icalvalue_new_text(clean(value).c_str()));
  icalcomponent_add_property(c, p);
}

icalproperty* duration_property(icalproperty* p) {
  icalproperty_add_parameter(p, icalparameter_new_value(ICAL_VALUE_DURATION));
  return p;
}

void add_alarm(icalcomponent* event, int minutes, const std::string& text) {
  if (minutes <= 0) return;
  icalcomponent* alarm = icalcomponent_new(ICAL_VALARM_COMPONENT);
  icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
  icaltriggertype trigger = icaltriggertype_from_int(0);
  trigger.duration = icaldurationtype_from_int(-minutes * 60);
  icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
  icalcomponent_add_property(alarm, icalproperty_new_description(clean(text).c_str()));
  icalcomponent_add_component(event, alarm);
}

// The parts every event has.
icalcomponent* new_event(const std::string& uid, std::int64_t stamp, std::int64_t starts, std::int64_t ends,
                         int sequence, icalproperty_status status) {
  icalcomponent* e = icalcomponent_new(ICAL_VEVENT_COMPONENT);
  icalcomponent_add_property(e, icalproperty_new_uid(uid.c_str()));
  // From the data's own update time, so the same data gives the same bytes.
  icalcomponent_add_property(e, icalproperty_new_dtstamp(utc(stamp)));
  icalcomponent_add_property(e, icalproperty_new_lastmodified(utc(stamp)));
  icalcomponent_add_property(e, icalproperty_new_dtstart(utc(starts)));
  icalcomponent_add_property(e, icalproperty_new_dtend(utc(std::max(ends, starts))));
  icalcomponent_add_property(e, icalproperty_new_sequence(sequence));
  icalcomponent_add_property(e, icalproperty_new_status(status));
  return e;
}

icalproperty_status meeting_status(const MeetingView& m) {
  if (m.status == "cancelled") return ICAL_STATUS_CANCELLED;
  if (m.status == "tentative" || m.status == "postponed") return ICAL_STATUS_TENTATIVE;
  return ICAL_STATUS_CONFIRMED;
}

// ---- what a feed holds, and until when -------------------------------------

// When an event leaves the feed: 30 days after the meeting ended, or after
// it (or the assignment) was cancelled, whichever is first.
std::int64_t leaves_at(const MeetingView& m, bool cancelled, std::int64_t cancelled_at) {
  std::int64_t at = m.ends_at + kKeepSeconds;
  if (cancelled) at = std::min(at, cancelled_at + kKeepSeconds);
  return at;
}

// Collects the feed's Last-Modified and the moment time alone changes it.
struct Clockwork {
  std::int64_t now = 0;
  std::int64_t last_modified = 0;
  std::int64_t expires_at = kForever;
  // True when the event is in the feed now. An event that left counts
  // towards Last-Modified at the moment it left, so the header never goes
  // back in time when something drops out.
  bool keep(std::int64_t stamp, std::int64_t leaves) {
    if (leaves <= now) {
      last_modified = std::max(last_modified, leaves);
      return false;
    }
    last_modified = std::max(last_modified, stamp);
    expires_at = std::min(expires_at, leaves);
    return true;
  }
};

class Calendar {
 public:
  Calendar(const std::string& name, const std::string& description)
      : cal_(icalcomponent_new(ICAL_VCALENDAR_COMPONENT)) {
    icalcomponent* c = cal_.get();
    icalcomponent_add_property(c, icalproperty_new_version("2.0"));
    icalcomponent_add_property(c, icalproperty_new_prodid("-//Turnout//Calendar feeds 1.0//EN"));
    icalcomponent_add_property(c, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(c, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    add_text(c, icalproperty_new_name, name);  // RFC 7986
    add_x_text(c, "X-WR-CALNAME", name);       // Apple, Google, Outlook
    add_text(c, icalproperty_new_description, description);
    add_x_text(c, "X-WR-CALDESC", description);
    // Ask clients to poll hourly: RFC 7986 and the older Microsoft name.
    icalcomponent_add_property(c, duration_property(icalproperty_new_refreshinterval(icaldurationtype_from_int(3600))));
    icalproperty* ttl = icalproperty_new_x("PT1H");
    icalproperty_set_x_name(ttl, "X-PUBLISHED-TTL");
    icalcomponent_add_property(c, ttl);
  }
  void add(icalcomponent* event) { icalcomponent_add_component(cal_.get(), event); }
  std::string text() const {
    char* raw = icalcomponent_as_ical_string_r(cal_.get());
    if (!raw) return {};
    std::string out = refold(raw);
    icalmemory_free_buffer(raw);
    return out;
  }

 private:
  Component cal_;
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (l.empty()) continue;
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

std::string item_line(const AgendaItemView& item) {
  return item.number.empty() ? item.title : item.number + " " + item.title;
}

std::string meeting_summary(const Words& w, const MeetingView& m) {
  std::string s = m.title;
  if (!m.body_name.empty()) s += " (" + m.body_name + ")";
  if (m.status == "cancelled") s = w.cancelled_prefix + s;
  return s;
}

// ---- the renderer ----------------------------------------------------------

class Renderer {
 public:
  Renderer(Host& host, int alarm_minutes) : host_(host), alarm_minutes_(alarm_minutes) {}

  bool render(const FeedRequest& request, Feed& feed, std::string& error) {
    auto group = host_.group(request.group_id);
    if (!group) {
      error = "the group is gone";
      return false;
    }
    Clockwork clock{request.now};
    std::string text;
    switch (request.kind) {
      case FeedKind::volunteer: {
        auto volunteer = host_.volunteer(request.group_id, request.id);
        if (!volunteer) {
          error = "the volunteer is gone";
          return false;
        }
        text = volunteer_feed(*group, *volunteer, clock, request.assignment_id);
        break;
      }
      case FeedKind::group: text = meetings_feed(*group, std::nullopt, clock); break;
      case FeedKind::body: text = meetings_feed(*group, request.id, clock); break;
    }
    if (text.empty()) {
      error = "libical wrote nothing";
      return false;
    }
    feed.text = std::move(text);
    feed.last_modified = clock.last_modified;
    feed.expires_at = clock.expires_at == kForever ? 0 : clock.expires_at;
    return true;
  }

 private:
  // A volunteer's tag "calendar-alarm:N" (minutes; 0 for none) overrides
  // the plugin's default.
  int alarm_for(const VolunteerView& v) const {
    constexpr std::string_view kTag = "calendar-alarm:";
    for (const auto& tag : v.tags) {
      if (!tag.starts_with(kTag)) continue;
      int minutes = 0;
      auto digits = std::string_view(tag).substr(kTag.size());
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), minutes);
      if (ec == std::errc() && end == digits.data() + digits.size() && minutes >= 0 && minutes <= kMaxAlarmMinutes)
        return minutes;
    }
    return alarm_minutes_;
  }

  // Every assignment of theirs, or only `only` when it is not 0.
  std::string volunteer_feed(const GroupView& group, const VolunteerView& v, Clockwork& clock, std::int64_t only = 0) {
    const Words& w = words_for(v.language);
    const std::string domain = uid_domain(group.public_url);
    const int alarm = alarm_for(v);
    Calendar cal(group.name + ": " + w.my_calendar, w.my_calendar_desc);
    clock.last_modified = std::max(clock.last_modified, v.updated_at);
    std::set<std::pair<std::string, std::int64_t>> deadlines_done;  // (kind, meeting): once even with two places
    for (const auto& a : host_.volunteer_assignments(group.id, v.id, clock.now - kKeepSeconds - kDay, kForever)) {
      if (only && a.id != only) continue;
      const MeetingView& m = a.meeting;
      bool a_cancelled = a.status == "cancelled" || a.status == "declined";
      bool m_cancelled = m.status == "cancelled";
      std::int64_t stamp = std::max(m.updated_at, a.updated_at);
      std::int64_t leaves = leaves_at(m, a_cancelled || m_cancelled,
                                      std::max(a_cancelled ? a.updated_at : 0, m_cancelled ? m.updated_at : 0));
      if (!clock.keep(stamp, leaves)) continue;

      // SEQUENCE: the meeting's, plus how far the assignment has come
      // (invited 0, confirmed or done 1, declined or cancelled 2); both
      // only rise, so the sum does.
      int rank = a.status == "invited" ? 0 : a_cancelled ? 2 : 1;
      icalproperty_status status = (m_cancelled || a_cancelled) ? ICAL_STATUS_CANCELLED
                                   : (a.status == "invited" || meeting_status(m) == ICAL_STATUS_TENTATIVE)
                                       ? ICAL_STATUS_TENTATIVE
                                       : ICAL_STATUS_CONFIRMED;
      icalcomponent* e = new_event("assignment-" + std::to_string(a.id) + "@" + domain, stamp, m.starts_at, m.ends_at,
                                   m.sequence + rank, status);
      std::string role = role_label(w, a.slot.role);
      std::string summary = role + ": " + m.title;
      if (!m.body_name.empty()) summary += " (" + m.body_name + ")";
      if (status == ICAL_STATUS_CANCELLED) summary = w.cancelled_prefix + summary;
      add_text(e, icalproperty_new_summary, summary);

      // Where: their own join link when they testify remotely, else the room.
      bool remote = a.slot.mode == "remote";
      std::string where = remote && !a.join_url.empty() ? a.join_url : m.location;
      add_text(e, icalproperty_new_location, where);
      if (remote && !a.join_url.empty()) add_text(e, icalproperty_new_url, clean(a.join_url));

      std::string role_line = std::string(w.role) + ": " + role;
      if (a.slot.minutes > 0) role_line += ", " + std::to_string(a.slot.minutes) + " " + w.minutes;
      if (a.slot.order > 0) role_line += ", #" + std::to_string(a.slot.order) + " " + w.order;
      if (a.slot.mode == "remote") role_line += std::string(", ") + w.remote;
      if (a.slot.mode == "written") role_line += std::string(", ") + w.written;
      std::string stance = !a.stance.empty() ? a.stance : a.agenda_item ? a.agenda_item->stance : "";
      std::vector<std::string> lines{
          role_line,
          a.agenda_item ? std::string(w.item) + ": " + item_line(*a.agenda_item) : "",
          stance.empty() ? "" : std::string(w.stance) + ": " + stance_label(w, stance),
          std::string(w.status) + ": " + assignment_status_label(w, a.status) +
              (m.status == "tentative"   ? std::string(" (") + w.meeting_status_tentative + ")"
               : m.status == "postponed" ? std::string(" (") + w.meeting_status_postponed + ")"
                                         : ""),
          remote && !a.join_url.empty() ? std::string(w.join) + ": " + a.join_url : "",
          a.needs_interpreter.empty() ? "" : std::string(w.interpreter) + ": " + a.needs_interpreter,
          std::string(w.starts) + ": " + m.starts_at_local + " (" + m.timezone + ")",
          m.agenda_url.empty() ? "" : std::string(w.agenda) + ": " + m.agenda_url,
      };
      add_text(e, icalproperty_new_description, join_lines(lines));
      if (status != ICAL_STATUS_CANCELLED) add_alarm(e, alarm, std::string(w.reminder) + ": " + summary);
      cal.add(e);

      if (a_cancelled || m_cancelled || a.status == "attended" || a.status == "no_show") continue;
      for (const auto& d : m.deadlines) {
        bool concerns = d.kind == "written_testimony_due" || (d.kind == "signup_closes" && a.status == "invited") ||
                        (d.kind == "interpreter_request_due" && !a.needs_interpreter.empty());
        if (!concerns || !deadlines_done.insert({d.kind, m.id}).second) continue;
        // A deadline stays as long as its meeting does.
        icalcomponent* de = new_event("deadline-" + d.kind + "-meeting-" + std::to_string(m.id) + "@" + domain,
                                      m.updated_at, d.at, d.at + 15 * 60, m.sequence, ICAL_STATUS_CONFIRMED);
        std::string title = deadline_label(w, d.kind) + ": " + m.title;
        add_text(de, icalproperty_new_summary, title);
        add_text(de, icalproperty_new_description,
                 join_lines({std::string(w.starts) + ": " + m.starts_at_local + " (" + m.timezone + ")",
                             m.agenda_url.empty() ? "" : std::string(w.agenda) + ": " + m.agenda_url}));
        icalcomponent_add_property(de, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
        add_alarm(de, alarm, std::string(w.reminder) + ": " + title);
        cal.add(de);
      }
    }
    return cal.text();
  }

  // The group's meetings (body_id empty), or one public body's. No person
  // is named; the public body feed leaves out the group's stance.
  std::string meetings_feed(const GroupView& group, std::optional<std::int64_t> body_id, Clockwork& clock) {
    const Words& w = words_for(group.language);
    const std::string domain = uid_domain(group.public_url);
    std::vector<MeetingView> meetings;
    for (auto& m : host_.meetings(group.id, clock.now - kKeepSeconds - kDay, kForever))
      if (!body_id || m.body_id == *body_id) meetings.push_back(std::move(m));
    std::string name = group.name + ": " + (body_id ? w.body_calendar : w.group_calendar);
    if (body_id && !meetings.empty()) name = meetings.front().body_name + " (" + group.name + ")";
    Calendar cal(name, body_id ? w.body_calendar_desc : w.group_calendar_desc);
    for (const auto& m : meetings) {
      bool cancelled = m.status == "cancelled";
      auto items = host_.agenda_items(group.id, m.id);
      std::int64_t stamp = m.updated_at;
      for (const auto& item : items) stamp = std::max(stamp, item.updated_at);
      if (!clock.keep(stamp, leaves_at(m, cancelled, m.updated_at))) continue;
      icalcomponent* e = new_event("meeting-" + std::to_string(m.id) + "@" + domain, stamp, m.starts_at, m.ends_at,
                                   m.sequence, meeting_status(m));
      add_text(e, icalproperty_new_summary, meeting_summary(w, m));
      add_text(e, icalproperty_new_location, m.location);
      std::vector<std::string> lines{std::string(w.starts) + ": " + m.starts_at_local + " (" + m.timezone + ")"};
      if (!items.empty()) lines.push_back(std::string(w.agenda) + ":");
      for (const auto& item : items) {
        std::string line = "- " + item_line(item);
        if (!body_id && !item.stance.empty()) line += " (" + stance_label(w, item.stance) + ")";
        lines.push_back(line);
      }
      if (!m.remote_url.empty()) lines.push_back(std::string(w.stream) + ": " + m.remote_url);
      if (!m.agenda_url.empty()) lines.push_back(std::string(w.agenda) + ": " + m.agenda_url);
      add_text(e, icalproperty_new_description, join_lines(lines));
      if (!m.agenda_url.empty()) add_text(e, icalproperty_new_url, clean(m.agenda_url));
      cal.add(e);
    }
    return cal.text();
  }

  Host& host_;
  int alarm_minutes_;
};

// ---- the plugin ------------------------------------------------------------

// `alarm_minutes = N` from the plugin's TOML section.
int alarm_from(const std::string& toml, std::string& error) {
  auto at = toml.find("alarm_minutes");
  if (at == std::string::npos) return 120;
  auto eq = toml.find('=', at);
  auto start = eq == std::string::npos ? std::string::npos : toml.find_first_not_of(" \t", eq + 1);
  int minutes = -1;
  if (start != std::string::npos) {
    auto end = toml.find_first_of(" \t\r\n#", start);
    std::string_view digits(toml.data() + start, (end == std::string::npos ? toml.size() : end) - start);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), minutes);
    if (ec != std::errc() || p != digits.data() + digits.size()) minutes = -1;
  }
  if (minutes < 0 || minutes > kMaxAlarmMinutes) {
    error = "[plugin.ical] alarm_minutes must be a whole number of minutes from 0 (no reminder) to 10080 (a week)";
    return -1;
  }
  return minutes;
}

class Ical final : public Plugin {
 public:
  Status start(Host& host, std::string& error) override {
    int alarm = alarm_from(host.config(), error);
    if (alarm < 0) return Status::failed;
    // libical sets up its UTC zone on first use; do it here, on one thread,
    // before renders run on several.
    icaltimezone_get_utc_timezone();
    renderer_ = std::make_unique<Renderer>(host, alarm);
    calendar_ = host.add_calendar([r = renderer_.get()](const FeedRequest& request, Feed& feed, std::string& why) {
      return r->render(request, feed, why);
    });
    if (!calendar_) {
      error = "another plugin renders the calendar feeds already; enable only one calendar plugin";
      return Status::failed;
    }
    host.log(LogLevel::info, "rendering /feeds/... (reminders " + std::to_string(alarm) + " minutes before)");
    return Status::ok;
  }

  void stop() override {
    calendar_.reset();
    renderer_.reset();
    // libical keeps the zone list it read for the builtin zones in globals;
    // give it back before the library is unloaded with us.
    icaltimezone_free_builtin_timezones();
  }

 private:
  std::unique_ptr<Renderer> renderer_;
  Handle calendar_;
};

const char* const kConfigKeys[] = {"alarm_minutes", nullptr};

}  // namespace

TURNOUT_PLUGIN(Ical, ical, "1.0.0", "Calendar feeds (iCalendar) for volunteers, groups and public bodies",
               turnout::plugin::capability::calendar, kConfigKeys)
