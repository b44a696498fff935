#include "domain/time.hpp"

#include <date/date.h>
#include <date/tz.h>


#include "domain/error.hpp"

namespace turnout::domain {

std::string format_rfc3339(Time t, std::string_view timezone) {
  auto zoned = date::make_zoned(date::locate_zone(std::string(timezone)), t);
  return date::format("%FT%T%Ez", zoned);
}

std::string format_rfc3339_utc(Time t) { return date::format("%FT%TZ", t); }

Time parse_rfc3339(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return invalid(std::string(field), "a time is RFC 3339 with an offset, e.g. 2026-03-10T18:00:00-07:00");
  };
  // Shape first: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM). date::parse is lenient
  // about widths, and we want exactly the standard.
  std::string s(text);
  if (s.size() < 20 || s.size() > 40) throw bad();
  auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2) || s[13] != ':' || !digits(14, 2) ||
      s[16] != ':' || !digits(17, 2))
    throw bad();
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) throw bad();
  }
  auto number = [&](std::size_t from, std::size_t n) { return std::stoi(s.substr(from, n)); };
  std::string zone = s.substr(i);
  std::chrono::minutes offset{0};
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && digits(i + 1, 2) &&
             digits(i + 4, 2)) {
    int h = number(i + 1, 2), m = number(i + 4, 2);
    if (h > 23 || m > 59) throw bad();
    offset = std::chrono::hours(h) + std::chrono::minutes(m);
    if (zone[0] == '-') offset = -offset;
  } else {
    throw bad();
  }
  // The fields are plain digits by now; a calendar check refuses 2026-02-30
  // rather than rolling it over into March. Leap seconds (:60) are refused.
  date::year_month_day day{date::year{number(0, 4)}, date::month{static_cast<unsigned>(number(5, 2))},
                           date::day{static_cast<unsigned>(number(8, 2))}};
  int hh = number(11, 2), mm = number(14, 2), ss = number(17, 2);
  if (!day.ok() || hh > 23 || mm > 59 || ss > 59) throw bad();
  auto local = date::sys_days{day}.time_since_epoch() + std::chrono::hours(hh) + std::chrono::minutes(mm) +
               std::chrono::seconds(ss);
  return Time{std::chrono::duration_cast<std::chrono::seconds>(local) - offset};
}

Time at_local(std::string_view timezone, std::chrono::year_month_day day, std::chrono::minutes time_of_day) {
  const date::time_zone* zone = date::locate_zone(std::string(timezone));
  date::year_month_day ymd{date::year{static_cast<int>(day.year())}, date::month{static_cast<unsigned>(day.month())},
                           date::day{static_cast<unsigned>(day.day())}};
  date::local_seconds local = date::local_days{ymd} + time_of_day;
  auto info = zone->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
      return Time{local.time_since_epoch() - info.first.offset};
    case date::local_info::ambiguous:
      return Time{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
    default:
      // Read the wall time with the offset before the jump: 02:30 becomes 03:30.
      return Time{local.time_since_epoch() - info.first.offset};
  }
}

Time wall_clock_before(Time t, std::string_view timezone, std::chrono::minutes offset) {
  if (timezone.empty()) return t - offset;
  const date::time_zone* zone = date::locate_zone(std::string(timezone));
  auto local = zone->to_local(t) - offset;
  auto info = zone->get_info(local);
  // A wall time skipped by DST reads with the offset before the jump, as at_local does.
  return Time{local.time_since_epoch() - info.first.offset};
}

std::chrono::year_month_day local_day(Time t, std::string_view timezone) {
  auto zoned = date::make_zoned(date::locate_zone(std::string(timezone)), t);
  auto d = date::year_month_day{date::floor<date::days>(zoned.get_local_time())};
  return std::chrono::year_month_day{std::chrono::year{static_cast<int>(d.year())},
                                     std::chrono::month{static_cast<unsigned>(d.month())},
                                     std::chrono::day{static_cast<unsigned>(d.day())}};
}

Time SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace turnout::domain
