// The email plugin: weekly digests for volunteers and coordinators, and the
// notices the host plans (cancelled, moved, reminders), as multipart text
// and HTML mail in the person's language.
//
//   GET  /plugins/email/unsubscribe?t=TOKEN   a page asking to confirm (open)
//   POST /plugins/email/unsubscribe?t=TOKEN   unsubscribes; RFC 8058 one-click (open)
//   GET  /plugins/email/calendar?t=TOKEN      a page offering a calendar link (open)
//   POST /plugins/email/calendar?t=TOKEN      makes a new calendar link and shows it (open)
//   GET  /plugins/email/schedule              the group's digest day and time (viewer)
//   PUT  /plugins/email/schedule              {"day": "monday", "time": "09:00"} (coordinator)
//
// It is also the outbox's "email" channel: the host plans reminders and
// notices and asks this plugin to word them (render) and send them. Every
// message is composed whole (RFC 5322, MIME) when it is queued or first
// worded, without its To header: the outbox row keeps the recipient, and
// send() puts "To:" in front. So the outbox holds the bytes that go out, and
// a retry sends the same Message-ID. Never logs an address, a name or a
// message.
#include <turnout/plugin.hpp>

#include <sodium.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "digest.hpp"
#include "mime.hpp"
#include "parallel.hpp"
#include "schedule.hpp"
#include "smtp.hpp"
#include "unsubscribe.hpp"

namespace {

using namespace turnout::plugin;
namespace mail = turnout::email;
using json = nlohmann::json;

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kHorizon = 14 * kDay;  // what a digest looks ahead to
constexpr const char* kUnsubscribe = "unsubscribe";
constexpr const char* kUnsubscribeAccount = "unsubscribe-account";
constexpr const char* kCalendar = "calendar";

struct Settings {
  std::string transport = "file";
  std::string dir = "var/outbox/email";
  std::string url = "smtp://127.0.0.1:2525";
  std::string username, password;
  mail::Address from{"Turnout", "turnout@example.org"};
  bool require_tls = false;
  int rate_per_second = 50;
  std::optional<std::string> templates;
  mail::Schedule schedule;
};

bool loopback(const std::string& url) {
  for (const char* host : {"://127.0.0.1", "://localhost", "://[::1]"})
    if (url.find(host) != std::string::npos) return true;
  return false;
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string query_value(const HttpRequest& r, std::string_view key) {
  for (const auto& [k, v] : r.query)
    if (k == key) return v;
  return {};
}

// A stable Message-ID for one outbox key: a retry repeats it, so a
// receiving server can tell a duplicate.
std::string message_id(std::string_view key, std::string_view domain) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return "<" + std::string(hex) + "@" + std::string(domain) + ">";
}

// The small pages of the unsubscribe flow, in the person's language.
struct Page {
  const char* title;
  const char* text;
  const char* button;
};
const std::map<std::string, std::map<std::string, Page>> kPages = {
    {"en",
     {{"confirm", {"Stop emails from %GROUP%?", "You will get no more emails from %GROUP%. Texts, if you get them, are not changed.", "Stop the emails"}},
      {"done", {"You will get no more emails", "%GROUP% will not email you again. You can ask them to add you back at any time.", ""}},
      {"invalid", {"This link does not work", "It may be incomplete, or it was made for another address. Copy the whole link from the email.", ""}},
      {"calendar", {"Your meetings in your calendar", "Get a private link that puts the meetings %GROUP% has you down for in your phone's calendar, and keeps them up to date. A new link replaces any link you had before.", "Get my calendar link"}},
      {"calendar_done", {"Your calendar link", "Tap the first link on your phone to subscribe. In Google Calendar on a computer: Other calendars, +, From URL, and paste the second link. Keep it to yourself: anyone with it sees your meetings.", ""}}}},
    {"es",
     {{"confirm", {"¿Dejar de recibir correos de %GROUP%?", "No recibirás más correos de %GROUP%. Los mensajes de texto, si los recibes, no cambian.", "Dejar de recibir correos"}},
      {"done", {"Ya no recibirás correos", "%GROUP% no te volverá a escribir. Puedes pedirles que te vuelvan a agregar cuando quieras.", ""}},
      {"invalid", {"Este enlace no funciona", "Puede estar incompleto o ser de otra dirección. Copia el enlace completo del correo.", ""}},
      {"calendar", {"Tus reuniones en tu calendario", "Obtén un enlace privado que pone en el calendario de tu teléfono las reuniones en las que %GROUP% te anotó, y las mantiene al día. Un enlace nuevo reemplaza al que tenías antes.", "Obtener mi enlace de calendario"}},
      {"calendar_done", {"Tu enlace de calendario", "Toca el primer enlace en tu teléfono para suscribirte. En Google Calendar en una computadora: Otros calendarios, +, Desde URL, y pega el segundo enlace. No lo compartas: quien lo tenga ve tus reuniones.", ""}}}},
};

std::string replace_all(std::string s, std::string_view what, std::string_view with) {
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + with.size()))
    s.replace(pos, what.size(), with);
  return s;
}

