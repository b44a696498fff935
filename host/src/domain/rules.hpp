// The rules of SPEC §2 that need no storage: sign-up windows, deadlines,
// overlaps, which status may follow which, what counts as a real change
// to a meeting. The store calls these inside its transactions.
#pragma once

#include <optional>
#include <vector>

#include "domain/types.hpp"

namespace turnout::domain {

// When the public may sign up for a meeting, from its body's rules.
struct SignupWindow {
  std::optional<Time> opens;  // nullopt: from the moment it is published
  Time closes{};
};
SignupWindow signup_window(const Meeting& meeting, const PublicCommentRules& rules);

enum class SignupState { open, not_yet_open, closed, meeting_not_on };
// Cancelled and postponed meetings take no public sign-ups; tentative and
// confirmed ones do, inside the window.
SignupState signup_state(const Meeting& meeting, const PublicCommentRules& rules, Time now);

// Deadlines a coordinator and the reminders care about, besides the start.
enum class DeadlineKind { signup_closes, written_testimony_due, interpreter_request_due };
struct Deadline {
  DeadlineKind kind;
  Time at;
};
std::string_view to_string(DeadlineKind);
std::vector<Deadline> deadlines(const Meeting& meeting, const PublicCommentRules& rules);

// Half-open intervals [start, end): a meeting ending at 12:00 does not clash
// with one starting at 12:00.
constexpr bool overlaps(Time a_start, Time a_end, Time b_start, Time b_end) {
  return a_start < b_end && b_start < a_end;
}

// Throws invalid("status") when an assignment may not move from -> to.
void check_transition(AssignmentStatus from, AssignmentStatus to);
// Throws invalid("outcome") when the outcome does not fit the status.
void check_outcome(AssignmentStatus status, std::optional<Outcome> outcome);

// What changed between two versions of a meeting, for its calendar
// sequence and the events plugins receive.
struct MeetingChange {
  bool rescheduled = false;  // starts_at or ends_at moved
  bool cancelled = false;    // became cancelled
  bool postponed = false;    // became postponed (put off, no new date yet)
  bool significant = false;  // anything a calendar shows: bump SEQUENCE
  bool any = false;
};
MeetingChange classify_change(const Meeting& before, const Meeting& after);

}  // namespace turnout::domain
