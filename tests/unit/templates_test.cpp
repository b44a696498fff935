// A group's own message wording is checked when it is saved.
#include <catch2/catch.hpp>

#include "domain/error.hpp"
#include "domain/templates.hpp"

using namespace turnout;
using turnout::domain::validate_message_template;

namespace {

const std::vector<std::string> kNames = {"name", "when", "item", "replies", "deadlines", "label"};

std::string refusal(const std::string& text) {
  try {
    validate_message_template(text, kNames);
  } catch (const Error& e) {
    CHECK(e.field() == "body");
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("a template that uses only its message's names, in valid Mustache, is taken") {
  CHECK(refusal("Hola {{name}}, {{when}}.{{#item}} Tema: {{item}}.{{/item}} {{replies}}") == "");
  CHECK(refusal("{{! a note }}{{{name}}} {{& when}} {{^item}}sin tema{{/item}}") == "");
  CHECK(refusal("{{#deadlines}}{{label}}: {{when}} {{.}}\n{{/deadlines}}") == "");
  CHECK(refusal("{{ name }} with spaces, and a tab\tand\nnew lines") == "");
  CHECK(refusal(std::string(2000, 'x')) == "");
  std::string accents;
  for (int i = 0; i < 2000; ++i) accents += "é";  // 2,000 characters, 4,000 bytes
  CHECK(refusal(accents) == "");
}

TEST_CASE("a template is refused, with the reason, when it would go wrong at send time") {
  CHECK(refusal("Hola {{nmae}}").find("{{nmae}} is not a name this message knows") != std::string::npos);
  CHECK(refusal("Hola {{nmae}}").find("name, when, item") != std::string::npos);
  CHECK(refusal("{{#item}} never closed").find("not valid Mustache") != std::string::npos);
  CHECK(refusal("{{#item}}x{{/name}}").find("not valid Mustache") != std::string::npos);
  CHECK(refusal("{{> footer}}").find("partials") != std::string::npos);
  CHECK(refusal("{{=<% %>=}}<% name %>").find("delimiters") != std::string::npos);
  CHECK(refusal("{{name.first}} {{unknown.x}}").find("{{unknown}}") != std::string::npos);
  CHECK(refusal("").find("empty") != std::string::npos);
  CHECK(refusal(" \n\t").find("empty") != std::string::npos);
  CHECK(refusal(std::string(2001, 'x')).find("at most 2000 characters; this has 2001") != std::string::npos);
  CHECK(refusal("bell\a").find("only letters") != std::string::npos);
  CHECK(refusal("carriage\r\nreturn").find("only letters") != std::string::npos);
  CHECK(refusal(std::string("nul\0x", 5)).find("only letters") != std::string::npos);
  CHECK(refusal("\xC3(").find("UTF-8") != std::string::npos);
}

TEST_CASE("the names a template uses, in order, once each") {
  CHECK(domain::template_names("{{a}} {{#b}}{{c.d}}{{/b}} {{{a}}} {{!x}} {{.}}") ==
        std::vector<std::string>{"a", "b", "c"});
}
