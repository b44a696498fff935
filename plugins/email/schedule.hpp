// When a group's weekly digest is due: a weekday and a time on the group's
// own clock (default Monday 09:00), and the ISO week it belongs to, which
// names the period in each digest's idempotency key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace turnout::email {

struct Schedule {
  int weekday = 1;  // ISO: 1 Monday ... 7 Sunday
  int hour = 9, minute = 0;
};

// "monday" / "lunes" and "09:00"; nothing when either is not understood.
std::optional<Schedule> parse_schedule(std::string_view day, std::string_view time);
std::string weekday_name(int iso_weekday);  // "monday"

// The ISO week of `now` on the zone's clock, e.g. "2026-W48".
std::string period_of(std::int64_t now, const std::string& timezone);
// This ISO week's moment for the schedule, in Unix seconds. A time that does
// not exist on that day (a spring-forward gap) is read as the moment after
// the gap; a repeated one (fall back) as its first occurrence.
std::int64_t due_this_week(std::int64_t now, const std::string& timezone, const Schedule& schedule);

}  // namespace turnout::email
