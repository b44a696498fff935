#include "domain/rules.hpp"

#include <fmt/format.h>

#include "domain/error.hpp"
#include "domain/time.hpp"

namespace turnout::domain {

using std::chrono::minutes;

SignupWindow signup_window(const Meeting& meeting, const PublicCommentRules& rules) {
  SignupWindow w;
  if (rules.signup_opens_minutes_before)
    w.opens = wall_clock_before(meeting.starts_at, meeting.timezone, minutes(*rules.signup_opens_minutes_before));
  w.closes = wall_clock_before(meeting.starts_at, meeting.timezone, minutes(rules.signup_closes_minutes_before));
  return w;
}

SignupState signup_state(const Meeting& meeting, const PublicCommentRules& rules, Time now) {
  if (meeting.status == MeetingStatus::cancelled || meeting.status == MeetingStatus::postponed)
    return SignupState::meeting_not_on;
  SignupWindow w = signup_window(meeting, rules);
  if (w.opens && now < *w.opens) return SignupState::not_yet_open;
  if (now >= w.closes || now >= meeting.ends_at) return SignupState::closed;
  return SignupState::open;
}

std::string_view to_string(DeadlineKind k) {
  switch (k) {
    case DeadlineKind::signup_closes: return "signup_closes";
    case DeadlineKind::written_testimony_due: return "written_testimony_due";
    case DeadlineKind::interpreter_request_due: return "interpreter_request_due";
  }
  return "?";
}

std::vector<Deadline> deadlines(const Meeting& meeting, const PublicCommentRules& rules) {
  std::vector<Deadline> out;
  out.push_back({DeadlineKind::signup_closes, signup_window(meeting, rules).closes});
  if (rules.written_deadline_minutes_before)
    out.push_back({DeadlineKind::written_testimony_due,
                   wall_clock_before(meeting.starts_at, meeting.timezone,
                                     minutes(*rules.written_deadline_minutes_before))});
  if (rules.interpretation_lead_hours > 0)
    out.push_back({DeadlineKind::interpreter_request_due,
                   wall_clock_before(meeting.starts_at, meeting.timezone,
                                     std::chrono::hours(rules.interpretation_lead_hours))});
  return out;
}

void check_transition(AssignmentStatus from, AssignmentStatus to) {
  using S = AssignmentStatus;
  if (from == to) return;
  bool ok = false;
  switch (from) {
    case S::invited: ok = to == S::confirmed || to == S::declined || to == S::cancelled || to == S::attended || to == S::no_show; break;
    case S::confirmed: ok = to == S::declined || to == S::cancelled || to == S::attended || to == S::no_show; break;
    // Someone who said no can change their mind, if a place is still free.
    case S::declined: ok = to == S::invited || to == S::confirmed || to == S::cancelled; break;
    case S::cancelled: ok = to == S::invited || to == S::confirmed; break;
    // Corrections after the meeting.
    case S::attended: ok = to == S::no_show; break;
    case S::no_show: ok = to == S::attended; break;
  }
  if (!ok)
    throw invalid("status", fmt::format("an assignment that is {} cannot become {}", to_string(from), to_string(to)));
}

void check_outcome(AssignmentStatus status, std::optional<Outcome> outcome) {
  if (!outcome) return;
  if (status == AssignmentStatus::attended) return;
  // Written testimony can be sent without being in the room.
  if (*outcome == Outcome::written_submitted &&
      (status == AssignmentStatus::confirmed || status == AssignmentStatus::no_show))
    return;
  throw invalid("outcome", fmt::format("an outcome of {} needs the assignment to be attended, not {}",
                                       to_string(*outcome), to_string(status)));
}

MeetingChange classify_change(const Meeting& b, const Meeting& a) {
  MeetingChange c;
  c.rescheduled = b.starts_at != a.starts_at || b.ends_at != a.ends_at;
  c.cancelled = a.status == MeetingStatus::cancelled && b.status != MeetingStatus::cancelled;
  c.postponed = a.status == MeetingStatus::postponed && b.status != MeetingStatus::postponed;
  c.significant = c.rescheduled || b.status != a.status || b.title != a.title || b.location != a.location ||
                  b.remote_url != a.remote_url || b.timezone != a.timezone;
  c.any = c.significant || b.agenda_url != a.agenda_url || b.body_id != a.body_id;
  return c;
}

}  // namespace turnout::domain