HttpResponse page(int status, const std::string& lang, const std::string& which, const std::string& group,
                  const std::string& form_action = {}, const std::vector<std::string>& links = {}) {
  const auto& p = kPages.at(lang == "es" ? "es" : "en").at(which);
  auto title = html_escape(replace_all(p.title, "%GROUP%", group));
  auto text = html_escape(replace_all(p.text, "%GROUP%", group));
  std::string body = "<!DOCTYPE html>\n<html lang=\"" + std::string(lang == "es" ? "es" : "en") +
                     "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\"><title>" +
                     title +
                     "</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 "
                     "1rem;line-height:1.5;color:#1f2328}button{font-size:1rem;padding:.6rem 1rem;background:#0b5394;"
                     "color:#fff;border:0;border-radius:4px}</style></head><body><main><h1>" +
                     title + "</h1><p>" + text + "</p>";
  if (!form_action.empty())
    body += "<form method=\"post\" action=\"" + html_escape(form_action) +
            "\"><input type=\"hidden\" name=\"confirm\" value=\"1\"><button type=\"submit\">" +
            html_escape(p.button) + "</button></form>";
  for (const auto& link : links)
    body += "<p><a href=\"" + html_escape(link) + "\">" + html_escape(link) + "</a></p>";
  body += "</main></body></html>\n";
  return {status,
          "text/html; charset=utf-8",
          body,
          {{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"},
           {"Referrer-Policy", "no-referrer"},
           {"Cache-Control", "no-store"}}};
}

class Email final : public Plugin {
 public:
  Status start(Host& host, std::string& error) override {
    host_ = &host;
    if (!read_settings(host.config(), error)) return Status::failed;
    try {
      templates_ = std::make_unique<mail::Templates>(settings_.templates);
    } catch (const mail::MailError& e) {
      error = std::string("[plugin.email] ") + e.what();
      return Status::failed;
    }
    routes_.push_back(host.add_route("GET", "/unsubscribe", RouteAccess::open,
                                     [this](const HttpRequest& r) { return unsubscribe_page(r); }));
    routes_.push_back(host.add_route("POST", "/unsubscribe", RouteAccess::open,
                                     [this](const HttpRequest& r) { return unsubscribe(r); }));
    routes_.push_back(host.add_route("GET", "/schedule", RouteAccess::viewer,
                                     [this](const HttpRequest& r) { return get_schedule(r); }));
    routes_.push_back(host.add_route("PUT", "/schedule", RouteAccess::coordinator,
                                     [this](const HttpRequest& r) { return put_schedule(r); }));
    routes_.push_back(host.add_route("GET", "/calendar", RouteAccess::open,
                                     [this](const HttpRequest& r) { return calendar_page(r); }));
    routes_.push_back(host.add_route("POST", "/calendar", RouteAccess::open,
                                     [this](const HttpRequest& r) { return calendar_link(r); }));
    if (settings_.transport == "smtp")
      transport_ = mail::smtp_transport({settings_.url, settings_.username, settings_.password, settings_.require_tls,
                                         std::chrono::seconds(30)});
    else
      transport_ = mail::file_transport(settings_.dir);
    ChannelSpec spec;
    spec.name = "email";
    spec.quiet_hours = false;  // mail waits in the inbox; it wakes nobody
    spec.render = [this](const MessageIntent& in) { return render(in); };
    spec.templates = mail::group_templates(*templates_);
    spec.template_variables = mail::group_template_variables();
    spec.send = [this](const ChannelMessage& m) { return send(m); };
    spec.reconcile = [this](const ChannelMessage& m) { return reconcile(m); };
    channel_ = host.add_channel(std::move(spec));
    confirmed_ = host.on_event("assignment.updated", [this](const Event& e) { on_assignment(e); });
    digest_ = host.add_digest([this](std::int64_t group_id) { run_now(group_id); });
    tick_ = host.every(std::chrono::seconds(60), [this] { scheduled(); });
    if (!channel_ || !confirmed_ || !digest_ || !tick_ || std::any_of(routes_.begin(), routes_.end(), [](const auto& r) { return !r; })) {
      error = "a registration of the email plugin was refused";
      return Status::failed;
    }
    host.log(LogLevel::info, "email ready, transport " + settings_.transport);
    return Status::ok;
  }

  void stop() override {
    tick_.reset();
    digest_.reset();
    confirmed_.reset();
    channel_.reset();
    routes_.clear();
    transport_.reset();
  }

 private:
  bool read_settings(const std::string& section, std::string& error) {
    try {
      auto t = toml::parse(section);
      settings_.transport = t["transport"].value_or(settings_.transport);
      settings_.dir = t["dir"].value_or(settings_.dir);
      settings_.url = t["url"].value_or(settings_.url);
      settings_.username = t["username"].value_or(std::string());
      settings_.password = t["password"].value_or(std::string());
      settings_.require_tls = t["require_tls"].value_or(!loopback(settings_.url));
      settings_.rate_per_second = static_cast<int>(t["rate_per_second"].value_or(50L));
      if (auto dir = t["templates"].value<std::string>()) settings_.templates = *dir;
      settings_.from = mail::parse_address(t["from"].value_or(std::string("Turnout <turnout@example.org>")), "from");
      auto schedule = mail::parse_schedule(t["digest_day"].value_or(std::string("monday")),
                                           t["digest_time"].value_or(std::string("09:00")));
      if (!schedule) {
        error = "[plugin.email] digest_day is a weekday (monday ... sunday) and digest_time is HH:MM";
        return false;
      }
      settings_.schedule = *schedule;
    } catch (const toml::parse_error& e) {
      error = std::string("[plugin.email] cannot be read: ") + std::string(e.description());
      return false;
    } catch (const mail::MailError& e) {
      error = std::string("[plugin.email] ") + e.what();
      return false;
    }
    if (settings_.transport != "file" && settings_.transport != "smtp") {
      error = "[plugin.email] transport is file or smtp";
      return false;
    }
    if (settings_.transport == "smtp" && !settings_.url.starts_with("smtp://") && !settings_.url.starts_with("smtps://")) {
      error = "[plugin.email] url is smtp://HOST:PORT or smtps://HOST:PORT";
      return false;
    }
    if (settings_.rate_per_second < 1 || settings_.rate_per_second > 10000) {
      error = "[plugin.email] rate_per_second is 1 to 10000";
      return false;
    }
    return true;
  }

  // The key that signs unsubscribe links: made on first use, kept in the
  // plugin's store, so links in mail already sent work after a restart.
  // Null when it cannot be stored (then no link is made or honoured).
  const mail::LinkSigner* signer() {
    std::lock_guard lock(signer_mutex_);
    if (signer_) return signer_.get();
    auto key = host_->kv_get("link_key");
    if (!key || key->size() != 32) {
      key = mail::LinkSigner::new_key();
      if (!host_->kv_put("link_key", *key)) {
        host_->log(LogLevel::error, "could not store the key for unsubscribe links");
        return nullptr;
      }
    }
    signer_ = std::make_unique<mail::LinkSigner>(*key);
    return signer_.get();
  }

  std::string link(const mail::LinkSigner& signer, const std::string& public_url, const char* purpose,
                   std::int64_t group_id, std::int64_t id) const {
    std::string page = std::string_view(purpose) == kCalendar ? "calendar" : "unsubscribe";
    return public_url + "/plugins/email/" + page + "?t=" + signer.sign(purpose, {group_id, id});
  }

  // List-Id, List-Unsubscribe (https and mailto) and the one-click header.
  std::vector<std::pair<std::string, std::string>> list_headers(const GroupView& g, const std::string& unsubscribe) const {
    auto domain = mail::domain_of(settings_.from.address);
    std::string name;
    for (char c : g.name) name += (std::isalnum(static_cast<unsigned char>(c)) || c == ' ') ? c : ' ';
    return {{"List-Id", name + " <" + g.slug + "." + domain + ">"},
            // A link cannot be folded: each on a line of its own.
            {"List-Unsubscribe", "<" + unsubscribe + ">,\r\n <mailto:" + settings_.from.address + "?subject=unsubscribe>"},
            {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  }

  mail::TimeFormat time_format() const {
    return [host = host_](std::int64_t at, const std::string& tz, const std::string& lang, TimeStyle style) {
      return host->local_time(at, tz, lang, style);
    };
  }

  // ---- digests ---------------------------------------------------------------

  std::optional<mail::Schedule> group_schedule(std::int64_t group_id) {
    auto stored = host_->kv_get("schedule:" + std::to_string(group_id));
    if (!stored) return settings_.schedule;
    try {
      auto j = json::parse(*stored);
      return mail::parse_schedule(j.at("day").get<std::string>(), j.at("time").get<std::string>());
    } catch (const std::exception&) {
      return settings_.schedule;
    }
  }

  // Every minute: each group whose digest moment of this week has passed and
  // whose period is not done yet gets its digests.
  void scheduled() {
    auto now = host_->now();
    for (const auto& g : host_->groups()) {
      auto schedule = group_schedule(g.id);
      if (!schedule) continue;
      std::string period;
      try {
        if (now < mail::due_this_week(now, g.timezone, *schedule)) continue;
        period = mail::period_of(now, g.timezone);
      } catch (const std::exception&) {
        continue;  // a zone the tz database does not know: the group's own setting is wrong
      }
      auto done_key = "digest_done:" + std::to_string(g.id);
      if (host_->kv_get(done_key) == period) continue;
      if (run(g, period)) host_->kv_put(done_key, period);
    }
  }

  void run_now(std::int64_t group_id) {
    auto g = host_->group(group_id);
    if (!g) return;
    try {
      run(*g, mail::period_of(host_->now(), g->timezone));
    } catch (const std::exception& e) {
      host_->log(LogLevel::error, std::string("digests: ") + e.what());
    }
  }

  // Composes and queues the group's digests for `period`; true when all
  // were queued (or were already).
  bool run(const GroupView& g, const std::string& period) {
    const auto* links = signer();
    if (!links) return false;
    const auto now = host_->now();
    const auto fmt = time_format();
    std::vector<mail::OpenSlot> open;
    mail::CoordinatorDigestData coord;
    // Everyone's assignments in the window, read meeting by meeting: a few
    // dozen reads for the group instead of one per volunteer.
    std::map<std::int64_t, std::vector<AssignmentView>> by_volunteer;
    for (const auto& m : host_->meetings(g.id, now, now + kHorizon)) {
      auto placed = host_->meeting_assignments(g.id, m.id);
      for (const auto& a : placed)
        if (a.volunteer_id) by_volunteer[*a.volunteer_id].push_back(a);
      if (m.status == "cancelled" || m.status == "postponed") continue;
      auto items = host_->agenda_items(g.id, m.id);
      for (const auto& s : host_->slots(g.id, m.id)) {
        if (s.taken >= s.capacity) continue;
        std::optional<AgendaItemView> item;
        for (const auto& a : items)
          if (s.agenda_item_id && a.id == *s.agenda_item_id) item = a;
        open.push_back({m, s, item});
      }
      for (const auto& d : m.deadlines)
        if (d.at >= now && d.at < now + 3 * kDay) coord.deadlines.emplace_back(m, d);
      for (const auto& a : placed) {
        if (a.needs_interpreter.empty() || a.status == "declined" || a.status == "cancelled") continue;
        coord.interpreter_requests.push_back(a);
      }
    }
    coord.unfilled = open;
    for (const auto& m : host_->meetings(g.id, now - 7 * kDay, now))
      for (const auto& a : host_->meeting_assignments(g.id, m.id))
        if (a.status == "no_show") coord.no_shows.push_back(a);
    coord.failed_messages = host_->failed_messages(g.id, now - 7 * kDay);

    std::vector<OutgoingMessage> batch;
    auto flush = [&] {
      std::string why;
      if (batch.empty() || host_->enqueue_all(batch, why)) {
        batch.clear();
        return true;
      }
      host_->log(LogLevel::error, "digests for group " + std::to_string(g.id) + " not queued: " + why);
      return false;
    };
    int volunteers = 0, coordinators = 0;
    // Who gets one is decided here; composing them (most of the work) is
    // spread over the cores, a chunk at a time to bound the memory held.
    static const std::vector<AssignmentView> kNone;
    auto mine_of = [&](std::int64_t id) -> const std::vector<AssignmentView>& {
      auto it = by_volunteer.find(id);
      return it == by_volunteer.end() ? kNone : it->second;
    };
    std::vector<VolunteerView> chosen;
    for (auto& v : host_->volunteers(g.id)) {
      if (v.email.empty() || !v.email_opt_in || v.opted_out) continue;
      bool offers = std::any_of(open.begin(), open.end(), [&](const auto& o) { return mail::suits(v, o.slot); });
      if (mine_of(v.id).empty() && !offers) continue;  // nothing to say: no mail
      chosen.push_back(std::move(v));
    }
    auto compose_one = [&](const VolunteerView& v) -> std::optional<OutgoingMessage> {
      auto key = "digest:" + std::to_string(g.id) + ":" + period + ":volunteer:" + std::to_string(v.id);
      try {
        auto unsubscribe = link(*links, g.public_url, kUnsubscribe, g.id, v.id);
        auto calendar = link(*links, g.public_url, kCalendar, g.id, v.id);
        auto m = mail::volunteer_digest(*templates_, fmt, g, v, mine_of(v.id), open, {calendar, unsubscribe}, now);
        return outgoing(g, key, v.id, std::nullopt, {v.name, v.email}, std::move(m), unsubscribe, now);
      } catch (const std::exception& e) {
        host_->log(LogLevel::warn, "digest for volunteer " + std::to_string(v.id) + " skipped: " + e.what());
        return std::nullopt;
      }
    };
    constexpr std::size_t kChunk = 2000;
    for (std::size_t start = 0; start < chosen.size(); start += kChunk) {
      std::size_t n = std::min(kChunk, chosen.size() - start);
      std::vector<std::optional<OutgoingMessage>> made(n);
      mail::parallel_for(n, [&](std::size_t i) { made[i] = compose_one(chosen[start + i]); });
      for (auto& m : made) {
        if (!m) continue;
        batch.push_back(std::move(*m));
        ++volunteers;
        if (batch.size() >= 500 && !flush()) return false;
      }
    }
    for (const auto& a : host_->coordinators(g.id)) {
      if (a.email.empty() || host_->kv_get("no_digest:account:" + std::to_string(a.id))) continue;
      auto key = "digest:" + std::to_string(g.id) + ":" + period + ":account:" + std::to_string(a.id);
      auto unsubscribe = link(*links, g.public_url, kUnsubscribeAccount, g.id, a.id);
      try {
        auto m = mail::coordinator_digest(*templates_, fmt, g, a.name, a.language, coord);
        batch.push_back(outgoing(g, key, std::nullopt, a.id, {a.name, a.email}, std::move(m), unsubscribe, now));
        ++coordinators;
      } catch (const mail::MailError& e) {
        host_->log(LogLevel::warn, "digest for account " + std::to_string(a.id) + " skipped: " + e.what());
      }
    }
    if (!flush()) return false;
    host_->log(LogLevel::info, "digests " + period + " for group " + std::to_string(g.id) + ": " +
                                   std::to_string(volunteers) + " volunteers, " + std::to_string(coordinators) +
                                   " coordinators");
    return true;
  }

  OutgoingMessage outgoing(const GroupView& g, const std::string& key, std::optional<std::int64_t> volunteer_id,
                           std::optional<std::int64_t> account_id, mail::Address to, mail::Mail m,
                           const std::string& unsubscribe, std::int64_t now) const {
    m.from = settings_.from;
    m.to = {};  // send() adds it from the recipient
    m.headers = list_headers(g, unsubscribe);
    OutgoingMessage out;
    out.group_id = g.id;
    out.idempotency_key = key;
    out.channel = "email";
    out.volunteer_id = volunteer_id;
    out.account_id = account_id;
    mail::check_address(to.address, "to");
    mail::check_header_text(to.name, "name");
    out.recipient = to.name.empty() ? to.address : to.name + " <" + to.address + ">";
    out.subject = m.subject;
    out.body = mail::compose(m, now, message_id(key, mail::domain_of(settings_.from.address)), key);
    out.due_at = now;
    return out;
  }

  // ---- a place confirmed: a notice with the event to add ------------------------

  // On the event thread. Once per assignment (its key), also if the event
  // comes again after a restart.
  void on_assignment(const Event& e) {
    json detail = json::parse(e.payload_json, nullptr, false);
    if (!detail.is_object() || detail.value("status", "") != "confirmed" ||
        detail.value("previous_status", "") == "confirmed")
      return;
    auto a = host_->assignment(e.group_id, e.entity_id);
    if (!a || !a->volunteer_id || a->meeting.status == "cancelled" || a->meeting.starts_at <= host_->now()) return;
    auto v = host_->volunteer(e.group_id, *a->volunteer_id);
    auto g = host_->group(e.group_id);
    if (!v || !g || v->email.empty() || !v->email_opt_in || v->opted_out) return;
    const auto* links = signer();
    if (!links) return;
    const auto now = host_->now();
    Feed ics;
    std::string why;
    FeedRequest request{FeedKind::volunteer, g->id, v->id, now, a->id};
    if (!host_->render_calendar(request, ics, why)) ics.text.clear();  // the notice goes without it
    auto unsubscribe = link(*links, g->public_url, kUnsubscribe, g->id, v->id);
    auto calendar = link(*links, g->public_url, kCalendar, g->id, v->id);
    auto key = "confirmed:assignment:" + std::to_string(a->id) + ":email";
    try {
      auto m = mail::notice(*templates_, time_format(), "assignment_confirmed", *g, *v, *a, {calendar, unsubscribe}, now,
                            ics.text);
      std::string error;
      if (!host_->enqueue(outgoing(*g, key, v->id, std::nullopt, {v->name, v->email}, std::move(m), unsubscribe, now),
                          error))
        host_->log(LogLevel::warn, "confirmation of assignment " + std::to_string(a->id) + " not queued: " + error);
    } catch (const mail::MailError& ex) {
      host_->log(LogLevel::warn, "confirmation of assignment " + std::to_string(a->id) + " not made: " + ex.what());
    }
  }

  // ---- the channel -----------------------------------------------------------

  RenderedMessage render(const MessageIntent& in) {
    RenderedMessage out;
    try {
      const auto* links = signer();
      if (!links) throw mail::MailError("no key for unsubscribe links");
      mail::Links l;
      if (in.volunteer) {
        l.unsubscribe = link(*links, in.group.public_url, kUnsubscribe, in.group.id, in.volunteer->id);
        l.calendar = link(*links, in.group.public_url, kCalendar, in.group.id, in.volunteer->id);
      }
      auto m = mail::intent_mail(*templates_, time_format(), in, l, host_->now());
      m.from = settings_.from;
      m.to = {};
      if (in.volunteer) m.headers = list_headers(in.group, l.unsubscribe);
      // Random, not derived: the worded message is stored with the outbox
      // row, so a retry sends these same bytes and this same Message-ID.
      unsigned char rnd[16];
      randombytes_buf(rnd, sizeof rnd);
      char hex[33];
      sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
      out.subject = m.subject;
      out.body = mail::compose(m, host_->now(), "<" + std::string(hex) + "@" + mail::domain_of(settings_.from.address) + ">", hex);
      out.ok = true;
    } catch (const std::exception& e) {
      out.ok = false;
      out.error = e.what();
    }
    return out;
  }

  // Keeps to rate_per_second, on the delivery thread (the only caller).
  void pace() {
    auto gap = std::chrono::microseconds(1'000'000 / settings_.rate_per_second);
    auto now = std::chrono::steady_clock::now();
    if (now < next_send_) std::this_thread::sleep_for(next_send_ - now);
    next_send_ = std::max(now, next_send_) + gap;
  }

  SendResult send(const ChannelMessage& m) {
    mail::Address to;
    std::string message;
    try {
      to = mail::parse_address(m.recipient, "recipient");
      message = mail::with_recipient(to, m.body);
    } catch (const mail::MailError& e) {
      return {SendOutcome::permanent_failure, "", e.what()};
    }
    pace();
    auto r = transport_->send(settings_.from.address, to.address, message, file_name(m));
    switch (r.kind) {
      case mail::SendResult::Kind::sent: return {SendOutcome::sent, r.provider_id, ""};
      case mail::SendResult::Kind::permanent: return {SendOutcome::permanent_failure, "", r.error};
      case mail::SendResult::Kind::transient: break;
    }
    return {SendOutcome::transient_failure, "", r.error};
  }

  static std::string file_name(const ChannelMessage& m) { return std::to_string(m.id) + "-" + m.idempotency_key; }

  // After a crash mid-send: a file that is there was written whole (it is
  // renamed into place); over SMTP nobody can tell, and a second copy of a
  // mail (same Message-ID, which clients fold together) is better than a
  // lost notice, so it goes again.
  ReconcileOutcome reconcile(const ChannelMessage& m) {
    if (settings_.transport != "file") return ReconcileOutcome::not_sent;
    std::string name;
    for (char c : file_name(m)) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::path(settings_.dir) / (name + ".eml"), ec) ? ReconcileOutcome::sent
                                                                                               : ReconcileOutcome::not_sent;
  }

  // ---- routes ----------------------------------------------------------------

  struct Who {
    GroupView group;
    std::string language;
    bool account = false;
    std::int64_t id = 0;
  };

  std::optional<Who> who(const HttpRequest& r, std::initializer_list<const char*> purposes = {kUnsubscribe,
                                                                                             kUnsubscribeAccount}) {
    auto token = query_value(r, "t");
    const auto* links = signer();
    if (!links) return std::nullopt;
    for (const char* purpose : purposes) {
      auto s = links->verify(purpose, token);
      if (!s) continue;
      auto g = host_->group(s->group_id);
      if (!g) return std::nullopt;
      if (purpose != kUnsubscribeAccount) {
        auto v = host_->volunteer(s->group_id, s->volunteer_id);
        if (!v) return std::nullopt;  // erased: the link leads nowhere, like a forged one
        return Who{*g, v->language, false, v->id};
      }
      for (const auto& a : host_->coordinators(s->group_id))
        if (a.id == s->volunteer_id) return Who{*g, a.language, true, a.id};
      return std::nullopt;
    }
    return std::nullopt;
  }

  static std::string language_of(const HttpRequest& r) {
    for (const auto& [k, v] : r.headers)
      if (k.size() == 15 && std::equal(k.begin(), k.end(), "accept-language", [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          }))
        return v.starts_with("es") ? "es" : "en";
    return "en";
  }

  HttpResponse unsubscribe_page(const HttpRequest& r) {
    auto w = who(r);
    if (!w) return page(404, language_of(r), "invalid", "");
    return page(200, w->language, "confirm", w->group.name,
                "/plugins/email/unsubscribe?t=" + query_value(r, "t"));
  }

  // RFC 8058: a POST to the List-Unsubscribe URL unsubscribes at once; the
  // confirmation page posts the same form.
  HttpResponse unsubscribe(const HttpRequest& r) {
    auto w = who(r);
    if (!w) return page(404, language_of(r), "invalid", "");
    if (w->account) {
      if (!host_->kv_put("no_digest:account:" + std::to_string(w->id), "1"))
        return page(503, w->language, "invalid", w->group.name);
    } else {
      std::string why;
      if (!host_->unsubscribe(w->group.id, w->id, "email", why)) {
        host_->log(LogLevel::warn, "unsubscribe of volunteer " + std::to_string(w->id) + " failed: " + why);
        return page(503, w->language, "invalid", w->group.name);
      }
    }
    host_->log(LogLevel::info, std::string("unsubscribed ") + (w->account ? "account " : "volunteer ") +
                                   std::to_string(w->id) + " from email");
    return page(200, w->language, "done", w->group.name);
  }

  HttpResponse calendar_page(const HttpRequest& r) {
    auto w = who(r, {kCalendar});
    if (!w) return page(404, language_of(r), "invalid", "");
    return page(200, w->language, "calendar", w->group.name, "/plugins/email/calendar?t=" + query_value(r, "t"));
  }

  // A POST, so that a mail scanner following the link replaces nobody's link.
  HttpResponse calendar_link(const HttpRequest& r) {
    auto w = who(r, {kCalendar});
    if (!w) return page(404, language_of(r), "invalid", "");
    auto feed = host_->new_feed_link(w->group.id, w->id);
    if (!feed) return page(503, w->language, "invalid", w->group.name);
    return page(200, w->language, "calendar_done", w->group.name, {}, {feed->webcal_url, feed->url});
  }

  HttpResponse get_schedule(const HttpRequest& r) {
    auto s = group_schedule(*r.group_id).value_or(settings_.schedule);
    char time[6];
    std::snprintf(time, sizeof time, "%02d:%02d", s.hour, s.minute);
    return {200, "application/json", json{{"day", mail::weekday_name(s.weekday)}, {"time", time}}.dump(), {}};
  }

  HttpResponse put_schedule(const HttpRequest& r) {
    auto bad = [](const std::string& field, const std::string& message) {
      return HttpResponse{422, "application/json",
                          json{{"error", {{"code", "invalid"}, {"field", field}, {"message", message}}}}.dump(), {}};
    };
    json body;
    try {
      body = json::parse(r.body);
    } catch (const std::exception&) {
      return {400, "application/json", json{{"error", {{"code", "malformed"}, {"message", "the body is not JSON"}}}}.dump(), {}};
    }
    if (!body.is_object() || !body.contains("day") || !body.contains("time") || !body["day"].is_string() ||
        !body["time"].is_string())
      return bad("day", "send {\"day\": \"monday\", \"time\": \"09:00\"}");
    for (const auto& [k, v] : body.items())
      if (k != "day" && k != "time") return bad(k, "unknown field");
    auto s = mail::parse_schedule(body["day"].get<std::string>(), body["time"].get<std::string>());
    if (!s) return bad("time", "day is a weekday (monday ... sunday) and time is HH:MM, 24-hour");
    json stored{{"day", mail::weekday_name(s->weekday)}, {"time", body["time"]}};
    if (!host_->kv_put("schedule:" + std::to_string(*r.group_id), stored.dump()))
      return {503, "application/json", json{{"error", {{"code", "unavailable"}, {"message", "not saved; try again"}}}}.dump(), {}};
    return {200, "application/json", stored.dump(), {}};
  }

  Host* host_ = nullptr;
  Settings settings_;
  std::unique_ptr<mail::Templates> templates_;
  std::mutex signer_mutex_;
  std::unique_ptr<mail::LinkSigner> signer_;
  std::vector<Handle> routes_;
  Handle channel_, confirmed_, digest_, tick_;
  std::unique_ptr<mail::Transport> transport_;         // used on the delivery thread only
  std::chrono::steady_clock::time_point next_send_{};  // pace(): the earliest moment for the next mail
};

const char* const kKeys[] = {"transport",   "dir",        "url",         "username",  "password",
                             "from",        "require_tls", "rate_per_second", "templates", "digest_day",
                             "digest_time", nullptr};

}  // namespace

TURNOUT_PLUGIN(Email, email, "1.0.0", "weekly digests and notices by email (SMTP or .eml files)",
               capability::notification_channel | capability::digest | capability::http_routes |
                   capability::periodic_jobs | capability::event_listener,
               kKeys)
