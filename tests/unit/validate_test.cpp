#include <catch2/catch.hpp>

#include "domain/error.hpp"
#include "domain/validate.hpp"

using namespace turnout;
using namespace turnout::domain;

namespace {
std::string field_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid);
    return e.field();
  }
  FAIL("no error was thrown");
  return {};
}
}  // namespace

TEST_CASE("a local US number is stored in E.164 using the group's country") {
  CHECK(normalize_phone("(213) 555-0123", "US") == "+12135550123");
  CHECK(normalize_phone("213.555.0123", "US") == "+12135550123");
  CHECK(normalize_phone(" +1 213 555 0123 ", "MX") == "+12135550123");
}

TEST_CASE("a Mexican number reads with the group's country MX") {
  CHECK(normalize_phone("55 1234 5678", "MX") == "+525512345678");
}

TEST_CASE("numbers that are not numbers are refused, naming the field") {
  CHECK(field_of([] { normalize_phone("call me maybe", "US"); }) == "phone");
  CHECK(field_of([] { normalize_phone("123", "US"); }) == "phone");
  CHECK(field_of([] { normalize_phone("+1 555 555 0100", "US"); }) == "phone");  // no 555 area code
  CHECK(field_of([] { normalize_phone("+12135550123\r\nX-Injected: 1", "US"); }) == "phone");
  CHECK(field_of([] { normalize_phone("", "US"); }) == "phone");
}

TEST_CASE("email addresses are checked and their domain lower-cased") {
  CHECK(normalize_email("Maria.H@Example.ORG") == "Maria.H@example.org");
  CHECK(normalize_email("  ana+turnout@example.org ") == "ana+turnout@example.org");
  for (const char* bad : {"no-at-sign", "@example.org", "ana@", "ana@localhost", "ana@@example.org", "an a@example.org",
                          "ana@example..org", ".ana@example.org", "ana@example.org\r\nBcc: x@example.org",
                          "Ana <ana@example.org>"}) {
    INFO(bad);
    CHECK(field_of([&] { normalize_email(bad); }) == "email");
  }
}

TEST_CASE("languages are BCP 47 tags") {
  CHECK(normalize_language("ES") == "es");
  CHECK(normalize_language("es_MX") == "es-MX");
  CHECK(normalize_language("zh-Hant") == "zh-Hant");
  for (const char* bad : {"", "e", "spanish-language", "es-", "1s", "es MX"}) {
    INFO(bad);
    CHECK(field_of([&] { normalize_language(bad); }) == "language");
  }
}

TEST_CASE("time zones must be IANA names this machine knows") {
  CHECK(check_timezone("America/Los_Angeles") == "America/Los_Angeles");
  CHECK(check_timezone("America/Mexico_City") == "America/Mexico_City");
  CHECK(field_of([] { check_timezone("Pacific Standard Time"); }) == "timezone");
  CHECK(field_of([] { check_timezone("Mars/Olympus_Mons"); }) == "timezone");
  CHECK(field_of([] { check_timezone("../../etc/passwd"); }) == "timezone");
}

TEST_CASE("tags are lower-cased, deduplicated and sorted") {
  CHECK(normalize_tags({"Speaker", "interpreter:ES", "speaker", " "}) ==
        std::vector<std::string>{"interpreter:es", "speaker"});
  CHECK(field_of([] { normalize_tags({"has space"}); }) == "tags");
}

TEST_CASE("one-line text refuses line breaks and broken UTF-8") {
  CHECK(check_line("  Board Chambers ", "location", 0, 100) == "Board Chambers");
  CHECK(check_line("Junta de Supervisores — sesión", "title", 1, 100) == "Junta de Supervisores — sesión");
  CHECK(field_of([] { check_line("a\nb", "title", 1, 100); }) == "title");
  CHECK(field_of([] { check_line("\xC3\x28", "title", 1, 100); }) == "title");
  CHECK(field_of([] { check_line("", "title", 1, 100); }) == "title");
  CHECK(field_of([] { check_line(std::string(101, 'x'), "title", 1, 100); }) == "title");
}

TEST_CASE("UTF-8 validation refuses overlong forms and surrogates") {
  CHECK(is_valid_utf8("María 🗳️ 中文"));
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // cut short
}

TEST_CASE("links must be http(s) with no spaces") {
  CHECK(check_url("https://example.org/a?b=c", "agenda_url") == "https://example.org/a?b=c");
  CHECK(check_url("", "agenda_url").empty());
  CHECK(field_of([] { check_url("javascript:alert(1)", "agenda_url"); }) == "agenda_url");
  CHECK(field_of([] { check_url("https://exa mple.org", "agenda_url"); }) == "agenda_url");
}
