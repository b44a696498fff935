// The web UI: static files from host/web, compiled into the daemon
// (cmake/EmbedWeb.cmake), and the pages that serve them:
//   /                 redirects to /app/
//   /app/...          the coordinators' app (one page; it routes by #hash)
//   /signup/{token}   a meeting's public sign-up page
//   /me/{token}       a volunteer's private page
//   /ui/{file}        scripts, styles, message catalogs
// Every answer carries the Content-Security-Policy below: no inline script
// or style, nothing from another origin.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.hpp"

namespace turnout::http {

struct WebAsset {
  std::string_view path;  // "/app.html", "/js/app.js"
  std::string_view content_type;
  std::string_view bytes;
  std::string_view etag;  // strong: "\"<128 bits of SHA-256, hex>\""
};

// Generated from host/web at build time.
const std::vector<WebAsset>& web_assets();
const WebAsset* find_web_asset(std::string_view path);

inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct WebAnswer {
  std::string route;  // the pattern, for the access log and metrics: never a token
  Response response;
};

// The answer for a UI path, or nullopt when the path is not the UI's (the
// API router takes it from there).
std::optional<WebAnswer> serve_web(const Request& request);

}  // namespace turnout::http
