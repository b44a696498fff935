#include "http/api.hpp"

#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/auth.hpp"
#include "http/feeds.hpp"
#include "http/metrics.hpp"
#include "http/web.hpp"
#include "plugins/loader.hpp"
#include "plugins/routes.hpp"
#include "security/secrets.hpp"
#include "store/credentials.hpp"
#include "store/database.hpp"
#include "store/groups.hpp"
#include "store/read_pool.hpp"
#include "store/writer.hpp"

namespace turnout::http {

namespace bh = boost::beast::http;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// A last_used_at older than this is refreshed; more often would turn every
// read into a write.
constexpr std::chrono::seconds kTokenUseGranularity{60};

// RFC 3986 decoding: %XX only. A '+' stays a '+' (this API takes no HTML
// form queries), so ?from=2026-03-10T09:00:00+01:00 means what it says.
std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "a=1&b=x%20y" as decoded pairs, in order.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!qs.empty()) {
    auto amp = qs.find('&');
    auto pair = qs.substr(0, amp);
    auto eq = pair.find('=');
    out.emplace_back(percent_decode(pair.substr(0, eq)),
                     eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    qs.remove_prefix(amp + 1);
  }
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool is_unsafe(bh::verb v) { return v != bh::verb::get && v != bh::verb::head && v != bh::verb::options; }

}  // namespace

beast_http::status status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid: return bh::status::unprocessable_entity;
    case ErrorCode::malformed: return bh::status::bad_request;
    case ErrorCode::not_found: return bh::status::not_found;
    case ErrorCode::full:
    case ErrorCode::conflict:
    case ErrorCode::closed: return bh::status::conflict;
    case ErrorCode::forbidden: return bh::status::forbidden;
    case ErrorCode::unauthorized: return bh::status::unauthorized;
    case ErrorCode::rate_limited: return bh::status::too_many_requests;
    case ErrorCode::too_large: return bh::status::payload_too_large;
  }
  return bh::status::internal_server_error;
}

