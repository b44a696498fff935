// The SMS plugin: a notification channel for Turnout's outbox.
//
// The host plans, queues, retries and reads replies; this plugin words each
// message (Mustache templates, English and Spanish, a group may override
// them) and sends it through one transport:
//
//   file    one file per message under `dir` (default var/outbox/sms)
//   kannel  Kannel's sendsms over HTTP, delivery reports through dlr-url
//   twilio  a Twilio-compatible REST API, status through StatusCallback
//
// Routes (open, each proves its caller):
//   GET  /plugins/sms/inbound/kannel?from=&to=&text=&secret=   replies via Kannel
//   GET  /plugins/sms/dlr/kannel?id=&status=&secret=           Kannel delivery reports
//   POST /plugins/sms/inbound/twilio                           replies via Twilio (signed)
//   POST /plugins/sms/status/twilio                            Twilio status callbacks (signed)
//
// Never logs a number, a text or a token: message ids and statuses only.
#include <curl/curl.h>
#include <fcntl.h>
#include <phonenumbers/phonenumberutil.h>
#include <strings.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <kainjow/mustache.hpp>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <turnout/plugin.hpp>

#include "sms_text.hpp"

namespace {

using namespace turnout::plugin;
namespace fs = std::filesystem;
using turnout::sms::count_segments;

struct Settings {
  std::string transport = "file";
  fs::path dir = "var/outbox/sms";
  std::string url;
  std::string username, password, from;
  std::string inbound_secret;
  long timeout_seconds = 10;
};

// ---- wording -------------------------------------------------------------

// Spanish templates avoid á, í, ó and ú in their own words (they force UCS-2,
// 70 characters a segment); names and places keep their accents.
const std::map<std::pair<std::string, std::string>, std::string>& templates() {
  static const std::map<std::pair<std::string, std::string>, std::string> kTemplates = {
      {{"reminder", "en"},
       "{{group}}: reminder, {{what}} {{when}} at {{where}}. You: {{role}}{{#item}}, item {{item}}{{/item}}"
       "{{#order}}, #{{order}}{{/order}}{{#minutes}}, {{minutes}} min{{/minutes}}. HELP for help, STOP to opt out."},
      {{"reminder", "es"},
       "{{group}}: recordatorio, {{what}} el {{when}} en {{where}}. Tu papel: {{role}}{{#item}}, tema {{item}}{{/item}}"
       "{{#order}}, turno {{order}}{{/order}}{{#minutes}}, {{minutes}} min{{/minutes}}. AYUDA o STOP para salir."},
      {{"confirmation_request", "en"},
       "{{group}}: you're on for {{what}} {{when}} at {{where}}: {{role}}{{#item}}, item {{item}}{{/item}}"
       "{{#minutes}}, {{minutes}} min{{/minutes}}. Can you make it? Reply YES or NO."},
      {{"confirmation_request", "es"},
       "{{group}}: te anotamos para {{what}} el {{when}} en {{where}}: {{role}}{{#item}}, tema {{item}}{{/item}}"
       "{{#minutes}}, {{minutes}} min{{/minutes}}. ¿Puedes ir? Responde SI o NO."},
      // Short forms, used when the full text would take more than two
      // segments (a title or a place with á, í, ó or ú makes it UCS-2).
      {{"reminder_short", "en"}, "{{group}}: {{what}} {{when}}. You: {{role}}. STOP to opt out."},
      {{"reminder_short", "es"}, "{{group}}: {{what}} el {{when}}. Tu papel: {{role}}. STOP para salir."},
      {{"confirmation_request_short", "en"}, "{{group}}: {{what}} {{when}}, {{role}}. Can you? Reply YES or NO."},
      {{"confirmation_request_short", "es"}, "{{group}}: {{what}} el {{when}}, {{role}}. ¿Puedes? Responde SI o NO."},
      {{"meeting_cancelled", "en"},
       "{{group}}: {{what}} {{when}} is CANCELLED. Nothing to do; we will tell you if it is set again."},
      {{"meeting_cancelled", "es"},
       "{{group}}: {{what}} del {{when}} fue CANCELADA. No tienes que ir; te avisaremos si hay nueva fecha."},
      {{"meeting_postponed", "en"},
       "{{group}}: {{what}} {{when}} is POSTPONED. Do not go then; we will tell you the new date."},
      {{"meeting_postponed", "es"},
       "{{group}}: {{what}} del {{when}} se POSTERGO. No vayas ese dia; te avisaremos la nueva fecha."},
      {{"meeting_moved", "en"},
       "{{group}}: {{what}} moved from {{previous_when}} to {{when}} at {{where}}. If you can no longer make it, "
       "reply to this message."},
      {{"meeting_moved", "es"},
       "{{group}}: {{what}} cambia del {{previous_when}} al {{when}} en {{where}}. Si ya no puedes ir, responde a "
       "este mensaje."},
      {{"deadline", "en"}, "{{group}}: {{deadline_what}} for {{what}}: {{deadline_when}}."},
      {{"deadline", "es"}, "{{group}}: {{deadline_what}} para {{what}}: {{deadline_when}}."},
      {{"opt_out_confirmation", "en"},
       "{{group}}: you will get no more messages from us. Reply START to get them again."},
      {{"opt_out_confirmation", "es"},
       "{{group}}: no te enviaremos otros mensajes. Responde START para volver a recibirlos."},
      {{"opt_in_confirmation", "en"}, "{{group}}: welcome back, reminders will come again. Reply STOP to stop."},
      {{"opt_in_confirmation", "es"}, "{{group}}: listo, te enviaremos avisos otra vez. Responde STOP para salir."},
      {{"help", "en"},
       "{{group}}: reminders for public meetings. Reply YES or NO to a request, STOP to opt out, START to resume."},
      {{"help", "es"},
       "{{group}}: avisos de juntas publicas. Responde SI o NO a una solicitud, STOP para salir, START para volver."},
      {{"reply_received", "en"},
       "{{group}}: thank you. {{#confirmed}}You're confirmed for {{what}} {{when}}.{{/confirmed}}"
       "{{#declined}}We told the coordinators you can't make {{what}}.{{/declined}}"},
      {{"reply_received", "es"},
       "{{group}}: gracias. {{#confirmed}}Quedas confirmado para {{what}} el {{when}}.{{/confirmed}}"
       "{{#declined}}Le avisamos al equipo que no puedes ir a {{what}}.{{/declined}}"},
      {{"coordinator_notice", "en"}, "{{group}}: {{notice}} ({{what}} {{when}})."},
      {{"coordinator_notice", "es"}, "{{group}}: {{notice}} ({{what}} {{when}})."},
  };
  return kTemplates;
}

std::string kind_name(MessageKind k) {
  switch (k) {
    case MessageKind::reminder: return "reminder";
    case MessageKind::confirmation_request: return "confirmation_request";
    case MessageKind::meeting_cancelled: return "meeting_cancelled";
    case MessageKind::meeting_postponed: return "meeting_postponed";
    case MessageKind::meeting_moved: return "meeting_moved";
    case MessageKind::deadline: return "deadline";
    case MessageKind::opt_out_confirmation: return "opt_out_confirmation";
    case MessageKind::opt_in_confirmation: return "opt_in_confirmation";
    case MessageKind::help: return "help";
    case MessageKind::reply_received: return "reply_received";
    case MessageKind::coordinator_notice: return "coordinator_notice";
  }
  return "reminder";
}

// What a group may word for itself: every kind but the short forms, in
// both languages, with the names render_as() sets.
std::vector<ChannelTemplate> group_templates() {
  static const MessageKind kKinds[] = {
      MessageKind::reminder,      MessageKind::confirmation_request, MessageKind::meeting_cancelled,
      MessageKind::meeting_postponed,
      MessageKind::meeting_moved, MessageKind::deadline,             MessageKind::opt_out_confirmation,
      MessageKind::opt_in_confirmation, MessageKind::help,           MessageKind::reply_received,
      MessageKind::coordinator_notice};
  std::vector<ChannelTemplate> out;
  for (auto kind : kKinds)
    for (const char* lang : {"en", "es"})
      if (auto it = templates().find({kind_name(kind), lang}); it != templates().end())
        out.push_back({kind, lang, it->second});
  return out;
}
const std::vector<std::string> kTemplateVariables = {
    "group", "name",  "what",    "body",  "where",         "when",          "previous_when", "role",    "item",
    "order", "minutes", "join_url", "deadline_what", "deadline_when", "notice", "replies", "confirmed", "declined"};

// "2026-03-10T18:00:00-07:00" as people read it: "Tue Mar 10, 6:00 PM" or
// "10/3, 18:00" (numbers need no accents).
std::string friendly_time(const std::string& rfc3339, bool spanish) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  if (rfc3339.size() < 16 || std::sscanf(rfc3339.c_str(), "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) != 5) return rfc3339;
  char buf[64];
  if (spanish) {
    std::snprintf(buf, sizeof buf, "%d/%d, %02d:%02d", d, mo, h, mi);
    return buf;
  }
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || mo < 1 || mo > 12) return rfc3339;
  weekday wd{sys_days{ymd}};
  int h12 = h % 12 == 0 ? 12 : h % 12;
  std::snprintf(buf, sizeof buf, "%s %s %d, %d:%02d %s", kDays[wd.c_encoding()], kMonths[mo - 1], d, h12, mi,
                h < 12 ? "AM" : "PM");
  return buf;
}

std::string role_name(const std::string& role, bool es) {
  static const std::map<std::string, std::pair<std::string, std::string>> kRoles = {
      {"speaker", {"speaker", "orador(a)"}},
      {"interpreter", {"interpreter", "intérprete"}},
      {"turnout", {"fill the room", "asistente"}},
      {"notetaker", {"note-taker", "toma de notas"}}};
  auto it = kRoles.find(role);
  if (it == kRoles.end()) return role;
  return es ? it->second.second : it->second.first;
}

RenderedMessage render_as(const MessageIntent& in, const std::string& kind);

// Reminders and requests keep to two segments: the full wording when it
// fits, else the short one (a group's own template is taken as it is).
RenderedMessage render(const MessageIntent& in) {
  const std::string kind = kind_name(in.kind);
  RenderedMessage full = render_as(in, kind);
  if (!full.ok || full.segments <= 2 || !in.template_override.empty() ||
      (in.kind != MessageKind::reminder && in.kind != MessageKind::confirmation_request))
    return full;
  RenderedMessage short_form = render_as(in, kind + "_short");
  return short_form.ok ? short_form : full;
}

RenderedMessage render_as(const MessageIntent& in, const std::string& kind) {
  RenderedMessage out;
  const bool es = in.language.starts_with("es");
  const std::string lang = es ? "es" : "en";
  std::string source = kind.ends_with("_short") ? std::string() : in.template_override;
  if (source.empty()) {
    auto it = templates().find({kind, lang});
    if (it == templates().end()) {
      out.error = "no template for " + kind;
      return out;
    }
    source = it->second;
  }
  kainjow::mustache::mustache tmpl(source);
  if (!tmpl.is_valid()) {
    out.error = "the template is not valid Mustache: " + tmpl.error_message();
    return out;
  }
  kainjow::mustache::data data;
  data.set("group", in.group.name);
  if (in.meeting) {
    data.set("what", in.meeting->title);
    data.set("body", in.meeting->body_name);
    std::string where = in.meeting->location.empty() ? in.meeting->remote_url : in.meeting->location;
    data.set("where", where.empty() ? std::string(es ? "lugar por confirmar" : "place to be confirmed") : where);
    data.set("when", friendly_time(in.starts_at_local, es));
  }
  if (!in.previous_starts_at_local.empty()) data.set("previous_when", friendly_time(in.previous_starts_at_local, es));
  if (in.volunteer) data.set("name", in.volunteer->name);
  if (in.assignment) {
    const auto& a = *in.assignment;
    data.set("role", role_name(a.slot.role, es));
    if (a.slot.order > 0) data.set("order", std::to_string(a.slot.order));
    if (a.slot.minutes > 0) data.set("minutes", std::to_string(a.slot.minutes));
    if (a.agenda_item)
      data.set("item", a.agenda_item->number.empty() ? a.agenda_item->title
                                                     : a.agenda_item->number + " " + a.agenda_item->title);
    if (!a.join_url.empty()) data.set("join_url", a.join_url);
    data.set("confirmed", a.status == "confirmed" ? kainjow::mustache::data::type::bool_true
                                                  : kainjow::mustache::data::type::bool_false);
    data.set("declined", a.status == "declined" ? kainjow::mustache::data::type::bool_true
                                                : kainjow::mustache::data::type::bool_false);
  }
  if (!in.deadline_kind.empty()) {
    std::string what = in.deadline_kind == "signup_closes"
                           ? (es ? "Cierra la lista de oradores" : "Public sign-up closes")
                       : in.deadline_kind == "written_testimony_due"
                           ? (es ? "Entrega tu testimonio escrito antes del" : "Written testimony is due")
                           : (es ? "Pedir interpretes antes del" : "Request interpreters by");
    data.set("deadline_what", what);
    data.set("deadline_when", friendly_time(in.deadline_at_local, es));
  }
  if (!in.notice.empty())
    data.set("notice", in.notice == "declined" ? (es ? "un voluntario dijo NO" : "a volunteer said NO")
                                               : (es ? "hay que pedir interpretes" : "interpreters must be requested"));
  std::string replies;
  for (const auto& r : in.replies) replies += (replies.empty() ? "" : "/") + r;
  data.set("replies", replies);
  // SMS is plain text: Mustache's HTML escaping would turn & into &amp;.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  out.body = tmpl.render(data);
  if (!tmpl.is_valid()) {
    out.error = "the template could not be rendered: " + tmpl.error_message();
    out.body.clear();
    return out;
  }
  auto seg = count_segments(out.body);
  out.encoding = std::string(turnout::sms::encoding_name(seg));
  out.segments = seg.count;
  out.ok = true;
  return out;
}

// ---- transports ----------------------------------------------------------

bool valid_number(const std::string& e164) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber n;
  if (util->Parse(e164, "ZZ", &n) != PhoneNumberUtil::NO_PARSING_ERROR) return false;
  return util->IsValidNumber(n);
}

