// Times written for people: in their zone, the way their language writes
// them. English and Spanish; any other language falls back to English.
//
//   long:  "Tuesday, March 10, 2026, 9:00 AM PDT"  /  "martes, 10 de marzo de 2026, 9:00 (PDT)"
//   short: "Tue Mar 10, 9:00 AM"                   /  "mar 10 mar, 9:00"
//   time:  "9:00 AM"                               /  "9:00"
#pragma once

#include <string>
#include <string_view>

#include "domain/types.hpp"

namespace turnout::domain {

enum class TimeStyle { long_form, short_form, time_only };

// Throws Error(invalid) for an unknown zone.
std::string format_local(Time t, std::string_view timezone, std::string_view language, TimeStyle style);

}  // namespace turnout::domain
