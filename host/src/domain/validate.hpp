// Checks and normal forms for what people type. Each function returns the
// normal form or throws turnout::Error(invalid) naming the field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace turnout::domain {

// A phone number in E.164 (+15035550123). Local numbers are read as numbers
// of `default_region` (ISO 3166, e.g. "US", "MX"): the group's country.
std::string normalize_phone(std::string_view text, std::string_view default_region,
                            std::string_view field = "phone");
// An email address: one @, a dotted domain, no spaces or control characters.
// The domain part is lower-cased.
std::string normalize_email(std::string_view text, std::string_view field = "email");
// A BCP 47 language tag (en, es, es-MX, zh-Hant); primary subtag lower-cased.
std::string normalize_language(std::string_view text, std::string_view field = "language");
// A language Turnout's pages, messages and calendars are written in: en or
// es (the primary subtag alone, as normalize_language writes it).
std::string check_supported_language(std::string_view text, std::string_view field = "language");
// An IANA time zone name known to this machine's tz database.
std::string check_timezone(std::string_view text, std::string_view field = "timezone");
// A tag such as speaker or interpreter:es: [a-z0-9_:-], at most 40.
std::string normalize_tag(std::string_view text, std::string_view field = "tags");
std::vector<std::string> normalize_tags(const std::vector<std::string>& tags, std::string_view field = "tags");
// A group's URL name: [a-z0-9-], 1–63, starting with a letter or digit.
std::string check_slug(std::string_view text, std::string_view field = "slug");
// A two-letter region code, upper-cased.
std::string check_country(std::string_view text, std::string_view field = "country");
// Free text on one line (names, titles, locations): trimmed, valid UTF-8,
// no control characters, between min and max bytes.
std::string check_line(std::string_view text, std::string_view field, std::size_t min, std::size_t max);
// Free text that may hold line breaks (notes).
std::string check_text(std::string_view text, std::string_view field, std::size_t max);
// An http(s) URL or empty.
std::string check_url(std::string_view text, std::string_view field);

bool is_valid_utf8(std::string_view text);

}  // namespace turnout::domain
