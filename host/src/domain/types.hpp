// The entities of Turnout in the organizers' words. Plain values: no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace turnout::domain {

using Id = std::int64_t;
using Time = std::chrono::sys_seconds;

// Each enum below has to_string and a parse_<enum> that returns nullopt on
// an unknown name; the names are the contract of SPEC §2.
enum class Role { admin, coordinator, viewer };
enum class BodyKind { city_council, county_board, commission, committee, legislature, oversight, other };
enum class MeetingStatus { tentative, confirmed, cancelled, postponed };
enum class Stance { support, oppose, neutral };
enum class SlotMode { in_person, remote, written };
enum class AssignmentStatus { invited, confirmed, declined, cancelled, attended, no_show };
enum class Outcome { spoke, not_called, time_ran_out, written_submitted };

std::string_view to_string(Role);
std::string_view to_string(BodyKind);
std::string_view to_string(MeetingStatus);
std::string_view to_string(Stance);
std::string_view to_string(SlotMode);
std::string_view to_string(AssignmentStatus);
std::string_view to_string(Outcome);
std::optional<Role> parse_role(std::string_view);
std::optional<BodyKind> parse_body_kind(std::string_view);
std::optional<MeetingStatus> parse_meeting_status(std::string_view);
std::optional<Stance> parse_stance(std::string_view);
std::optional<SlotMode> parse_slot_mode(std::string_view);
std::optional<AssignmentStatus> parse_assignment_status(std::string_view);
std::optional<Outcome> parse_outcome(std::string_view);

// Statuses in which the volunteer holds a place on the slot.
constexpr bool holds_place(AssignmentStatus s) {
  return s == AssignmentStatus::invited || s == AssignmentStatus::confirmed || s == AssignmentStatus::attended ||
         s == AssignmentStatus::no_show;
}

struct Group {
  Id id = 0;
  std::string name;
  std::string slug;
  std::string timezone;
  std::string language = "en";
  std::string country = "US";  // ISO 3166 region used to read local phone numbers
};

struct Account {
  Id id = 0;
  std::optional<Id> group_id;
  std::string email;
  std::string name;
  Role role = Role::coordinator;
};

struct Volunteer {
  Id id = 0;
  Id group_id = 0;
  std::string name;
  std::optional<std::string> phone;  // E.164
  std::optional<std::string> email;
  std::string language = "en";  // BCP 47
  std::string timezone;
  bool sms_opt_in = false;
  bool email_opt_in = false;
  std::optional<Time> opted_out_at;
  std::vector<std::string> tags;
  std::string notes;
  Time created_at{};
  Time updated_at{};
};

struct PublicCommentRules {
  int minutes_per_speaker = 2;
  std::optional<int> signup_opens_minutes_before;  // nullopt: open once published
  int signup_closes_minutes_before = 0;            // negative: stays open after the start
  bool remote_allowed = false;
  int interpretation_lead_hours = 48;
  std::optional<int> written_limit_words;
  std::optional<int> written_deadline_minutes_before;
};

struct Body {
  Id id = 0;
  Id group_id = 0;
  std::string name;
  BodyKind kind = BodyKind::other;
  std::string jurisdiction;
  std::string timezone;
  PublicCommentRules public_comment;
  bool feed_public = false;
};

struct Meeting {
  Id id = 0;
  Id group_id = 0;
  Id body_id = 0;
  std::string title;
  Time starts_at{};
  Time ends_at{};
  std::string timezone;
  std::string location;
  std::string remote_url;
  std::string agenda_url;
  MeetingStatus status = MeetingStatus::confirmed;
  int sequence = 0;
  std::string source;
  std::string external_id;
  std::string signup_token;  // the public sign-up link's token
  Time updated_at{};
};

struct AgendaItem {
  Id id = 0;
  Id meeting_id = 0;
  std::string number;
  std::string title;
  std::string matter;
  Stance stance = Stance::neutral;
  Time updated_at{};
};

struct Slot {
  Id id = 0;
  Id meeting_id = 0;
  std::optional<Id> agenda_item_id;
  std::string role;  // speaker, interpreter, turnout, notetaker, or the group's own
  int order = 0;
  int minutes = 0;
  SlotMode mode = SlotMode::in_person;
  std::string language;
  int capacity = 1;
};

struct Assignment {
  Id id = 0;
  Id slot_id = 0;
  std::optional<Id> volunteer_id;  // empty once the volunteer was erased
  AssignmentStatus status = AssignmentStatus::invited;
  std::optional<Stance> stance;
  std::optional<Outcome> outcome;
  std::string join_url;
  std::string needs_interpreter;  // a language, or empty
  bool forced = false;
  Time created_at{};
  Time updated_at{};
};

// Who does something; recorded in the audit log, never with contact data.
struct Actor {
  enum class Kind { account, volunteer, plugin, system };
  Kind kind = Kind::system;
  std::optional<Id> id;
  std::string name;  // plugin name, or "cli"/"demo" for the system

  static Actor system(std::string name) { return {Kind::system, std::nullopt, std::move(name)}; }
  static Actor account(Id id) { return {Kind::account, id, {}}; }
  static Actor volunteer(Id id) { return {Kind::volunteer, id, {}}; }
  static Actor plugin(std::string name) { return {Kind::plugin, std::nullopt, std::move(name)}; }
};
std::string_view to_string(Actor::Kind);

}  // namespace turnout::domain
