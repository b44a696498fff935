// Paging for list endpoints: ?limit= (1–500, default 100) and ?cursor=
// (opaque: the `next` of the previous page). Lists answer
// {"items": [...], "next": cursor or null}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/error.hpp"
#include "http/api.hpp"

namespace turnout::http {

inline int page_limit(const Call& call) {
  auto v = call.query_value("limit");
  if (!v) return 100;
  try {
    std::size_t used = 0;
    int n = std::stoi(*v, &used);
    if (used == v->size() && n >= 1 && n <= 500) return n;
  } catch (const std::exception&) {
  }
  throw invalid("limit", "limit is a number from 1 to 500");
}

// A cursor of one id; other lists build their own.
inline domain::Id page_after_id(const Call& call) {
  auto v = call.query_value("cursor");
  if (!v || v->empty()) return 0;
  try {
    std::size_t used = 0;
    long long n = std::stoll(*v, &used);
    if (used == v->size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
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
