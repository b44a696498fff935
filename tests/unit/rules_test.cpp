#include <catch2/catch.hpp>

#include "domain/error.hpp"
#include "domain/rules.hpp"
#include "domain/time.hpp"

using namespace turnout;
using namespace turnout::domain;
using namespace std::chrono;

namespace {
Meeting meeting_at(const char* start) {
  Meeting m;
  m.starts_at = parse_rfc3339(start, "t");
  m.ends_at = m.starts_at + hours(3);
  return m;
}
Time at(const char* t) { return parse_rfc3339(t, "t"); }
}  // namespace

TEST_CASE("public sign-up opens and closes by the body's rule") {
  Meeting m = meeting_at("2026-03-10T16:00:00Z");
  PublicCommentRules rules;
  rules.signup_opens_minutes_before = 7 * 24 * 60;
  rules.signup_closes_minutes_before = 30;
  CHECK(signup_state(m, rules, at("2026-03-03T15:59:59Z")) == SignupState::not_yet_open);
  CHECK(signup_state(m, rules, at("2026-03-03T16:00:00Z")) == SignupState::open);
  CHECK(signup_state(m, rules, at("2026-03-10T15:29:59Z")) == SignupState::open);
  CHECK(signup_state(m, rules, at("2026-03-10T15:30:00Z")) == SignupState::closed);
}

TEST_CASE("a body without an opening time takes sign-ups from publication") {
  Meeting m = meeting_at("2026-03-10T16:00:00Z");
  PublicCommentRules rules;
  CHECK(signup_state(m, rules, at("2026-01-01T00:00:00Z")) == SignupState::open);
  CHECK(signup_state(m, rules, at("2026-03-10T16:00:00Z")) == SignupState::closed);
}

TEST_CASE("cancelled and postponed meetings take no public sign-ups") {
  Meeting m = meeting_at("2026-03-10T16:00:00Z");
  PublicCommentRules rules;
  m.status = MeetingStatus::cancelled;
  CHECK(signup_state(m, rules, at("2026-03-09T00:00:00Z")) == SignupState::meeting_not_on);
  m.status = MeetingStatus::postponed;
  CHECK(signup_state(m, rules, at("2026-03-09T00:00:00Z")) == SignupState::meeting_not_on);
  m.status = MeetingStatus::tentative;
  CHECK(signup_state(m, rules, at("2026-03-09T00:00:00Z")) == SignupState::open);
}

TEST_CASE("deadlines come from the body's rules") {
  Meeting m = meeting_at("2026-03-10T16:00:00Z");
  PublicCommentRules rules;
  rules.signup_closes_minutes_before = 30;
  rules.written_deadline_minutes_before = 24 * 60;
  rules.interpretation_lead_hours = 48;
  auto d = deadlines(m, rules);
  REQUIRE(d.size() == 3);
  CHECK(d[0].kind == DeadlineKind::signup_closes);
  CHECK(d[0].at == at("2026-03-10T15:30:00Z"));
  CHECK(d[1].kind == DeadlineKind::written_testimony_due);
  CHECK(d[1].at == at("2026-03-09T16:00:00Z"));
  CHECK(d[2].kind == DeadlineKind::interpreter_request_due);
  CHECK(d[2].at == at("2026-03-08T16:00:00Z"));
}

TEST_CASE("meetings that touch end to start do not overlap") {
  auto a = at("2026-03-10T16:00:00Z"), b = at("2026-03-10T19:00:00Z"), c = at("2026-03-10T22:00:00Z");
  CHECK_FALSE(overlaps(a, b, b, c));
  CHECK(overlaps(a, b + seconds(1), b, c));
  CHECK(overlaps(a, c, b, b + hours(1)));
}

TEST_CASE("assignment statuses follow the life of a sign-up") {
  using S = AssignmentStatus;
  CHECK_NOTHROW(check_transition(S::invited, S::confirmed));
  CHECK_NOTHROW(check_transition(S::confirmed, S::attended));
  CHECK_NOTHROW(check_transition(S::declined, S::confirmed));
  CHECK_NOTHROW(check_transition(S::attended, S::no_show));
  CHECK_THROWS_AS(check_transition(S::attended, S::invited), Error);
  CHECK_THROWS_AS(check_transition(S::no_show, S::confirmed), Error);
  CHECK_THROWS_AS(check_transition(S::cancelled, S::attended), Error);
}

TEST_CASE("an outcome needs the volunteer to have attended, except written testimony") {
  using S = AssignmentStatus;
  CHECK_NOTHROW(check_outcome(S::attended, Outcome::spoke));
  CHECK_NOTHROW(check_outcome(S::confirmed, Outcome::written_submitted));
  CHECK_NOTHROW(check_outcome(S::invited, std::nullopt));
  CHECK_THROWS_AS(check_outcome(S::confirmed, Outcome::spoke), Error);
  CHECK_THROWS_AS(check_outcome(S::declined, Outcome::written_submitted), Error);
}

TEST_CASE("what a calendar shows counts as a significant change") {
  Meeting a = meeting_at("2026-03-10T16:00:00Z");
  Meeting b = a;
  b.agenda_url = "https://example.org/agenda";
  CHECK(classify_change(a, b).any);
  CHECK_FALSE(classify_change(a, b).significant);
  b = a;
  b.starts_at += hours(1);
  CHECK(classify_change(a, b).rescheduled);
  CHECK(classify_change(a, b).significant);
  b = a;
  b.status = MeetingStatus::cancelled;
  CHECK(classify_change(a, b).cancelled);
  CHECK_FALSE(classify_change(a, a).any);
}

TEST_CASE("a week before a meeting after the DST change is the same wall-clock time") {
  // Clocks spring forward on 2026-03-08 in Los Angeles.
  Meeting m;
  m.timezone = "America/Los_Angeles";
  m.starts_at = at("2026-03-10T09:00:00-07:00");
  m.ends_at = m.starts_at + hours(4);
  PublicCommentRules rules;
  rules.signup_opens_minutes_before = 7 * 24 * 60;
  rules.signup_closes_minutes_before = 30;
  rules.written_deadline_minutes_before = 3 * 24 * 60;
  auto w = signup_window(m, rules);
  CHECK(format_rfc3339(*w.opens, m.timezone) == "2026-03-03T09:00:00-08:00");
  CHECK(format_rfc3339(w.closes, m.timezone) == "2026-03-10T08:30:00-07:00");
  CHECK(format_rfc3339(deadlines(m, rules)[1].at, m.timezone) == "2026-03-07T09:00:00-08:00");
  CHECK(signup_state(m, rules, at("2026-03-03T16:30:00Z")) == SignupState::not_yet_open);  // 08:30 PST
  CHECK(signup_state(m, rules, at("2026-03-03T17:00:00Z")) == SignupState::open);
}
