// Paging for list endpoints: ?limit= (1–500, default 100) and ?cursor=
// (opaque: the `next` of the previous page). Lists answer
// {"items": [...], "next": cursor or null}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/error.hpp"
#include "http/api.hpp"

namespace turnout::http {

// A whole number made of digits only, or nullopt ("1abc", "-2", "" are not).
inline std::optional<std::int64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

inline int page_limit(const Call& call) {
  auto v = call.query_value("limit");
  if (!v) return 100;
  if (auto n = parse_count(*v); n && *n >= 1 && *n <= 500) return static_cast<int>(*n);
  throw invalid("limit", "limit is a number from 1 to 500");
}

// An id from the query (?body_id=): positive digits, or invalid(field).
inline std::optional<domain::Id> query_id(const Call& call, std::string_view field) {
  auto v = call.query_value(field);
  if (!v) return std::nullopt;
  auto n = parse_count(*v);
  if (!n || *n <= 0) throw invalid(std::string(field), std::string(field) + " is an id");
  return *n;
}

// A cursor of one id; other lists build their own.
inline domain::Id page_after_id(const Call& call) {
  auto v = call.query_value("cursor");
  if (!v || v->empty()) return 0;
  if (auto n = parse_count(*v)) return *n;
  throw invalid("cursor", "this cursor was not given by this list");
}

template <typename T, typename ToJson, typename CursorOf>
nlohmann::json page_of(const std::vector<T>& rows, int limit, ToJson&& to_json_fn, CursorOf&& cursor_of) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& row : rows) items.push_back(to_json_fn(row));
  nlohmann::json next = nullptr;
  if (static_cast<int>(rows.size()) == limit && !rows.empty()) next = cursor_of(rows.back());
  return {{"items", std::move(items)}, {"next", std::move(next)}};
}

inline Answer created(nlohmann::json body) { return {beast_http::status::created, std::move(body), {}}; }
inline Answer ok(nlohmann::json body) { return {beast_http::status::ok, std::move(body), {}}; }
inline Answer no_content() { return {beast_http::status::no_content, nullptr, {}}; }

}  // namespace turnout::http
