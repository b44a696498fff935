// The email plugin's signed links and its weekly schedule.
#include <catch2/catch.hpp>

#include "domain/time.hpp"
#include "schedule.hpp"
#include "unsubscribe.hpp"

using namespace turnout;
using namespace turnout::email;

namespace {
std::int64_t at(const char* rfc3339) { return domain::parse_rfc3339(rfc3339, "t").time_since_epoch().count(); }
}  // namespace

TEST_CASE("a signed link names its person, and nothing forged, altered or signed for another use passes") {
  LinkSigner signer(LinkSigner::new_key());
  auto token = signer.sign("unsubscribe", {3, 42});
  auto s = signer.verify("unsubscribe", token);
  REQUIRE(s);
  CHECK(s->group_id == 3);
  CHECK(s->volunteer_id == 42);
  CHECK_FALSE(signer.verify("calendar", token));
  CHECK_FALSE(LinkSigner(LinkSigner::new_key()).verify("unsubscribe", token));
  // Another volunteer's id with this signature.
  auto other = signer.sign("unsubscribe", {3, 43});
  auto forged = other.substr(0, other.find('.')) + token.substr(token.find('.'));
  CHECK_FALSE(signer.verify("unsubscribe", forged));
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(signer.verify("unsubscribe", flipped));
  for (const char* junk : {"", ".", "abc", "abc.def", "MS40Mg.", "%00.%00"}) CHECK_FALSE(signer.verify("unsubscribe", junk));
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos);
}

TEST_CASE("the weekly digest is due at the group's weekday and time on its own clock, DST included") {
  auto monday9 = *parse_schedule("monday", "09:00");
  // Wednesday 2026-03-04, Los Angeles (PST): this week's Monday 09:00 PST.
  CHECK(due_this_week(at("2026-03-04T12:00:00-08:00"), "America/Los_Angeles", monday9) == at("2026-03-02T09:00:00-08:00"));
  // After the spring change the same wall clock is an hour earlier in UTC.
  CHECK(due_this_week(at("2026-03-10T12:00:00-07:00"), "America/Los_Angeles", monday9) == at("2026-03-09T09:00:00-07:00"));
  // Sunday 02:30 does not exist on 2026-03-08 in Los Angeles: the moment after the gap.
  auto sunday230 = *parse_schedule("domingo", "02:30");
  CHECK(due_this_week(at("2026-03-08T12:00:00-07:00"), "America/Los_Angeles", sunday230) == at("2026-03-08T03:00:00-07:00"));
  CHECK(period_of(at("2026-03-02T09:00:00-08:00"), "America/Los_Angeles") == "2026-W10");
  // Sunday night in Los Angeles is already Monday in UTC: the group's clock decides.
  CHECK(period_of(at("2026-03-08T23:30:00-07:00"), "America/Los_Angeles") == "2026-W10");
  CHECK(period_of(at("2026-12-31T12:00:00Z"), "UTC") == "2026-W53");
  for (auto [day, time] : {std::pair{"mon", "09:00"}, {"monday", "9:00"}, {"monday", "24:00"}, {"monday", "09:60"},
                           {"monday", "09:00x"}, {"", ""}})
    CHECK_FALSE(parse_schedule(day, time));
}
