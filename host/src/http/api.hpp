// The REST API under /api/v1 and the daemon's other routes. Handlers are
// thin: read the request, call the store, render JSON. A handler that
// writes returns a Deferred, which runs on the writer inside a batch commit;
// the answer goes out only after that commit is on disk.
#pragma once

#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "domain/error.hpp"
#include "domain/time.hpp"
#include "domain/types.hpp"
#include "http/server.hpp"
#include "store/context.hpp"

namespace turnout::store {
class ReadPool;
class Writer;
}  // namespace turnout::store

namespace turnout::delivery {
class Delivery;
}  // namespace turnout::delivery

namespace turnout::plugins {
class PluginSet;
class RouteTable;
class Digests;
class Calendars;
}  // namespace turnout::plugins

namespace turnout::http {

class Metrics;
class FeedCache;
class FeedOwners;
class LoginLimiter;
class AddressRateLimit;

// Who may call a route.
enum class Access {
  open,         // anyone: health, metrics, the OpenAPI document, public sign-up
  viewer,       // any account of a group (GET)
  coordinator,  // a group's coordinators (writes)
  admin,        // instance admins
  account,      // any signed-in account, with or without a group (session, own tokens)
};

// The account behind a request.
struct Principal {
  domain::Id account_id = 0;
  std::optional<domain::Id> group_id;
  domain::Role role = domain::Role::viewer;
  bool via_session = false;
  domain::Id credential_id = 0;  // the api_token or session row
};

// What a handler answers. A null body with 204 sends nothing.
struct Answer {
  beast_http::status status = beast_http::status::ok;
  nlohmann::json body;
  std::vector<std::pair<std::string, std::string>> headers;
};
// Work for the writer; runs inside the batch's transaction.
using Deferred = std::function<Answer(const store::Context&)>;
using Outcome = std::variant<Answer, Deferred>;

class Api;

// One request, after routing and authentication.
struct Call {
  Api& api;
  const Request& request;
  const Peer& peer;
  std::vector<std::string> params;  // path parameters, in order
  std::map<std::string, std::string, std::less<>> query;
  std::optional<Principal> who;
  store::Database& db;  // this thread's read connection

  // The caller's group; an admin (who has none) is told to use a group account.
  domain::Id group_id() const;
  domain::Group group() const;
  // Path parameter i as an id; anything else is 404, as for an unknown id.
  domain::Id id(std::size_t i) const;
  // The body as a JSON object, or 400.
  nlohmann::json json() const;
  std::optional<std::string> query_value(std::string_view key) const;
  domain::Actor actor() const;
};

using RouteFn = std::function<Outcome(Call&)>;

struct Route {
  boost::beast::http::verb method;
  std::string pattern;  // /api/v1/meetings/{id}/slots
  Access access;
  RouteFn fn;
  std::string summary;
};

class Api {
 public:
  Api(const config::Config& config, store::Writer& writer, store::ReadPool& reads, const domain::Clock& clock);
  ~Api();

  // The server's handler.
  void handle(Request&& request, const Peer& peer, Reply reply);

  const std::vector<Route>& routes() const { return routes_; }
  const config::Config& config() const { return config_; }
  const domain::Clock& clock() const { return clock_; }
  store::Writer& writer() { return writer_; }
  store::ReadPool& reads() { return reads_; }
  Metrics& metrics() { return *metrics_; }
  LoginLimiter& login_limiter() { return *login_limiter_; }
  AddressRateLimit& public_signup_limit() { return *public_signup_limit_; }
  // public_url without a trailing slash.
  std::string public_url() const;

  void add(boost::beast::http::verb method, std::string pattern, Access access, std::string summary, RouteFn fn);

  // Plugins: their routes are served under /plugins/NAME/...; the set
  // answers GET /api/v1/plugins. Both outlive the server's threads.
  void attach_plugins(plugins::PluginSet* set, plugins::RouteTable* routes);
  const plugins::PluginSet* plugin_set() const { return plugin_set_; }
  void attach_digests(plugins::Digests* digests) { digests_ = digests; }
  plugins::Digests* digests() const { return digests_; }
  // The outbox's channels: what they let a group word for itself
  // (/api/v1/message-templates). Outlives the server's threads.
  void attach_delivery(delivery::Delivery* delivery) { delivery_ = delivery; }
  delivery::Delivery* delivery() const { return delivery_; }
  // Calendar feeds: /feeds/... are rendered by the plugin that registered
  // with Host::add_calendar (http/feeds.cpp). Outlives the server's threads.
  void attach_calendars(plugins::Calendars* calendars);

 private:
  struct Match;
  std::optional<Principal> authenticate(const Request& request, store::Database& db);
  // Serves /plugins/NAME/PATH; false when the path is not a plugin's.
  bool handle_plugin_route(const Request& request, const Peer& peer, const Reply& reply,
                           std::chrono::steady_clock::time_point start);
  // Serves GET/HEAD /feeds/...; false when the path is not a feed's.
  bool handle_feed(const Request& request, const Reply& reply, std::chrono::steady_clock::time_point start);
  void finish(const Request& request, std::string_view route, std::chrono::steady_clock::time_point start,
              Response&& response, const Reply& reply);

  const config::Config& config_;
  store::Writer& writer_;
  store::ReadPool& reads_;
  const domain::Clock& clock_;
  std::vector<Route> routes_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<LoginLimiter> login_limiter_;
  std::unique_ptr<AddressRateLimit> public_signup_limit_;
  plugins::PluginSet* plugin_set_ = nullptr;
  plugins::RouteTable* plugin_routes_ = nullptr;
  plugins::Digests* digests_ = nullptr;
  delivery::Delivery* delivery_ = nullptr;
  plugins::Calendars* calendars_ = nullptr;
  std::unique_ptr<FeedCache> feed_cache_;
  std::unique_ptr<FeedOwners> feed_owners_;
};

// Route tables, one per concern (api_*.cpp).
void add_system_routes(Api& api);
void add_account_routes(Api& api);
void add_volunteer_routes(Api& api);
void add_meeting_routes(Api& api);
void add_assignment_routes(Api& api);
void add_public_routes(Api& api);
void add_feed_routes(Api& api);
void add_template_routes(Api& api);

// The status an error code answers with.
beast_http::status status_of(ErrorCode code);
Response render(const Request& request, const Answer& answer);
Response render_error(const Request& request, beast_http::status status, std::string_view code,
                      std::string_view message, std::string_view field = {});

}  // namespace turnout::http
