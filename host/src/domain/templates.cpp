#include "domain/templates.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <kainjow/mustache.hpp>

#include "domain/error.hpp"
#include "domain/validate.hpp"

namespace turnout::domain {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::size_t characters(std::string_view utf8) {
  return static_cast<std::size_t>(
      std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Each tag's sigil and name, with the default delimiters.
struct Tag {
  char sigil;  // 0 for a plain {{name}}; '#', '^', '/', '&', '{', '!', '>', '='
  std::string_view name;
};

std::vector<Tag> tags(std::string_view text) {
  std::vector<Tag> out;
  std::size_t at = 0;
  while ((at = text.find("{{", at)) != std::string_view::npos) {
    bool triple = text.substr(at, 3) == "{{{";
    std::size_t open = at + (triple ? 3 : 2);
    std::size_t close = text.find(triple ? "}}}" : "}}", open);
    if (close == std::string_view::npos) break;  // kainjow reports the unclosed tag
    std::string_view inside = trim(text.substr(open, close - open));
    char sigil = triple ? '{' : 0;
    if (!triple && !inside.empty() && std::string_view("#^/&!>=").find(inside.front()) != std::string_view::npos) {
      sigil = inside.front();
      inside = trim(inside.substr(1));
    }
    out.push_back({sigil, inside});
    at = close + (triple ? 3 : 2);
  }
  return out;
}

}  // namespace

std::vector<std::string> template_names(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& t : tags(text)) {
    if (t.sigil == '!' || t.sigil == '>' || t.sigil == '=' || t.name.empty() || t.name == ".") continue;
    std::string name(t.name.substr(0, t.name.find('.')));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

void validate_message_template(std::string_view text, const std::vector<std::string>& variables) {
  if (trim(text).empty()) throw invalid("body", "write the message: the template is empty");
  if (!is_valid_utf8(text)) throw invalid("body", "the template is not valid UTF-8 text");
  if (auto n = characters(text); n > kTemplateMaxCharacters)
    throw invalid("body", fmt::format("at most {} characters; this has {}", kTemplateMaxCharacters, n));
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
      throw invalid("body", "only letters, punctuation, spaces, tabs and new lines");
  for (const auto& t : tags(text)) {
    if (t.sigil == '>') throw invalid("body", "partials ({{>name}}) are not supported in a message template");
    if (t.sigil == '=') throw invalid("body", "changing the delimiters ({{=<% %>=}}) is not supported");
  }
  kainjow::mustache::mustache parsed{std::string(text)};
  if (!parsed.is_valid()) throw invalid("body", "not valid Mustache: " + parsed.error_message());
  for (const auto& name : template_names(text))
    if (std::find(variables.begin(), variables.end(), name) == variables.end()) {
      std::string known;
      for (const auto& v : variables) known += (known.empty() ? "" : ", ") + v;
      throw invalid("body", fmt::format("{{{{{}}}}} is not a name this message knows; it knows: {}", name, known));
    }
}

}  // namespace turnout::domain