// One file per attempt, ID-ATTEMPT.sms: a message sent twice would show as
// two files, so the tests can count exactly-once at the transport.
fs::path message_file(const fs::path& dir, std::int64_t id, int attempt) {
  return dir / (std::to_string(id) + "-" + std::to_string(attempt) + ".sms");
}

// Writes the file whole or not at all (a temp file, fsync, rename, fsync of
// the folder): after a crash the file exists exactly when it was sent.
SendResult send_file(const Settings& s, const ChannelMessage& m) {
  std::error_code ec;
  fs::create_directories(s.dir, ec);
  auto final_path = message_file(s.dir, m.id, m.attempts + 1);
  auto tmp = s.dir / (std::to_string(m.id) + ".tmp");
  auto seg = count_segments(m.body);
  std::string content = "To: " + m.recipient + "\nFrom: " + s.from + "\nKey: " + m.idempotency_key +
                        "\nEncoding: " + std::string(turnout::sms::encoding_name(seg)) +
                        "\nSegments: " + std::to_string(seg.count) + "\n\n" + m.body + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return {SendOutcome::transient_failure, "", "cannot write in the SMS folder"};
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), final_path.c_str()) != 0) {
    fs::remove(tmp, ec);
    return {SendOutcome::transient_failure, "", "cannot write in the SMS folder"};
  }
  int dfd = ::open(s.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {SendOutcome::sent, "file:" + std::to_string(m.id), ""};
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::string error;  // curl's, when no answer came
};

