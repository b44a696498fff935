#include "http/web.hpp"

#include <algorithm>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace turnout::http {

namespace bh = boost::beast::http;

namespace {

boost::beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

void set_common_headers(Response& res) {
  res.set("Content-Security-Policy", bsv(kContentSecurityPolicy));
  res.set("X-Content-Type-Options", "nosniff");
  // The sign-up and private pages carry a token in their path: never send
  // it on to another site. The coordinators' app has no reason to either.
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
}

Response error_page(const Request& req, bh::status status, std::string_view code, std::string_view message) {
  Response res{status, req.version()};
  res.keep_alive(req.keep_alive());
  set_common_headers(res);
  res.set(bh::field::cache_control, "no-store");
  res.set(bh::field::content_type, "application/json");
  res.body() = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  res.prepare_payload();
  if (req.method() == bh::verb::head) res.body().clear();
  return res;
}

Response redirect(const Request& req, std::string_view location) {
  Response res{bh::status::found, req.version()};
  res.keep_alive(req.keep_alive());
  set_common_headers(res);
  res.set(bh::field::location, bsv(location));
  res.set(bh::field::cache_control, "no-cache");
  res.prepare_payload();
  return res;
}

// Does If-None-Match name this ETag (or "*")? Weak comparison, as RFC 9110
// asks for If-None-Match.
bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

Response file(const Request& req, const WebAsset& asset) {
  bool fresh = etag_matches(sv(req[bh::field::if_none_match]), asset.etag);
  Response res{fresh ? bh::status::not_modified : bh::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  set_common_headers(res);
  res.set(bh::field::etag, bsv(asset.etag));
  // Asset URLs are not versioned, so the browser asks again each time and
  // gets a 304 while nothing changed: one round trip, no stale script
  // after an upgrade.
  res.set(bh::field::cache_control, "no-cache");
  if (!fresh) {
    res.set(bh::field::content_type, bsv(asset.content_type));
    res.body() = std::string(asset.bytes);
  }
  res.prepare_payload();
  if (req.method() == bh::verb::head) res.body().clear();
  return res;
}

// One non-empty path segment after `prefix`, with no further '/'.
bool one_segment_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  auto rest = path.substr(prefix.size());
  return !rest.empty() && rest.find('/') == std::string_view::npos;
}

}  // namespace

const WebAsset* find_web_asset(std::string_view path) {
  const auto& assets = web_assets();
  auto it = std::find_if(assets.begin(), assets.end(), [&](const WebAsset& a) { return a.path == path; });
  return it == assets.end() ? nullptr : &*it;
}

std::optional<WebAnswer> serve_web(const Request& req) {
  std::string_view target = sv(req.target());
  std::string_view path = target.substr(0, target.find('?'));

  std::string route;
  const WebAsset* asset = nullptr;
  bool known = true;
  if (path == "/") {
    route = "/";
  } else if (path == "/app") {
    route = "/app";
  } else if (path.starts_with("/app/")) {
    route = "/app/*";
    asset = find_web_asset("/app.html");
  } else if (one_segment_after(path, "/signup/")) {
    route = "/signup/{token}";
    asset = find_web_asset("/signup.html");
  } else if (one_segment_after(path, "/me/")) {
    route = "/me/{token}";
    asset = find_web_asset("/me.html");
  } else if (path.starts_with("/ui/")) {
    route = "/ui/{file}";
    asset = find_web_asset(path.substr(3));
    known = asset != nullptr;
  } else {
    return std::nullopt;
  }

  if (req.method() != bh::verb::get && req.method() != bh::verb::head) {
    auto res = error_page(req, bh::status::method_not_allowed, "method_not_allowed", "this method is not allowed here");
    res.set(bh::field::allow, "GET, HEAD");
    return WebAnswer{route, std::move(res)};
  }
  if (route == "/" || route == "/app") return WebAnswer{route, redirect(req, "/app/")};
  if (!known || !asset) return WebAnswer{route, error_page(req, bh::status::not_found, "not_found", "no such page")};
  return WebAnswer{route, file(req, *asset)};
}

}  // namespace turnout::http
