// Time in Turnout: instants are UTC seconds; people read them in an IANA
// zone. Conversions go through Howard Hinnant's date/tz, so DST is right.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "domain/types.hpp"

namespace turnout::domain {

// RFC 3339 with the zone's offset at that instant: 2026-03-08T10:00:00-07:00.
std::string format_rfc3339(Time t, std::string_view timezone);
// RFC 3339 in UTC: 2026-03-08T17:00:00Z.
std::string format_rfc3339_utc(Time t);
// Reads an RFC 3339 date-time with Z or an offset; fractions are dropped.
// Throws invalid(field) when the text is anything else.
Time parse_rfc3339(std::string_view text, std::string_view field);

// The instant a wall-clock time happens in a zone. A time that does not
// exist (skipped by a DST jump) moves forward by the jump; a time that
// happens twice takes the first.
Time at_local(std::string_view timezone, std::chrono::year_month_day day, std::chrono::minutes time_of_day);
// The instant that reads `offset` earlier on the wall clocks of `timezone`:
// "a week before 09:00 on March 10" is 09:00 on March 3, whatever DST did in
// between. An empty zone means plain elapsed time.
Time wall_clock_before(Time t, std::string_view timezone, std::chrono::minutes offset);
// The calendar day of an instant in a zone.
std::chrono::year_month_day local_day(Time t, std::string_view timezone);

// The clock the host reads; tests and benchmarks move it.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time now() const = 0;
};
class SystemClock final : public Clock {
 public:
  Time now() const override;
};
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time t) : now_(t) {}
  Time now() const override { return now_; }
  void set(Time t) { now_ = t; }
  void advance(std::chrono::seconds d) { now_ += d; }
 private:
  Time now_;
};

}  // namespace turnout::domain