HttpAnswer http(const Settings& s, const std::string& url, const std::string* form, bool basic_auth) {
  HttpAnswer a;
  CURL* curl = curl_easy_init();
  if (!curl) {
    a.error = "libcurl could not start";
    return a;
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, s.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (form) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size()));
  }
  if (basic_auth) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, s.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK)
    a.error = curl_easy_strerror(rc);
  else
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
  curl_easy_cleanup(curl);
  return a;
}

SendResult classify(const HttpAnswer& a, const std::string& gateway) {
  if (!a.error.empty()) return {SendOutcome::transient_failure, "", gateway + ": " + a.error};
  if (a.status == 429 || a.status >= 500)
    return {SendOutcome::transient_failure, "", gateway + " answered HTTP " + std::to_string(a.status)};
  return {SendOutcome::permanent_failure, "", gateway + " refused it: HTTP " + std::to_string(a.status)};
}

SendResult send_kannel(const Settings& s, const std::string& public_url, const ChannelMessage& m) {
  auto seg = count_segments(m.body);
  std::string dlr = public_url + "/plugins/sms/dlr/kannel?id=" + std::to_string(m.id) +
                    "&status=%d&secret=" + turnout::sms::url_encode(s.inbound_secret);
  std::string url =
      s.url + (s.url.find('?') == std::string::npos ? "?" : "&") + "username=" + turnout::sms::url_encode(s.username) +
      "&password=" + turnout::sms::url_encode(s.password) + "&from=" + turnout::sms::url_encode(s.from) +
      "&to=" + turnout::sms::url_encode(m.recipient) + "&text=" + turnout::sms::url_encode(m.body) +
      "&charset=UTF-8&coding=" + (seg.ucs2 ? "2" : "0") + "&dlr-mask=3&dlr-url=" + turnout::sms::url_encode(dlr);
  auto a = http(s, url, nullptr, false);
  // "0: Accepted for delivery" or "3: Queued for later delivery".
  if (a.error.empty() && a.status >= 200 && a.status < 300 && (a.body.starts_with("0:") || a.body.starts_with("3:")))
    return {SendOutcome::sent, std::to_string(m.id), ""};
  if (a.error.empty() && a.status >= 200 && a.status < 300)
    return {SendOutcome::transient_failure, "", "Kannel did not accept it"};
  return classify(a, "Kannel");
}

