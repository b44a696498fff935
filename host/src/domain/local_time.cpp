#include "domain/local_time.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <array>

#include "domain/error.hpp"

namespace turnout::domain {
namespace {

constexpr std::array<std::string_view, 7> kDaysEn = {"Sunday", "Monday", "Tuesday", "Wednesday",
                                                     "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 7> kDaysEs = {"domingo", "lunes", "martes", "miércoles",
                                                     "jueves", "viernes", "sábado"};
constexpr std::array<std::string_view, 7> kDaysEsShort = {"dom", "lun", "mar", "mié", "jue", "vie", "sáb"};
constexpr std::array<std::string_view, 12> kMonthsEn = {"January", "February", "March",     "April",
                                                        "May",     "June",     "July",      "August",
                                                        "September", "October", "November", "December"};
constexpr std::array<std::string_view, 12> kMonthsEs = {"enero", "febrero", "marzo", "abril", "mayo", "junio",
                                                        "julio", "agosto", "septiembre", "octubre",
                                                        "noviembre", "diciembre"};
constexpr std::array<std::string_view, 12> kMonthsEsShort = {"ene", "feb", "mar", "abr", "may", "jun",
                                                             "jul", "ago", "sept", "oct", "nov", "dic"};

bool spanish(std::string_view language) { return language == "es" || language.starts_with("es-"); }

}  // namespace

std::string format_local(Time t, std::string_view timezone, std::string_view language, TimeStyle style) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(std::string(timezone));
  } catch (const std::exception&) {
    throw Error(ErrorCode::invalid, fmt::format("unknown time zone \"{}\"", timezone), "timezone");
  }
  auto info = zone->get_info(t);
  auto local = date::local_seconds{t.time_since_epoch() + info.offset};
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::weekday wd{day};
  date::hh_mm_ss hms{local - day};
  int hour = static_cast<int>(hms.hours().count());
  int minute = static_cast<int>(hms.minutes().count());
  unsigned month = static_cast<unsigned>(ymd.month()) - 1;
  unsigned mday = static_cast<unsigned>(ymd.day());
  int year = static_cast<int>(ymd.year());
  unsigned wdi = wd.c_encoding();

  if (spanish(language)) {
    std::string clock = fmt::format("{}:{:02}", hour, minute);
    switch (style) {
      case TimeStyle::time_only:
        return clock;
      case TimeStyle::short_form:
        return fmt::format("{} {} {}, {}", kDaysEsShort[wdi], mday, kMonthsEsShort[month], clock);
      case TimeStyle::long_form:
        return fmt::format("{}, {} de {} de {}, {} ({})", kDaysEs[wdi], mday, kMonthsEs[month], year, clock,
                           info.abbrev);
    }
  }
  int h12 = hour % 12 == 0 ? 12 : hour % 12;
  std::string clock = fmt::format("{}:{:02} {}", h12, minute, hour < 12 ? "AM" : "PM");
  switch (style) {
    case TimeStyle::time_only:
      return clock;
    case TimeStyle::short_form:
      return fmt::format("{} {} {}, {}", kDaysEn[wdi].substr(0, 3), kMonthsEn[month].substr(0, 3), mday, clock);
    case TimeStyle::long_form:
      return fmt::format("{}, {} {}, {}, {} {}", kDaysEn[wdi], kMonthsEn[month], mday, year, clock, info.abbrev);
  }
  return clock;
}

}  // namespace turnout::domain
