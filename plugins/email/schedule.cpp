#include "schedule.hpp"

#include <date/iso_week.h>
#include <date/tz.h>

#include <array>
#include <cstdio>

namespace turnout::email {
namespace {

constexpr std::array<std::string_view, 7> kEnglish = {"monday", "tuesday", "wednesday", "thursday",
                                                      "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 7> kSpanish = {"lunes", "martes", "miércoles", "jueves",
                                                      "viernes", "sábado", "domingo"};

date::local_seconds local_now(std::int64_t now, const date::time_zone* zone) {
  return zone->to_local(date::sys_seconds{std::chrono::seconds{now}});
}

}  // namespace

std::optional<Schedule> parse_schedule(std::string_view day, std::string_view time) {
  Schedule s;
  s.weekday = 0;
  for (int i = 0; i < 7; ++i)
    if (day == kEnglish[i] || day == kSpanish[i]) s.weekday = i + 1;
  if (s.weekday == 0) return std::nullopt;
  int h = -1, m = -1;
  char tail = 0;
  std::string t(time);
  if (std::sscanf(t.c_str(), "%d:%d%c", &h, &m, &tail) != 2 || t.size() != 5 || h < 0 || h > 23 || m < 0 || m > 59)
    return std::nullopt;
  s.hour = h;
  s.minute = m;
  return s;
}

std::string weekday_name(int iso_weekday) { return std::string(kEnglish.at(static_cast<std::size_t>(iso_weekday - 1))); }

std::string period_of(std::int64_t now, const std::string& timezone) {
  auto day = date::floor<date::days>(local_now(now, date::locate_zone(timezone)));
  iso_week::year_weeknum_weekday w{date::sys_days{day.time_since_epoch()}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%d-W%02u", static_cast<int>(w.year()), static_cast<unsigned>(w.weeknum()));
  return buf;
}

std::int64_t due_this_week(std::int64_t now, const std::string& timezone, const Schedule& s) {
  const auto* zone = date::locate_zone(timezone);
  auto today = date::floor<date::days>(local_now(now, zone));
  iso_week::year_weeknum_weekday w{date::sys_days{today.time_since_epoch()}};
  auto monday = today - date::days{static_cast<unsigned>(w.weekday()) - 1};
  auto at = date::local_seconds{monday} + date::days{s.weekday - 1} + std::chrono::hours{s.hour} +
            std::chrono::minutes{s.minute};
  auto info = zone->get_info(at);
  date::sys_seconds sys;
  switch (info.result) {
    case date::local_info::unique:
      sys = date::sys_seconds{at.time_since_epoch() - info.first.offset};
      break;
    case date::local_info::ambiguous:
      sys = date::sys_seconds{at.time_since_epoch() - info.first.offset};
      break;
    case date::local_info::nonexistent:
      sys = info.second.begin;  // the gap's end
      break;
  }
  return sys.time_since_epoch().count();
}

}  // namespace turnout::email
