#include <catch2/catch.hpp>

#include "domain/error.hpp"
#include "domain/local_time.hpp"
#include "domain/time.hpp"

using namespace turnout;
using namespace turnout::domain;
using namespace std::chrono;

TEST_CASE("RFC 3339 times read with Z or an offset name the same instant") {
  CHECK(parse_rfc3339("2026-03-10T16:00:00Z", "t") == parse_rfc3339("2026-03-10T09:00:00-07:00", "t"));
  CHECK(parse_rfc3339("2026-03-10T16:00:00.250Z", "t") == parse_rfc3339("2026-03-10T16:00:00Z", "t"));
  CHECK(parse_rfc3339("2026-03-10t16:00:00z", "t") == parse_rfc3339("2026-03-10T16:00:00Z", "t"));
}

TEST_CASE("anything but RFC 3339 is refused naming the field") {
  for (const char* bad : {"2026-03-10", "2026-03-10T16:00:00", "2026-03-10T16:00Z", "next tuesday",
                          "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-03-10T25:00:00Z",
                          "2026-03-10T16:00:00+0700", "2026-03-10T16:00:00+24:00", ""}) {
    INFO(bad);
    try {
      parse_rfc3339(bad, "starts_at");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.field() == "starts_at");
    }
  }
}

TEST_CASE("times are written with the zone's offset at that instant, across DST") {
  // US clocks spring forward on 2026-03-08 at 02:00 local.
  auto before = parse_rfc3339("2026-03-07T17:00:00Z", "t");
  auto after = parse_rfc3339("2026-03-09T16:00:00Z", "t");
  CHECK(format_rfc3339(before, "America/Los_Angeles") == "2026-03-07T09:00:00-08:00");
  CHECK(format_rfc3339(after, "America/Los_Angeles") == "2026-03-09T09:00:00-07:00");
  CHECK(format_rfc3339_utc(after) == "2026-03-09T16:00:00Z");
}

TEST_CASE("a meeting on the day clocks change starts at the right instant") {
  const auto day = year_month_day{year{2026}, March, std::chrono::day{8}};
  // 09:00 on the change day is already daylight time (-07:00).
  CHECK(format_rfc3339_utc(at_local("America/Los_Angeles", day, hours{9})) == "2026-03-08T16:00:00Z");
  // 01:00 is still standard time (-08:00).
  CHECK(format_rfc3339_utc(at_local("America/Los_Angeles", day, hours{1})) == "2026-03-08T09:00:00Z");
  // 02:30 does not exist that day; it is read as 03:30 daylight time.
  CHECK(format_rfc3339(at_local("America/Los_Angeles", day, hours{2} + minutes{30}), "America/Los_Angeles") ==
        "2026-03-08T03:30:00-07:00");
  // 01:30 on 2026-11-01 happens twice; the first one (daylight) is taken.
  const auto fall = year_month_day{year{2026}, November, std::chrono::day{1}};
  CHECK(format_rfc3339(at_local("America/Los_Angeles", fall, hours{1} + minutes{30}), "America/Los_Angeles") ==
        "2026-11-01T01:30:00-07:00");
}

TEST_CASE("the local day of an instant depends on the zone") {
  auto t = parse_rfc3339("2026-03-10T06:00:00Z", "t");
  CHECK(local_day(t, "America/Los_Angeles") == year_month_day{year{2026}, March, std::chrono::day{9}});
  CHECK(local_day(t, "Europe/Madrid") == year_month_day{year{2026}, March, std::chrono::day{10}});
}

TEST_CASE("times are written in the person's zone and language, across a DST change") {
  using domain::TimeStyle;
  // 2026-03-10 16:00 UTC is 9:00 in Los Angeles, after the spring change (PDT).
  auto t = domain::parse_rfc3339("2026-03-10T16:00:00Z", "t");
  CHECK(domain::format_local(t, "America/Los_Angeles", "en", TimeStyle::long_form) ==
        "Tuesday, March 10, 2026, 9:00 AM PDT");
  CHECK(domain::format_local(t, "America/Los_Angeles", "es", TimeStyle::long_form) ==
        "martes, 10 de marzo de 2026, 9:00 (PDT)");
  CHECK(domain::format_local(t, "America/Los_Angeles", "en", TimeStyle::short_form) == "Tue Mar 10, 9:00 AM");
  CHECK(domain::format_local(t, "America/Los_Angeles", "es-MX", TimeStyle::short_form) == "mar 10 mar, 9:00");
  // A week earlier the same wall clock is an hour further from UTC (PST).
  auto before = domain::parse_rfc3339("2026-03-03T17:00:00Z", "t");
  CHECK(domain::format_local(before, "America/Los_Angeles", "en", TimeStyle::long_form) ==
        "Tuesday, March 3, 2026, 9:00 AM PST");
  CHECK(domain::format_local(domain::parse_rfc3339("2026-03-10T07:05:00Z", "t"), "America/Los_Angeles", "en",
                             TimeStyle::time_only) == "12:05 AM");
  CHECK(domain::format_local(t, "Europe/Madrid", "fr", TimeStyle::time_only) == "5:00 PM");  // English fallback
  CHECK_THROWS_AS(domain::format_local(t, "Mars/Olympus", "en", TimeStyle::long_form), Error);
}