SendResult send_twilio(const Settings& s, const std::string& public_url, const ChannelMessage& m) {
  std::string base = s.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + "/2010-04-01/Accounts/" + turnout::sms::url_encode(s.username) + "/Messages.json";
  std::string form = "To=" + turnout::sms::url_encode(m.recipient) + "&From=" + turnout::sms::url_encode(s.from) +
                     "&Body=" + turnout::sms::url_encode(m.body) +
                     "&StatusCallback=" + turnout::sms::url_encode(public_url + "/plugins/sms/status/twilio");
  auto a = http(s, url, &form, true);
  if (a.error.empty() && (a.status == 200 || a.status == 201)) {
    auto j = nlohmann::json::parse(a.body, nullptr, false);
    if (j.is_object() && j.contains("sid") && j["sid"].is_string()) return {SendOutcome::sent, j["sid"], ""};
    return {SendOutcome::transient_failure, "", "the API answered without a message sid"};
  }
  return classify(a, "the SMS API");
}

// ---- the plugin ----------------------------------------------------------

std::string value_of(const std::vector<std::pair<std::string, std::string>>& pairs, std::string_view key) {
  for (const auto& [k, v] : pairs)
    if (k == key) return v;
  return {};
}

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

class Sms final : public Plugin {
 public:
  Status start(Host& host, std::string& error) override {
    host_ = &host;
    if (!read_settings(host.config(), error)) return Status::failed;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ChannelSpec spec;
    spec.name = "sms";
    spec.quiet_hours = true;
    spec.max_attempts = 8;
    spec.render = [](const MessageIntent& in) { return render(in); };
    spec.templates = group_templates();
    spec.template_variables = kTemplateVariables;
    spec.send = [this](const ChannelMessage& m) { return send(m); };
    spec.reconcile = [this](const ChannelMessage& m) {
      // Files tell exactly; a gateway may or may not have taken it.
      if (settings_.transport == "file")
        // The row counts the attempt that was in flight.
        return fs::exists(message_file(settings_.dir, m.id, m.attempts)) ? ReconcileOutcome::sent
                                                                         : ReconcileOutcome::not_sent;
      return ReconcileOutcome::unknown;
    };
    channel_ = host.add_channel(std::move(spec));
    if (!channel_) {
      error = "the sms channel could not be registered";
      return Status::failed;
    }
    routes_.push_back(host.add_route("GET", "/inbound/kannel", RouteAccess::open,
                                     [this](const HttpRequest& r) { return kannel_inbound(r); }));
    routes_.push_back(host.add_route("GET", "/dlr/kannel", RouteAccess::open,
                                     [this](const HttpRequest& r) { return kannel_dlr(r); }));
    routes_.push_back(host.add_route("POST", "/inbound/twilio", RouteAccess::open,
                                     [this](const HttpRequest& r) { return twilio_inbound(r); }));
    routes_.push_back(host.add_route("POST", "/status/twilio", RouteAccess::open,
                                     [this](const HttpRequest& r) { return twilio_status(r); }));
    for (const auto& r : routes_)
      if (!r) {
        error = "a route of the sms plugin could not be registered";
        return Status::failed;
      }
    host.log(LogLevel::info, "sms channel ready, transport " + settings_.transport);
    return Status::ok;
  }

