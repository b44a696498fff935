// A group's own wording for a message (Mustache), checked before it is
// stored: a template that would fail or show a stray "{{nmae}}" at send
// time is refused when the coordinator saves it, with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace turnout::domain {

inline constexpr std::size_t kTemplateMaxCharacters = 2000;

// Throws Error(invalid, field "body") when `text` is empty or longer than
// kTemplateMaxCharacters characters, is not UTF-8, holds a control
// character other than newline or tab, is not valid Mustache, uses a
// partial ({{>x}}) or a change of delimiters ({{=<% %>=}}), or names a
// variable not in `variables` (a dotted name is checked by its first part;
// {{.}} inside a section is always allowed).
void validate_message_template(std::string_view text, const std::vector<std::string>& variables);

// The variable names a template uses, in order of first use.
std::vector<std::string> template_names(std::string_view text);

}  // namespace turnout::domain
