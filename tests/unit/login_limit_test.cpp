#include <catch2/catch.hpp>

#include "http/auth.hpp"

using turnout::http::LoginLimiter;

TEST_CASE("five failed sign-ins block the account, even with the right password next") {
  LoginLimiter limiter;
  for (int i = 0; i < LoginLimiter::kMaxFailures; ++i) {
    CHECK_FALSE(limiter.blocked("ana@example.org", "10.0.0.1"));
    limiter.failed("ana@example.org", "10.0.0.1");
  }
  auto wait = limiter.blocked("ana@example.org", "10.0.0.2");
  REQUIRE(wait);
  CHECK(*wait > 0);
  CHECK(*wait <= 15 * 60);
  CHECK_FALSE(limiter.blocked("beto@example.org", "10.0.0.2"));
}

TEST_CASE("one address guessing at many accounts is blocked too") {
  LoginLimiter limiter;
  for (int i = 0; i < LoginLimiter::kMaxFailures; ++i) limiter.failed("user" + std::to_string(i), "10.0.0.9");
  CHECK(limiter.blocked("someone-new@example.org", "10.0.0.9"));
  CHECK_FALSE(limiter.blocked("someone-new@example.org", "10.0.0.10"));
}

TEST_CASE("a successful sign-in clears the account's failures") {
  LoginLimiter limiter;
  for (int i = 0; i < LoginLimiter::kMaxFailures - 1; ++i) limiter.failed("ana@example.org", "10.0.0.1");
  limiter.succeeded("ana@example.org");
  limiter.failed("ana@example.org", "10.0.0.3");
  CHECK_FALSE(limiter.blocked("ana@example.org", "10.0.0.4"));
}

TEST_CASE("an address may send a minute's allowance of public sign-ups, then waits") {
  turnout::http::AddressRateLimit limit(3);
  CHECK_FALSE(limit.take("10.0.0.1"));
  CHECK_FALSE(limit.take("10.0.0.1"));
  CHECK_FALSE(limit.take("10.0.0.1"));
  auto wait = limit.take("10.0.0.1");
  REQUIRE(wait);
  CHECK(*wait >= 1);
  CHECK(*wait <= 20);
  CHECK_FALSE(limit.take("10.0.0.2"));  // another address has its own allowance
  turnout::http::AddressRateLimit off(0);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(off.take("10.0.0.1"));
}