  void stop() override {
    routes_.clear();
    channel_.reset();
    curl_global_cleanup();
  }

 private:
  bool read_settings(const std::string& section, std::string& error) {
    try {
      auto t = toml::parse(section);
      settings_.transport = t["transport"].value_or(std::string("file"));
      settings_.dir = t["dir"].value_or(std::string("var/outbox/sms"));
      settings_.url = t["url"].value_or(std::string("http://127.0.0.1:13013/cgi-bin/sendsms"));
      settings_.username = t["username"].value_or(std::string());
      settings_.password = t["password"].value_or(std::string());
      settings_.from = t["from"].value_or(std::string("+15555550100"));
      settings_.inbound_secret = t["inbound_secret"].value_or(std::string());
      settings_.timeout_seconds = t["timeout_seconds"].value_or(10L);
    } catch (const toml::parse_error& e) {
      error = std::string("[plugin.sms] cannot be read: ") + std::string(e.description());
      return false;
    }
    const auto& tr = settings_.transport;
    if (tr != "file" && tr != "kannel" && tr != "twilio") {
      error = "[plugin.sms] transport is file, kannel or twilio";
      return false;
    }
    if (settings_.timeout_seconds < 1 || settings_.timeout_seconds > 120) {
      error = "[plugin.sms] timeout_seconds is 1 to 120";
      return false;
    }
    if (tr != "file" && !settings_.url.starts_with("http://") && !settings_.url.starts_with("https://")) {
      error = "[plugin.sms] url must be an http:// or https:// address";
      return false;
    }
    if (tr == "twilio" && (settings_.username.empty() || settings_.password.empty())) {
      error = "[plugin.sms] transport twilio needs username (the account sid) and password (the auth token)";
      return false;
    }
    if (tr == "kannel" && settings_.inbound_secret.size() < 16) {
      error =
          "[plugin.sms] transport kannel needs inbound_secret, at least 16 characters (replies and reports prove "
          "themselves with it)";
      return false;
    }
    return true;
  }

