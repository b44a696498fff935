// The example plugin: a printable list of the group's coming meetings, for
// the table at the door or the group chat.
//
//   GET /plugins/example/upcoming        (any account of the group)
//
// answers plain text, one meeting a line with the places still open, for
// the next `days` days:
//
//   [plugin.example]
//   days = 14
//
// Copy this folder to start your own plugin; docs/plugins.md walks through it.
#include <turnout/plugin.hpp>

#include <algorithm>
#include <charconv>
#include <string>

namespace {

using namespace turnout::plugin;

// Reads `days = N` from the plugin's TOML section. A real plugin with more
// settings would use a TOML library (toml++ is in Debian).
int days_from(const std::string& toml, std::string& error) {
  auto at = toml.find("days");
  if (at == std::string::npos) return 14;
  auto eq = toml.find('=', at);
  auto start = toml.find_first_of("0123456789", eq);
  int days = 0;
  if (eq == std::string::npos || start == std::string::npos ||
      std::from_chars(toml.data() + start, toml.data() + toml.size(), days).ec != std::errc() || days < 1 ||
      days > 365) {
    error = "[plugin.example] days must be a whole number from 1 to 365";
    return 0;
  }
  return days;
}

class Example final : public Plugin {
 public:
  Status start(Host& host, std::string& error) override {
    int days = days_from(host.config(), error);
    if (days == 0) return Status::failed;
    route_ = host.add_route("GET", "/upcoming", RouteAccess::viewer, [&host, days](const HttpRequest& request) {
      HttpResponse response;
      response.content_type = "text/plain; charset=utf-8";
      auto now = host.now();
      for (const auto& m : host.meetings(*request.group_id, now, now + days * 86400)) {
        if (m.status == "cancelled") continue;
        response.body += m.starts_at_local.substr(0, 16) + "  " + m.body_name + ": " + m.title;
        if (!m.location.empty()) response.body += " (" + m.location + ")";
        if (m.status != "confirmed") response.body += " [" + m.status + "]";
        int open = 0;
        for (const auto& slot : host.slots(*request.group_id, m.id)) open += std::max(0, slot.capacity - slot.taken);
        if (open > 0 && m.status != "cancelled") response.body += " - " + std::to_string(open) + " places open";
        response.body += "\n";
      }
      if (response.body.empty()) response.body = "No meetings in the next " + std::to_string(days) + " days.\n";
      return response;
    });
    if (!route_) {
      error = "could not register GET /upcoming";
      return Status::failed;
    }
    host.log(LogLevel::info, "serving /plugins/example/upcoming for the next " + std::to_string(days) + " days");
    return Status::ok;
  }

  void stop() override { route_.reset(); }

 private:
  Handle route_;
};

const char* const kConfigKeys[] = {"days", nullptr};

}  // namespace

TURNOUT_PLUGIN(Example, example, "1.0.0", "A printable list of the group's coming meetings",
               turnout::plugin::capability::http_routes, kConfigKeys)
