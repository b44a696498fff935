// The Turnout plugin SDK: the only header a plugin includes.
//
// A plugin is a shared library with one exported function,
// turnout_plugin_v1_NAME, made by the TURNOUT_PLUGIN macro below. The host
// calls it, reads the Entry it returns, and checks the API version and the
// build fingerprint before it touches any C++ type from the library. Then:
//
//   create()  ->  start(host)  ...serving...  stop()  ->  destroy()  -> unload
//
// Rules of the boundary:
// - No exception should cross it: hooks report through Status and an error
//   string. The host still catches whatever a hook or handler throws (they
//   are deliberately not noexcept, which would end the daemon instead), logs
//   it, and fails that plugin or that request alone.
// - Everything a plugin registers (routes, event listeners, timers) comes
//   back as a Handle. Keep it while you want the registration and drop it
//   in stop() at the latest: the host unloads your code after destroy().
// - The host outlives every plugin. Never delete it or keep it past stop().
// - Route handlers run on the HTTP threads, several at once, and hold one
//   of them while they run: keep them short and make shared state
//   thread-safe. Event handlers and jobs run on the host's own event and
//   job threads, one at a time each.
#pragma once

#include <boost/config.hpp>  // BOOST_SYMBOL_EXPORT, BOOST_SYMBOL_VISIBLE
#include <boost/version.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <turnout/version.hpp>

#define TURNOUT_PLUGIN_STR2(x) #x
#define TURNOUT_PLUGIN_STR(x) TURNOUT_PLUGIN_STR2(x)

// Everything that changes C++ layout across the boundary: a plugin must be
// built with the same compiler, standard library ABI, Boost and SDK as the
// daemon. The host compares this string and refuses a mismatch by name.
#define TURNOUT_BUILD_FINGERPRINT                                                          \
  "sdk=" TURNOUT_VERSION_STR ";api=" TURNOUT_PLUGIN_STR(TURNOUT_PLUGIN_API_VERSION)        \
  ";boost=" BOOST_LIB_VERSION ";cxx11abi=" TURNOUT_PLUGIN_STR(_GLIBCXX_USE_CXX11_ABI)      \
  ";std=" TURNOUT_PLUGIN_STR(__cplusplus) ";cc=" __VERSION__

// Raised whenever anything below changes shape, so an old plugin is refused
// by name instead of calling into a Host it does not know.
#define TURNOUT_PLUGIN_API_VERSION 4