  SendResult send(const ChannelMessage& m) {
    if (!valid_number(m.recipient)) return {SendOutcome::permanent_failure, "", "not a valid phone number"};
    if (settings_.transport == "kannel") return send_kannel(settings_, public_url(), m);
    if (settings_.transport == "twilio") return send_twilio(settings_, public_url(), m);
    return send_file(settings_, m);
  }

  bool kannel_secret_ok(const HttpRequest& r) const {
    return !settings_.inbound_secret.empty() &&
           turnout::sms::same_secret(value_of(r.query, "secret"), settings_.inbound_secret);
  }

  HttpResponse kannel_inbound(const HttpRequest& r) {
    if (!kannel_secret_ok(r)) return text(403, "forbidden\n");
    // smsbox encodes a space in %a as '+' (and a '+' as %2B); the host keeps
    // '+' literal in queries, so spaces come back here. A '+' the person
    // typed cannot be told from a space any more: it reads as a space.
    std::string words = value_of(r.query, "text");
    std::replace(words.begin(), words.end(), '+', ' ');
    InboundMessage m{value_of(r.query, "from"), value_of(r.query, "to"), words, ""};
    if (m.from.empty()) return text(400, "from is required\n");
    auto result = host_->inbound("sms", m);
    if (!result.error.empty()) return text(400, "refused\n");
    return text(200, "");  // the answer goes out through the outbox
  }

