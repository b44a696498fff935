// JSON in and out of the API. Reading is strict: a field the endpoint does
// not know, or a value of the wrong type, is refused naming the field.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/drafts.hpp"
#include "domain/types.hpp"

namespace turnout::http {

class JsonReader {
 public:
  // Throws malformed unless `body` is an object; invalid for unknown fields.
  JsonReader(const nlohmann::json& body, std::initializer_list<std::string_view> known);
  // It keeps a reference: name the body first, so it outlives the reader.
  JsonReader(nlohmann::json&& body, std::initializer_list<std::string_view> known) = delete;

  std::optional<std::string> string(std::string_view field) const;
  std::optional<bool> boolean(std::string_view field) const;
  std::optional<int> integer(std::string_view field) const;
  std::optional<domain::Id> id(std::string_view field) const;
  // Present and null: the outer optional holds an empty inner one.
  std::optional<std::optional<int>> nullable_integer(std::string_view field) const;
  std::optional<std::vector<std::string>> strings(std::string_view field) const;
  std::optional<std::vector<int>> integers(std::string_view field) const;
  bool has(std::string_view field) const;

 private:
  const nlohmann::json* find(std::string_view field) const;
  const nlohmann::json& body_;
};

std::string rfc3339(domain::Time t, const std::string& timezone);
// A calendar feed at `path` (/feeds/...): {url} for apps that take a link,
// {webcal_url} for one-tap subscribe.
nlohmann::json calendar_links(const std::string& public_url, std::string_view path);
// A volunteer's calendar feed.
nlohmann::json feed_links(const std::string& public_url, const std::string& token);
nlohmann::json to_json(const domain::Group& g);
nlohmann::json to_json(const domain::Account& a);
nlohmann::json to_json(const domain::Volunteer& v);
// With `feed` ({url, webcal_url}) while the body's calendar is public, else null.
nlohmann::json to_json(const domain::Body& b, const std::string& public_url);
nlohmann::json to_json(const domain::Meeting& m, const std::string& public_url);
nlohmann::json to_json(const domain::AgendaItem& item);
nlohmann::json to_json(const domain::Slot& s);
nlohmann::json to_json(const domain::Assignment& a);

domain::VolunteerDraft volunteer_draft(const nlohmann::json& body);
domain::BodyDraft body_draft(const nlohmann::json& body);
domain::MeetingDraft meeting_draft(const nlohmann::json& body, bool create);
domain::AgendaItemDraft agenda_item_draft(const nlohmann::json& body);
domain::SlotDraft slot_draft(const nlohmann::json& body);

}  // namespace turnout::http