Response render(const Request& request, const Answer& answer) {
  Response res{answer.status, request.version()};
  res.keep_alive(request.keep_alive());
  res.set(bh::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  bool raw = false;
  for (const auto& [name, value] : answer.headers) {
    res.set(name, value);
    if (name == "Content-Type") raw = true;
  }
  if (answer.status != bh::status::no_content && !answer.body.is_null()) {
    if (raw) {
      res.body() = answer.body.get<std::string>();
    } else {
      res.set(bh::field::content_type, "application/json");
      // Replace, not throw, on invalid UTF-8 that slipped into stored text.
      res.body() = answer.body.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  res.prepare_payload();
  if (request.method() == bh::verb::head) res.body().clear();
  return res;
}

Response render_error(const Request& request, beast_http::status status, std::string_view code,
                      std::string_view message, std::string_view field) {
  json error{{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  Answer a{status, json{{"error", error}}, {}};
  if (status == bh::status::unauthorized) a.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"turnout\"");
  return render(request, a);
}

domain::Id Call::group_id() const {
  if (!who || !who->group_id)
    throw Error(ErrorCode::forbidden, "this needs a group's account; admins manage groups and accounts only");
  return *who->group_id;
}

domain::Group Call::group() const { return store::get_group(db, group_id()); }

domain::Id Call::id(std::size_t i) const {
  const std::string& p = params.at(i);
  domain::Id value = 0;
  if (p.empty() || p.size() > 18 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw Error(ErrorCode::not_found, "no such thing here");
  value = std::stoll(p);
  if (value <= 0) throw Error(ErrorCode::not_found, "no such thing here");
  return value;
}

json Call::json() const {
  auto content_type = sv(request[bh::field::content_type]);
  if (!content_type.empty() && !content_type.starts_with("application/json"))
    throw Error(ErrorCode::malformed, "send JSON with Content-Type: application/json");
  try {
    auto body = json::parse(request.body());
    if (!body.is_object()) throw Error(ErrorCode::malformed, "the request body must be a JSON object");
    return body;
  } catch (const json::parse_error&) {
    throw Error(ErrorCode::malformed, "the request body is not valid JSON");
  }
}

std::optional<std::string> Call::query_value(std::string_view key) const {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

domain::Actor Call::actor() const {
  return who ? domain::Actor::account(who->account_id) : domain::Actor::system("public");
}

Api::Api(const config::Config& config, store::Writer& writer, store::ReadPool& reads, const domain::Clock& clock)
    : config_(config),
      writer_(writer),
      reads_(reads),
      clock_(clock),
      metrics_(std::make_unique<Metrics>()),
      login_limiter_(std::make_unique<LoginLimiter>()),
      public_signup_limit_(std::make_unique<AddressRateLimit>(config.server.public_signups_per_minute)),
      feed_cache_(std::make_unique<FeedCache>()),
      feed_owners_(std::make_unique<FeedOwners>()) {
  add_system_routes(*this);
  add_account_routes(*this);
  add_volunteer_routes(*this);
  add_meeting_routes(*this);
  add_assignment_routes(*this);
  add_public_routes(*this);
  add_feed_routes(*this);
  add_template_routes(*this);
}

Api::~Api() = default;

std::string Api::public_url() const {
  std::string url = config_.server.public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void Api::attach_plugins(plugins::PluginSet* set, plugins::RouteTable* routes) {
  plugin_set_ = set;
  plugin_routes_ = routes;
}

bool Api::handle_plugin_route(const Request& request, const Peer& peer, const Reply& reply, Clock::time_point start) {
  std::string_view target = sv(request.target());
  if (!plugin_routes_ || !target.starts_with("/plugins/")) return false;
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::string_view rest = path.substr(std::string_view("/plugins/").size());
  auto slash = rest.find('/');
  std::string name(rest.substr(0, slash));
  std::string sub = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::string route_name = "/plugins/" + name;  // the log and metrics never see the rest of the path
  auto fail = [&](bh::status status, std::string_view code, std::string_view message) {
    finish(request, route_name, start, render_error(request, status, code, message), reply);
    return true;
  };
  std::string method(request.method_string());
  if (request.method() == bh::verb::head) method = "GET";
  auto route = plugin_routes_->find(name, method, sub);
  if (!route) {
    if (auto methods = plugin_routes_->methods_for(name, sub); !methods.empty()) {
      Answer a{bh::status::method_not_allowed,
               json{{"error", {{"code", "method_not_allowed"}, {"message", "this method is not allowed here"}}}},
               {{"Allow", fmt::format("{}", fmt::join(methods, ", "))}}};
      finish(request, route_name, start, render(request, a), reply);
      return true;
    }
    if (plugin_set_ && plugin_set_->state(name) == "disabled")
      return fail(bh::status::service_unavailable, "plugin_disabled",
                  "this plugin was switched off after failing again and again; see GET /api/v1/plugins");
    return fail(bh::status::not_found, "not_found", "no such page");
  }
  plugin::HttpRequest preq;
  try {
    // The host's policy comes first: a route is closed unless it opted out.
    if (route->access != plugin::RouteAccess::open) {
      auto who = authenticate(request, reads_.local());
      if (!who) return fail(bh::status::unauthorized, "unauthorized", "sign in, or send Authorization: Bearer TOKEN");
      if (!who->group_id) return fail(bh::status::forbidden, "forbidden", "this needs a group's account");
      if (route->access == plugin::RouteAccess::coordinator && who->role != domain::Role::coordinator)
        return fail(bh::status::forbidden, "forbidden", "your role may not do this");
      preq.group_id = who->group_id;
    }
  } catch (const Error& e) {
    return fail(status_of(e.code()), to_string(e.code()), e.what());
  }
  preq.method = method;
  preq.path = sub;
  if (qpos != std::string_view::npos) preq.query = parse_query(target.substr(qpos + 1));
  for (const auto& field : request) {
    if (field.name() == bh::field::cookie || field.name() == bh::field::authorization) continue;
    preq.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  preq.body = request.body();
  preq.remote_address = peer.address;
  plugin::HttpResponse pres;
  auto broken = [&](const std::string& what) {
    spdlog::error("plugin {}: {}", name, what);
    if (plugin_set_) plugin_set_->route_failed(name, what);
    return fail(bh::status::internal_server_error, "internal", "the plugin failed to answer");
  };
  try {
    pres = route->handler(preq);
  } catch (const std::exception& e) {
    return broken(fmt::format("a route handler threw: {}", e.what()));
  } catch (...) {
    return broken("a route handler threw");
  }
  if (pres.status < 100 || pres.status > 599) return broken(fmt::format("answered with status {}", pres.status));
  if (plugin_set_) plugin_set_->route_succeeded(name);
  Response res{static_cast<bh::status>(pres.status), request.version()};
  res.keep_alive(request.keep_alive());
  auto clean = [](const std::string& v) { return v.find_first_of("\r\n") == std::string::npos; };
  for (const auto& [k, v] : pres.headers) {
    if (clean(k) && clean(v) && !k.empty()) res.set(k, v);
    else spdlog::warn("plugin {}: a response header with a line break was dropped", name);
  }
  if (clean(pres.content_type)) res.set(bh::field::content_type, pres.content_type);
  res.set("X-Content-Type-Options", "nosniff");
  // A group's data must not sit in shared caches unless the plugin says so.
  if (preq.group_id && res[bh::field::cache_control].empty()) res.set(bh::field::cache_control, "no-store");
  res.body() = std::move(pres.body);
  res.prepare_payload();
  if (request.method() == bh::verb::head) res.body().clear();
  finish(request, route_name, start, std::move(res), reply);
  return true;
}

void Api::add(bh::verb method, std::string pattern, Access access, std::string summary, RouteFn fn) {
  routes_.push_back({method, std::move(pattern), access, std::move(fn), std::move(summary)});
}

std::optional<Principal> Api::authenticate(const Request& request, store::Database& db) {
  auto authorization = sv(request[bh::field::authorization]);
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!authorization.starts_with(kBearer)) return std::nullopt;
    auto token = std::string(authorization.substr(kBearer.size()));
    auto found = store::find_api_token(db, token);
    if (!found) return std::nullopt;
    if (!found->last_used_at || clock_.now() - *found->last_used_at > kTokenUseGranularity) {
      auto id = found->id;
      auto actor = domain::Actor::account(found->account.id);
      writer_.submit(
          [this, id, actor](store::Database& wdb) { store::mark_api_token_used({wdb, clock_, actor}, id); },
          [](std::exception_ptr) {});
    }
    return Principal{found->account.id, found->account.group_id, found->account.role, false, found->id};
  }
  if (auto token = session_cookie(request)) {
    auto found = store::find_session(db, *token, clock_.now());
    if (!found) return std::nullopt;
    if (is_unsafe(request.method())) {
      // The cookie rides along with any request a browser makes; the CSRF
      // token only with ours.
      auto header = sv(request["X-CSRF-Token"]);
      if (!security::equal_constant_time(header, found->csrf_token))
        throw Error(ErrorCode::forbidden, "missing or wrong X-CSRF-Token header; sign in again if this persists");
    }
    return Principal{found->account.id, found->account.group_id, found->account.role, true, found->id};
  }
  return std::nullopt;
}

void Api::finish(const Request& request, std::string_view route, Clock::time_point start, Response&& response,
                 const Reply& reply) {
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  int status = static_cast<int>(response.result_int());
  std::string_view method = sv(request.method_string());
  metrics_->request(method, route, status, seconds);
  // The route pattern, never the path (ids), the query, a token or a body.
  spdlog::info("{} {} {} {:.1f}ms", method, route, status, seconds * 1000);
  reply(std::move(response));
}

void Api::handle(Request&& request_in, const Peer& peer, Reply reply) {
  auto start = Clock::now();
  auto request = std::make_shared<Request>(std::move(request_in));
  std::string_view target = sv(request->target());
  auto qpos = target.find('?');
  std::string_view path = target.substr(0, qpos);
  std::string route_name = "(unmatched)";
  auto fail = [&](bh::status status, std::string_view code, std::string_view message, std::string_view field = {}) {
    finish(*request, route_name, start, render_error(*request, status, code, message, field), reply);
  };
  if (path.empty() || path.front() != '/') return fail(bh::status::bad_request, "malformed", "bad request target");
  if (handle_plugin_route(*request, peer, reply, start)) return;
  if (handle_feed(*request, reply, start)) return;
  if (auto page = serve_web(*request)) return finish(*request, page->route, start, std::move(page->response), reply);

  // Route: the pattern's literal segments must match; {x} takes any segment.
  auto parts = split_path(path);
  const Route* found = nullptr;
  std::vector<std::string> params;
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    auto pattern = split_path(route.pattern);
    if (pattern.size() != parts.size()) continue;
    std::vector<std::string> p;
    bool match = true;
    for (std::size_t i = 0; i < parts.size() && match; ++i) {
      if (pattern[i].starts_with('{')) {
        if (parts[i].empty()) match = false;
        else p.push_back(percent_decode(parts[i]));
      } else {
        match = pattern[i] == parts[i];
      }
    }
    if (!match) continue;
    bool method_ok = route.method == request->method() ||
                     (route.method == bh::verb::get && request->method() == bh::verb::head);
    if (!method_ok) {
      allowed.emplace_back(bh::to_string(route.method));
      continue;
    }
    found = &route;
    params = std::move(p);
    break;
  }
  if (!found) {
    if (!allowed.empty()) {
      Answer a{bh::status::method_not_allowed,
               json{{"error", {{"code", "method_not_allowed"}, {"message", "this method is not allowed here"}}}},
               {{"Allow", fmt::format("{}", fmt::join(allowed, ", "))}}};
      return finish(*request, route_name, start, render(*request, a), reply);
    }
    return fail(bh::status::not_found, "not_found", "no such page");
  }
  route_name = found->pattern;

  std::map<std::string, std::string, std::less<>> query;
  if (qpos != std::string_view::npos)
    for (auto& [key, value] : parse_query(target.substr(qpos + 1))) query[std::move(key)] = std::move(value);

  Outcome outcome;
  domain::Actor actor = domain::Actor::system("public");
  try {
    store::Database& db = reads_.local();
    std::optional<Principal> who;
    if (found->access != Access::open) {
      who = authenticate(*request, db);
      if (!who) return fail(bh::status::unauthorized, "unauthorized", "sign in, or send Authorization: Bearer TOKEN");
      // Viewers read; coordinators also write; admins manage groups and
      // accounts. Group scoping itself is Call::group_id()'s job.
      if (found->access == Access::coordinator && who->role == domain::Role::admin)
        return fail(bh::status::forbidden, "forbidden", "admins manage groups and accounts; use a coordinator's account");
      if ((found->access == Access::coordinator && who->role != domain::Role::coordinator) ||
          (found->access == Access::admin && who->role != domain::Role::admin))
        return fail(bh::status::forbidden, "forbidden", "your role may not do this");
    }
    Call call{*this, *request, peer, std::move(params), std::move(query), who, db};
    actor = call.actor();
    outcome = found->fn(call);
  } catch (const Error& e) {
    return fail(status_of(e.code()), to_string(e.code()), e.what(), e.field());
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", std::string(request->method_string()), route_name, e.what());
    return fail(bh::status::internal_server_error, "internal", "something went wrong on our side");
  }

  if (auto* answer = std::get_if<Answer>(&outcome))
    return finish(*request, route_name, start, render(*request, *answer), reply);

  // A write: queue it for the next batch commit and answer after it.
  auto deferred = std::get<Deferred>(std::move(outcome));
  auto result = std::make_shared<Answer>();
  auto queued = Clock::now();
  writer_.submit(
      [this, deferred = std::move(deferred), result, call_actor = actor](store::Database& wdb) {
        *result = deferred(store::Context{wdb, clock_, call_actor});
      },
      [this, request, result, reply, route_name, start, queued](std::exception_ptr error) {
        metrics_->write_committed(std::chrono::duration<double>(Clock::now() - queued).count());
        Response res;
        try {
          if (error) std::rethrow_exception(error);
          res = render(*request, *result);
        } catch (const Error& e) {
          res = render_error(*request, status_of(e.code()), to_string(e.code()), e.what(), e.field());
        } catch (const std::exception& e) {
          spdlog::error("{} {}: the write failed: {}", std::string(request->method_string()), route_name, e.what());
          res = render_error(*request, bh::status::internal_server_error, "internal",
                             "the change could not be saved; nothing was changed");
        }
        finish(*request, route_name, start, std::move(res), reply);
      });
}

}  // namespace turnout::http