  HttpResponse kannel_dlr(const HttpRequest& r) {
    if (!kannel_secret_ok(r)) return text(403, "forbidden\n");
    std::string id = value_of(r.query, "id"), status = value_of(r.query, "status");
    // Kannel: 1 delivered, 2 undelivered, 4 buffered, 8 submitted, 16 rejected.
    DeliveryStatus st = status == "1"                       ? DeliveryStatus::delivered
                        : (status == "2" || status == "16") ? DeliveryStatus::failed
                                                            : DeliveryStatus::sent;
    if (id.empty()) return text(400, "id is required\n");
    bool known = host_->delivery_report(
        "sms", id, st,
        st == DeliveryStatus::failed ? "the SMS centre reported it undelivered (Kannel " + status + ")" : "");
    return text(known ? 200 : 404, known ? "ok\n" : "unknown message\n");
  }

  bool twilio_signed(const HttpRequest& r, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& form) const {
    std::string given;
    for (const auto& [k, v] : r.headers)
      if (k.size() == 18 && strcasecmp(k.c_str(), "X-Twilio-Signature") == 0) given = v;
    if (given.empty() || settings_.password.empty()) return false;
    auto expected = turnout::sms::twilio_signature(settings_.password, public_url() + path, form);
    return turnout::sms::same_secret(given, expected);
  }

  HttpResponse twilio_inbound(const HttpRequest& r) {
    auto form = turnout::sms::parse_form(r.body);
    if (!twilio_signed(r, "/plugins/sms/inbound/twilio", form)) return text(403, "forbidden\n");
    InboundMessage m{value_of(form, "From"), value_of(form, "To"), value_of(form, "Body"),
                     value_of(form, "MessageSid")};
    if (m.from.empty() || m.provider_id.empty()) return text(400, "From and MessageSid are required\n");
    auto result = host_->inbound("sms", m);
    if (!result.error.empty()) return text(400, "refused\n");
    HttpResponse resp;
    resp.content_type = "text/xml";
    resp.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";
    return resp;
  }

  HttpResponse twilio_status(const HttpRequest& r) {
    auto form = turnout::sms::parse_form(r.body);
    if (!twilio_signed(r, "/plugins/sms/status/twilio", form)) return text(403, "forbidden\n");
    std::string sid = value_of(form, "MessageSid"), status = value_of(form, "MessageStatus");
    if (sid.empty()) return text(400, "MessageSid is required\n");
    DeliveryStatus st = status == "delivered"                             ? DeliveryStatus::delivered
                        : (status == "failed" || status == "undelivered") ? DeliveryStatus::failed
                                                                          : DeliveryStatus::sent;
    std::string code = value_of(form, "ErrorCode");
    bool known = host_->delivery_report("sms", sid, st, code.empty() ? "" : "the provider reported error " + code);
    return text(known ? 200 : 404, known ? "ok\n" : "unknown message\n");
  }

  // [server] public_url, as the host gives it with every group: where the
  // gateway sends reports and replies, and what Twilio signs.
  std::string public_url() const {
    std::lock_guard lock(url_mutex_);
    if (public_url_.empty())
      if (auto g = host_->groups(); !g.empty()) public_url_ = g.front().public_url;
    return public_url_.empty() ? std::string("http://127.0.0.1:8080") : public_url_;
  }

  Host* host_ = nullptr;
  Settings settings_;
  mutable std::mutex url_mutex_;
  mutable std::string public_url_;
  Handle channel_;
  std::vector<Handle> routes_;
};

const char* const kKeys[] = {"transport",       "dir",  "url", "username", "password", "from", "inbound_secret",
                             "timeout_seconds", nullptr};

}  // namespace

TURNOUT_PLUGIN(Sms, sms, "1.0.0", "SMS reminders and replies: files, Kannel or a Twilio-compatible API",
               ::turnout::plugin::capability::notification_channel | ::turnout::plugin::capability::http_routes, kKeys)
