#include "domain/validate.hpp"

#include <date/tz.h>
#include <fmt/format.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>

#include "domain/error.hpp"

namespace turnout::domain {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_ascii_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

bool has_control(std::string_view s, bool allow_newlines) {
  return std::any_of(s.begin(), s.end(), [&](char ch) {
    auto c = static_cast<unsigned char>(ch);
    if (allow_newlines && (c == '\n' || c == '\t')) return false;
    return c < 0x20 || c == 0x7f;
  });
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}

std::string normalize_phone(std::string_view text, std::string_view default_region, std::string_view field) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  std::string_view t = trim(text);
  if (t.empty()) throw invalid(std::string(field), "a phone number is required here");
  if (t.size() > 40 || has_control(t, false) || !is_valid_utf8(t))
    throw invalid(std::string(field), "this is not a phone number");
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  std::string region(default_region.empty() ? "US" : default_region);
  if (util.Parse(std::string(t), region, &number) != PhoneNumberUtil::NO_PARSING_ERROR)
    throw invalid(std::string(field), "this is not a phone number");
  if (!util.IsValidNumber(number))
    throw invalid(std::string(field),
                  fmt::format("this is not a valid phone number (numbers without + are read as {} numbers)", region));
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

std::string normalize_email(std::string_view text, std::string_view field) {
  std::string_view t = trim(text);
  auto bad = [&](const char* why) { return invalid(std::string(field), why); };
  if (t.empty()) throw bad("an email address is required here");
  if (t.size() > 254) throw bad("this email address is too long");
  if (!is_valid_utf8(t) || has_control(t, false)) throw bad("this is not an email address");
  auto at = t.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= t.size()) throw bad("an email address looks like name@example.org");
  std::string_view local = t.substr(0, at);
  std::string_view domain = t.substr(at + 1);
  if (local.size() > 64) throw bad("the part before @ is too long");
  for (char c : t)
    if (c == ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == '"' || c == '\\')
      throw bad("an email address cannot hold spaces or <>(),;\"\\");
  if (local.find('@') != std::string_view::npos) throw bad("an email address holds one @");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
    throw bad("the part before @ cannot start or end with a dot or hold two in a row");
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos)
    throw bad("the domain after @ must look like example.org");
  for (char c : domain)
    if (!(is_ascii_alnum(c) || c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80))
      throw bad("the domain after @ holds a character a domain cannot hold");
  std::string out(local);
  out += '@';
  for (char c : domain) out += lower(c);
  return out;
}

std::string normalize_language(std::string_view text, std::string_view field) {
  std::string_view t = trim(text);
  auto bad = [&] { return invalid(std::string(field), "a language is a BCP 47 tag such as en, es or es-MX"); };
  if (t.empty() || t.size() > 35) throw bad();
  std::string out;
  std::size_t part = 0, len = 0;
  for (char c : t) {
    if (c == '-' || c == '_') {
      if (len == 0) throw bad();
      out += '-';
      ++part;
      len = 0;
      continue;
    }
    if (!is_ascii_alnum(c)) throw bad();
    if (part == 0 && !std::isalpha(static_cast<unsigned char>(c))) throw bad();
    ++len;
    if ((part == 0 && len > 3) || len > 8) throw bad();
    // Primary language lower-case, a region upper-case, a script title-case.
    out += part == 0 ? lower(c) : c;
  }
  if (len == 0 || (part == 0 && len < 2)) throw bad();
  return out;
}

std::string check_supported_language(std::string_view text, std::string_view field) {
  std::string tag = normalize_language(text, field);
  if (tag != "en" && tag != "es") throw invalid(std::string(field), "Turnout speaks en (English) and es (Spanish)");
  return tag;
}

std::string check_timezone(std::string_view text, std::string_view field) {
  std::string t(trim(text));
  auto bad = [&] {
    return invalid(std::string(field), "not a known IANA time zone (for example America/Los_Angeles)");
  };
  if (t.empty() || t.size() > 64 || has_control(t, false)) throw bad();
  try {
    return std::string(date::locate_zone(t)->name());
  } catch (const std::exception&) {
    throw bad();
  }
}

std::string normalize_tag(std::string_view text, std::string_view field) {
  std::string_view t = trim(text);
  std::string out;
  for (char c : t) {
    char l = lower(c);
    if (!(is_ascii_alnum(l) || l == '_' || l == ':' || l == '-'))
      throw invalid(std::string(field), "a tag holds only letters, digits, _ : and - (e.g. interpreter:es)");
    out += l;
  }
  if (out.empty() || out.size() > 40) throw invalid(std::string(field), "a tag is 1 to 40 characters long");
  return out;
}

std::vector<std::string> normalize_tags(const std::vector<std::string>& tags, std::string_view field) {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (trim(t).empty()) continue;
    out.push_back(normalize_tag(t, field));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > 50) throw invalid(std::string(field), "at most 50 tags");
  return out;
}

std::string check_slug(std::string_view text, std::string_view field) {
  std::string_view t = trim(text);
  bool ok = !t.empty() && t.size() <= 63 && is_ascii_alnum(t.front()) &&
            std::all_of(t.begin(), t.end(), [](char c) { return (is_ascii_alnum(c) && !std::isupper(c)) || c == '-'; });
  if (!ok)
    throw invalid(std::string(field), "a slug is 1 to 63 lower-case letters, digits and dashes, e.g. valle-coalition");
  return std::string(t);
}

std::string check_country(std::string_view text, std::string_view field) {
  std::string_view t = trim(text);
  if (t.size() != 2 || !std::isalpha(static_cast<unsigned char>(t[0])) || !std::isalpha(static_cast<unsigned char>(t[1])))
    throw invalid(std::string(field), "a country is a two-letter code such as US or MX");
  return {upper(t[0]), upper(t[1])};
}

std::string check_line(std::string_view text, std::string_view field, std::size_t min, std::size_t max) {
  std::string_view t = trim(text);
  if (!is_valid_utf8(t)) throw invalid(std::string(field), "this text is not valid UTF-8");
  if (has_control(t, false)) throw invalid(std::string(field), "this text cannot hold line breaks or control characters");
  if (t.size() < min) throw invalid(std::string(field), min == 1 ? "this is required" : "this is too short");
  if (t.size() > max) throw invalid(std::string(field), fmt::format("this is longer than {} bytes", max));
  return std::string(t);
}

std::string check_text(std::string_view text, std::string_view field, std::size_t max) {
  if (!is_valid_utf8(text)) throw invalid(std::string(field), "this text is not valid UTF-8");
  std::string out;
  for (char c : text)
    if (c != '\r') out += c;  // keep line breaks as \n only
  if (has_control(out, true)) throw invalid(std::string(field), "this text cannot hold control characters");
  if (out.size() > max) throw invalid(std::string(field), fmt::format("this is longer than {} bytes", max));
  return out;
}

std::string check_url(std::string_view text, std::string_view field) {
  std::string_view t = trim(text);
  if (t.empty()) return {};
  bool scheme = t.starts_with("https://") || t.starts_with("http://");
  bool clean = std::none_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
  if (!scheme || !clean || t.size() > 2000 || !is_valid_utf8(t))
    throw invalid(std::string(field), "a link starts with https:// and holds no spaces");
  return std::string(t);
}

}  // namespace turnout::domain