namespace turnout::plugin {

inline constexpr std::uint32_t kApiVersion = TURNOUT_PLUGIN_API_VERSION;

enum class Status : std::int32_t { ok = 0, failed = 1 };
enum class LogLevel : std::int32_t { debug, info, warn, error };
enum class TimeStyle : std::int32_t { long_form, short_form, time_only };

// What a plugin provides; the manifest lists them (bits may be combined).
namespace capability {
inline constexpr std::uint32_t calendar = 1u << 0;              // calendar feeds
inline constexpr std::uint32_t notification_channel = 1u << 1;  // sends messages (SMS, email, ...)
inline constexpr std::uint32_t digest = 1u << 2;                // composes digests
inline constexpr std::uint32_t meeting_source = 1u << 3;        // imports meetings
inline constexpr std::uint32_t event_listener = 1u << 4;        // reacts to domain events
inline constexpr std::uint32_t http_routes = 1u << 5;           // serves /plugins/NAME/...
inline constexpr std::uint32_t periodic_jobs = 1u << 6;         // runs on a timer
}  // namespace capability

// Dropping a Handle undoes the registration it stands for.
class BOOST_SYMBOL_VISIBLE Registration {
 public:
  virtual ~Registration() = default;
};
using Handle = std::unique_ptr<Registration>;

// A request to one of the plugin's routes, after the host has applied its
// limits (body size, deadlines) and authentication.
struct HttpRequest {
  std::string method;                                         // "GET", "POST", ...
  std::string path;                                           // after /plugins/NAME, e.g. "/upcoming"
  std::vector<std::pair<std::string, std::string>> query;     // decoded ?key=value pairs
  std::vector<std::pair<std::string, std::string>> headers;   // as sent (no Cookie or Authorization)
  std::string body;
  std::optional<std::int64_t> group_id;                       // the caller's group; empty on open routes
  std::string remote_address;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // CR and LF are refused by the host
};

// Who may call a plugin route. Routes are closed by default: opening one to
// the public (an SMS gateway's webhook, an unsubscribe link) is a choice.
enum class RouteAccess : std::int32_t {
  viewer,       // any account of a group (the request carries its group_id)
  coordinator,  // a group's coordinators
  open,         // anyone, no credentials: check what you are sent yourself
};

using RouteHandler = std::function<HttpResponse(const HttpRequest&)>;

// Something that happened in a group, after it was committed. Types:
// meeting.created, meeting.updated, meeting.rescheduled, meeting.cancelled,
// agenda_item.created, slot.created, assignment.created, assignment.updated,
// assignment.cancelled, volunteer.created, volunteer.updated,
// volunteer.erased, ... The payload holds ids, statuses and times, never
// contact data: read what you need through the Host.
struct Event {
  std::int64_t id = 0;  // rises with every event; delivery is in this order
  std::string type;
  std::int64_t group_id = 0;
  std::string entity_kind;  // meeting, assignment, volunteer, ...
  std::int64_t entity_id = 0;
  std::string payload_json;
  std::int64_t at = 0;  // Unix seconds
};
using EventHandler = std::function<void(const Event&)>;

// A message for the outbox. The idempotency key makes enqueueing safe to
// repeat: a second message with the same key is not queued again.
struct OutgoingMessage {
  std::int64_t group_id = 0;
  std::string idempotency_key;  // e.g. "reminder:assignment:42:offset:180:sms"
  std::string channel;          // sms, email, or your own
  std::optional<std::int64_t> volunteer_id;
  std::optional<std::int64_t> account_id;
  std::string recipient;  // a number or an address; no line breaks
  std::string subject;
  std::string body;
  std::int64_t due_at = 0;  // Unix seconds
};

// What plugins read of a group's data. Times are Unix seconds (UTC) with
// the IANA zone they are shown in; text is UTF-8 as the coordinator typed
// it. Views are copies: holding one keeps nothing locked.

struct GroupView {
  std::int64_t id = 0;
  std::string name;
  std::string slug;
  std::string timezone;  // IANA
  std::string language;  // BCP 47, the group's default
  std::string country;   // ISO 3166, read local phone numbers with it
  std::string public_url;  // [server] public_url, for links in messages and feeds
};

// Contact data: handle it as the person's own. Never log it.
struct VolunteerView {
  std::int64_t id = 0;
  std::int64_t group_id = 0;
  std::string name;
  std::string phone;  // E.164, or empty
  std::string email;  // or empty
  std::string language;  // BCP 47
  std::string timezone;  // IANA; the group's when the volunteer gave none
  bool sms_opt_in = false;
  bool email_opt_in = false;
  bool opted_out = false;  // said STOP or unsubscribed: send nothing but the confirmation
  std::vector<std::string> tags;
  std::int64_t updated_at = 0;
};

struct DeadlineView {
  std::string kind;  // signup_closes, written_testimony_due, interpreter_request_due
  std::int64_t at = 0;
};

// A meeting as plugins read it, in the group's data.
struct MeetingView {
  std::int64_t id = 0;
  std::int64_t body_id = 0;
  std::string body_name;
  std::string title;
  std::int64_t starts_at = 0;  // Unix seconds, UTC
  std::int64_t ends_at = 0;
  std::string timezone;  // IANA
  std::string starts_at_local;  // RFC 3339 in the meeting's zone
  std::string location;
  std::string remote_url;  // the public stream or call, when there is one
  std::string agenda_url;
  std::string status;  // tentative, confirmed, cancelled, postponed
  int sequence = 0;    // rises with every change a calendar shows
  std::int64_t updated_at = 0;
  std::vector<DeadlineView> deadlines;  // from the body's public-comment rules, in time order
};

struct AgendaItemView {
  std::int64_t id = 0;
  std::int64_t meeting_id = 0;
  std::string number;  // "PH-2", "Item 12"
  std::string title;
  std::string matter;  // the body's own reference
  std::string stance;  // the group's: support, oppose, neutral
  std::int64_t updated_at = 0;
};

struct SlotView {
  std::int64_t id = 0;
  std::int64_t meeting_id = 0;
  std::optional<std::int64_t> agenda_item_id;
  std::string role;  // speaker, interpreter, turnout, notetaker, or the group's own
  int order = 0;
  int minutes = 0;
  std::string mode;  // in_person, remote, written
  std::string language;
  int capacity = 0;
  int taken = 0;  // places held now
};

// A private calendar feed's address, over https and as webcal://. The
// token in it is the credential: show it only to its owner, never log it.
struct FeedLink {
  std::string url;
  std::string webcal_url;
};

// A coordinator or viewer of a group. Contact data: never log it.
struct AccountView {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string role;      // coordinator, viewer
  std::string language;  // the group's, until accounts choose their own
};

// One volunteer's place on a slot, with what it is for.
struct AssignmentView {
  std::int64_t id = 0;
  std::optional<std::int64_t> volunteer_id;  // empty once the volunteer was erased
  std::string status;   // invited, confirmed, declined, cancelled, attended, no_show
  std::string stance;   // support, oppose, neutral, or empty
  std::string outcome;  // spoke, not_called, time_ran_out, written_submitted, or empty
  std::string join_url;  // the volunteer's own private link to testify remotely
  std::string needs_interpreter;  // a language, or empty
  std::int64_t updated_at = 0;
  SlotView slot;
  std::optional<AgendaItemView> agenda_item;
  MeetingView meeting;
};

// ---- Calendar feeds (capability::calendar) --------------------------------
// The host serves GET /feeds/volunteers/{token}.ics, /feeds/groups/{token}.ics
// and /feeds/bodies/{id}.ics. It owns everything around the text: it checks
// the token (or that the body's feed is public), keeps the rendered bytes
// until the group's data changes, answers If-None-Match/If-Modified-Since
// with 304 and sets the headers. A calendar plugin only renders, and only
// one renders at a time.

enum class FeedKind : std::int32_t {
  volunteer,  // id: the volunteer; their own assignments and deadlines
  group,      // id: the group; its upcoming meetings, no person named
  body,       // id: the body; the same, for a body whose feed is public
};

struct FeedRequest {
  FeedKind kind = FeedKind::volunteer;
  std::int64_t group_id = 0;  // the group that owns what is asked for
  std::int64_t id = 0;        // the volunteer, the group or the body
  std::int64_t now = 0;       // Unix seconds: choose the window from this, not the clock
  // With kind volunteer: only this one of their assignments (an .ics for a
  // single event, attached to a mail); 0 for all.
  std::int64_t assignment_id = 0;
};

struct Feed {
  std::string text;                // the whole iCalendar object, UTF-8 with CRLF line ends
  std::int64_t last_modified = 0;  // Unix seconds: the newest update time of what is in it
  // Unix seconds after which the same data renders differently with time
  // alone (an event leaving the window); 0 when only a change of data does.
  std::int64_t expires_at = 0;
};

// Fills `feed` and returns true, or sets `error` (for the log: no personal
// data) and returns false. Runs on the HTTP threads, several at once.
using CalendarRenderer = std::function<bool(const FeedRequest&, Feed& feed, std::string& error)>;
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Notification channels (SMS, email, a group's own).
//
// The host owns the outbox: it plans which messages are due (reminders,
// confirmations, notices), keeps them durably, honours quiet hours, retries
// with backoff, reconciles after a crash and reads the replies' keywords.
// A channel plugin owns the transport and the wording. It registers a
// ChannelSpec with Host::add_channel(); the host then calls its functions
// on the delivery thread, one call at a time, never on a request's thread.
// A function that throws counts as a failure of that call; a channel whose
// calls fail ten times in a row is switched off and reported, and its
// messages wait in the outbox until it is back.
// ---------------------------------------------------------------------------

// What a message is for. The names are stored in the outbox ("kind").
enum class MessageKind : std::int32_t {
  reminder,              // before a meeting, at the group's offsets
  confirmation_request,  // a new place: please answer YES or NO
  meeting_cancelled,     // the meeting is off
  meeting_moved,         // the meeting has a new time
  deadline,              // public sign-up closing, written testimony due
  opt_out_confirmation,  // answer to STOP: nothing more will come
  opt_in_confirmation,   // answer to START
  help,                  // answer to HELP or AYUDA
  reply_received,        // answer to YES or NO: what the host understood
  coordinator_notice,    // to a coordinator: a NO, an interpreter to book
  meeting_postponed,     // the meeting is put off, no new date yet
};

// Everything a template may need to word one message. The host fills what
// applies to the kind; views are copies.
struct MessageIntent {
  MessageKind kind = MessageKind::reminder;
  std::string language;  // the recipient's (BCP 47: en, es); word it in this
  std::string timezone;  // the recipient's IANA zone: show times in it
  GroupView group;
  std::optional<VolunteerView> volunteer;    // empty for a coordinator
  std::optional<AssignmentView> assignment;  // with its slot, agenda item and meeting
  std::optional<MeetingView> meeting;        // always set when the message is about a meeting
  int offset_minutes = 0;                    // reminder: planned this long before the start
  std::string deadline_kind;                 // deadline: signup_closes, written_testimony_due, interpreter_request_due
  std::int64_t deadline_at = 0;              // deadline: when, Unix seconds
  std::int64_t previous_starts_at = 0;       // meeting_moved: the old start
  // The same moments as RFC 3339 on the recipient's clock (their zone), so a
  // template shows local time without a time-zone library.
  std::string starts_at_local;
  std::string deadline_at_local;
  std::string previous_starts_at_local;
  std::string notice;                        // coordinator_notice: declined, interpreter_needed, reply
  std::string reply_text;                    // coordinator_notice about a reply: what the person wrote
  std::vector<std::string> replies;          // words the recipient may answer with, in their language
  std::string template_override;             // the group's own Mustache template for this kind and language, or empty
};

struct RenderedMessage {
  bool ok = false;
  std::string subject;  // email; empty for SMS
  std::string body;
  std::string encoding;  // SMS: "GSM-7" or "UCS-2"; empty otherwise
  int segments = 0;      // SMS: segments the body takes; 0 otherwise
  std::string error;     // when !ok: why (never the recipient or the text)
};

// One message as the transport sends it.
struct ChannelMessage {
  std::int64_t id = 0;          // the outbox id: use it to name files, and as the provider's reference
  std::string idempotency_key;  // stable across retries and restarts
  std::string recipient;        // E.164 number or address
  std::string subject;
  std::string body;
  std::string kind;     // MessageKind's name, or empty for a message a plugin enqueued itself
  int attempts = 0;     // send: attempts before this one; reconcile: including the one in flight
  std::string provider_id;  // set when a previous attempt got one
};

enum class SendOutcome : std::int32_t {
  sent,               // the gateway took it; provider_id names it there
  transient_failure,  // try again later (timeouts, 5xx, 429, connection refused)
  permanent_failure,  // never retry (a refused number, 4xx, a bad template)
};
struct SendResult {
  SendOutcome outcome = SendOutcome::transient_failure;
  std::string provider_id;
  std::string error;  // shown in the outbox: no recipient, no text
};

// A message was in `sending` when the daemon stopped (a crash, kill -9):
// did it leave? Asked once per such message at start, before anything else
// is sent on the channel.
enum class ReconcileOutcome : std::int32_t {
  sent,      // it left (the file is there, the provider knows it): mark it sent
  not_sent,  // it surely did not leave: send it again
  unknown,   // cannot tell: mark it failed, "unknown after a crash", and let a person decide
};

enum class DeliveryStatus : std::int32_t { delivered, failed, sent };

// The channel's own wording of one kind in one language (Mustache). A group
// may replace it with its own (Settings > Message templates in the UI,
// /api/v1/message-templates); render() then gets that text in
// MessageIntent::template_override.
struct ChannelTemplate {
  MessageKind kind = MessageKind::reminder;
  std::string language;  // "en", "es"
  std::string text;      // shown to coordinators as the starting point
};

struct ChannelSpec {
  std::string name;               // the outbox's channel: "sms", "email", [a-z0-9_]+
  bool quiet_hours = true;        // hold messages between 21:00 and 08:00 on the recipient's clock
  int max_attempts = 8;           // transient failures before the host gives up
  std::function<RenderedMessage(const MessageIntent&)> render;
  std::function<SendResult(const ChannelMessage&)> send;
  std::function<ReconcileOutcome(const ChannelMessage&)> reconcile;  // empty: unknown
  // What a group may word for itself: one entry per kind and language it
  // can replace, and the names those templates may use ({{name}},
  // {{#item}}...{{/item}}). A group's template that uses any other name is
  // refused when it is saved. Empty: the channel takes no group templates.
  std::vector<ChannelTemplate> templates;
  std::vector<std::string> template_variables;
};

// A reply a person sent to the channel's number or address.
struct InboundMessage {
  std::string from;         // E.164 or address, as the gateway gave it
  std::string to;
  std::string text;
  std::string provider_id;  // the gateway's id for the message, when it has one: replays are dropped
};
struct InboundResult {
  bool accepted = false;  // false: not a number the host knows, or a replay; nothing was changed
  std::string handled_as;  // opt_out, opt_in, help, confirm, decline, other, duplicate, unknown_sender
  std::string error;
};

// The daemon's services for one plugin. Every method is safe to call from
// the plugin's hooks and handlers; none throws.
class BOOST_SYMBOL_VISIBLE Host {
 public:
  // Writes to the daemon's log, prefixed with the plugin's name. Never log a
  // phone number, an email address, a token or a message's text.
  virtual void log(LogLevel level, std::string_view message) noexcept = 0;
  // This plugin's [plugin.NAME] section of turnout.toml, as TOML text
  // (empty when there is none). Parse it with toml++ or by hand.
  virtual std::string config() const noexcept = 0;
  // The host's clock in Unix seconds. Use it instead of the system clock,
  // so tests can move time.
  virtual std::int64_t now() const noexcept = 0;
  // A time written for a person, in `timezone` (IANA) and `language`
  // (English and Spanish; others get English):
  //   long_form:  "Tuesday, March 10, 2026, 9:00 AM PDT" / "martes, 10 de marzo de 2026, 9:00 (PDT)"
  //   short_form: "Tue Mar 10, 9:00 AM" / "mar 10 mar, 9:00"
  //   time_only:  "9:00 AM" / "9:00"
  // Empty for an unknown zone.
  virtual std::string local_time(std::int64_t at, std::string_view timezone, std::string_view language,
                                 TimeStyle style) const noexcept = 0;
  // Serves METHOD /plugins/NAME/PATH (PATH starts with '/'). Null when the
  // route is taken or malformed; the log says why.
  virtual Handle add_route(std::string_view method, std::string_view path, RouteAccess access,
                           RouteHandler handler) noexcept = 0;

  // Reading the group's data. Every call takes the group: a plugin sees
  // one group at a time, and an id from another group finds nothing. All
  // are read-only and answer empty (and log why) on error.
  virtual std::vector<GroupView> groups() noexcept = 0;
  virtual std::optional<GroupView> group(std::int64_t group_id) noexcept = 0;
  // The group's meetings that end after `from` and start before `to`
  // (Unix seconds), in start order, cancelled ones included.
  virtual std::vector<MeetingView> meetings(std::int64_t group_id, std::int64_t from, std::int64_t to) noexcept = 0;
  virtual std::optional<MeetingView> meeting(std::int64_t group_id, std::int64_t meeting_id) noexcept = 0;
  virtual std::vector<AgendaItemView> agenda_items(std::int64_t group_id, std::int64_t meeting_id) noexcept = 0;
  // In speaking order.
  virtual std::vector<SlotView> slots(std::int64_t group_id, std::int64_t meeting_id) noexcept = 0;
  virtual std::optional<VolunteerView> volunteer(std::int64_t group_id, std::int64_t volunteer_id) noexcept = 0;
  virtual std::vector<VolunteerView> volunteers(std::int64_t group_id) noexcept = 0;
  // The volunteer's assignments on meetings that end after `from` and
  // start before `to`, every status, in meeting order.
  virtual std::vector<AssignmentView> volunteer_assignments(std::int64_t group_id, std::int64_t volunteer_id,
                                                            std::int64_t from, std::int64_t to) noexcept = 0;
  // Everyone placed on the meeting, every status, in speaking order.
  virtual std::vector<AssignmentView> meeting_assignments(std::int64_t group_id, std::int64_t meeting_id) noexcept = 0;
  virtual std::optional<AssignmentView> assignment(std::int64_t group_id, std::int64_t assignment_id) noexcept = 0;
  // Calls `handler` for every event whose type starts with `type_prefix`
  // ("" for all, "meeting." for meetings), after the change was committed,
  // in commit order, on the host's event thread (never on a request's). A
  // handler that throws five times in a row is switched off and reported.
  // Delivery resumes after a restart from where it stopped, so a handler
  // may see an event twice: make it idempotent.
  virtual Handle on_event(std::string_view type_prefix, EventHandler handler) noexcept = 0;
  // Runs `job` every `period` (at least one second) on the host's job thread.
  virtual Handle every(std::chrono::seconds period, std::function<void()> job) noexcept = 0;
  // This plugin's own durable key-value store (keys 1–200 bytes, values up
  // to 1 MiB). kv_put returns once the value is on disk; false on error.
  virtual std::optional<std::string> kv_get(std::string_view key) noexcept = 0;
  virtual bool kv_put(std::string_view key, std::string_view value) noexcept = 0;
  virtual bool kv_erase(std::string_view key) noexcept = 0;
  // Queues a message, durably; true when queued or already queued under the
  // same idempotency key, false (with `error`) when refused.
  virtual bool enqueue(const OutgoingMessage& message, std::string& error) noexcept = 0;

  // ---- More reads ----------------------------------------------------------
  // The group's coordinators (those who plan: digests and notices go to them).
  virtual std::vector<AccountView> coordinators(std::int64_t group_id) noexcept = 0;
  // How many of the group's messages failed for good since `since`.
  virtual int failed_messages(std::int64_t group_id, std::int64_t since) noexcept = 0;

  // ---- Writes on a person's behalf ----------------------------------------
  // Queues every message or none, in one transaction (much faster than one
  // enqueue() each for a batch such as a week's digests). Keys already
  // queued are skipped, as with enqueue().
  virtual bool enqueue_all(const std::vector<OutgoingMessage>& messages, std::string& error) noexcept = 0;
  // The volunteer asked for no more messages on `channel` ("email" or
  // "sms"): their opt-in is cleared and what is pending for them on that
  // channel is suppressed, in one transaction, audited as your plugin. True
  // when done or already so; false (with `error`) for an unknown volunteer
  // or channel.
  virtual bool unsubscribe(std::int64_t group_id, std::int64_t volunteer_id, std::string_view channel,
                           std::string& error) noexcept = 0;
  // A new private calendar link for the volunteer, to hand to them (a page
  // they opened from their own signed link): their old link stops working
  // at once, as with POST /api/v1/volunteers/{id}/feed-token. Empty on error.
  virtual std::optional<FeedLink> new_feed_link(std::int64_t group_id, std::int64_t volunteer_id) noexcept = 0;

  // ---- Digests --------------------------------------------------------------
  // `runner(group_id)` composes and queues the group's digests now. The
  // host calls it, on its job thread, when a coordinator asks (POST
  // /api/v1/digests/run); the plugin keeps its own schedule with every().
  // Make it idempotent per period: a second run must not send twice.
  virtual Handle add_digest(std::function<void(std::int64_t group_id)> runner) noexcept = 0;
  // Calendar feeds (see "Calendar feeds" above): makes `renderer` the one
  // that renders /feeds/... Null when another plugin's renderer is
  // registered already (the log says whose).
  virtual Handle add_calendar(CalendarRenderer renderer) noexcept = 0;
  // Renders through the calendar plugin that is running (for an .ics to
  // attach to a mail); false with `error` when there is none or it failed.
  virtual bool render_calendar(const FeedRequest& request, Feed& feed, std::string& error) noexcept = 0;
  // Notification channels (see "Notification channels" above).
  // Registers this plugin as the channel spec.name; null when the name is
  // taken or malformed, or a function is missing. Dropping the Handle
  // unregisters it (messages then wait in the outbox).
  virtual Handle add_channel(ChannelSpec spec) noexcept = 0;
  // A delivery report from the gateway for a message the channel sent with
  // this provider id. False when no such message exists on the channel.
  virtual bool delivery_report(std::string_view channel, std::string_view provider_id, DeliveryStatus status,
                               std::string_view error) noexcept = 0;
  // A reply arrived. The host reads the keywords (STOP, YES, ...), applies
  // them in one transaction and queues its answer in the outbox; the
  // channel sends that like any other message. Safe from a route handler.
  virtual InboundResult inbound(std::string_view channel, const InboundMessage& message) noexcept = 0;

 protected:
  ~Host() = default;  // plugins never delete the host
};

class BOOST_SYMBOL_VISIBLE Plugin {
 public:
  virtual ~Plugin() = default;
  // Register what you provide. On failure set `error` (it is logged and
  // shown in `turnoutd plugins list`) and return Status::failed: the host
  // stops and unloads you, and keeps serving.
  virtual Status start(Host& host, std::string& error) = 0;
  // Drop every Handle and stop any work of your own; the host destroys the
  // plugin right after.
  virtual void stop() = 0;
};

// C layout; api_version is the first field and never moves, so any future
// host can read it from any plugin before anything else.
struct Manifest {
  const char* name;         // [a-z0-9_]+, equal to the library's file name (NAME.so)
  const char* version;      // the plugin's own version
  const char* description;  // one line, shown to operators
  std::uint32_t capabilities;
  const char* const* config_keys;  // null-terminated list of the [plugin.NAME] keys it reads
};

struct Entry {
  std::uint32_t api_version;
  const char* build_fingerprint;
  Manifest manifest;
  Plugin* (*create)() noexcept;  // nullptr on failure
  void (*destroy)(Plugin*) noexcept;
};

}  // namespace turnout::plugin

// Defines the plugin's entry point. Use once, in one source file:
//
//   static const char* const kKeys[] = {"greeting", nullptr};
//   TURNOUT_PLUGIN(Example, example, "1.0.0", "What it does",
//                  turnout::plugin::capability::http_routes, kKeys)
#define TURNOUT_PLUGIN(CLASS, NAME, VERSION, DESCRIPTION, CAPABILITIES, CONFIG_KEYS)             \
  extern "C" BOOST_SYMBOL_EXPORT const ::turnout::plugin::Entry* turnout_plugin_v1_##NAME() noexcept; \
  extern "C" BOOST_SYMBOL_EXPORT const ::turnout::plugin::Entry* turnout_plugin_v1_##NAME() noexcept { \
    static const ::turnout::plugin::Entry entry{                                                  \
        ::turnout::plugin::kApiVersion,                                                           \
        TURNOUT_BUILD_FINGERPRINT,                                                                \
        {#NAME, VERSION, DESCRIPTION, CAPABILITIES, CONFIG_KEYS},                                 \
        []() noexcept -> ::turnout::plugin::Plugin* {                                             \
          try {                                                                                   \
            return new CLASS();                                                                   \
          } catch (...) {                                                                         \
            return nullptr;                                                                       \
          }                                                                                       \
        },                                                                                        \
        [](::turnout::plugin::Plugin* p) noexcept { delete p; }};                                 \
    return &entry;                                                                                \
  }
