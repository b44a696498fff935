// Signing in and out, API tokens, groups and accounts.
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "http/auth.hpp"
#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/credentials.hpp"
#include "store/groups.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

json principal_json(const Call& call) {
  auto account = store::find_account_by_id(call.db, call.who->account_id);
  json out{{"account", to_json(account)}};
  if (account.group_id) out["group"] = to_json(store::get_group(call.db, *account.group_id));
  if (call.who->via_session) {
    // After a reload the page has lost it; it can ask again with its cookie.
    if (auto s = store::find_session(call.db, session_cookie(call.request).value_or(""), call.api.clock().now()))
      out["csrf_token"] = s->csrf_token;
  }
  return out;
}

Outcome sign_in(Call& call) {
  const auto body = call.json();
  JsonReader r(body, {"email", "password"});
  auto email = r.string("email").value_or("");
  auto password = r.string("password").value_or("");
  if (email.empty() || password.empty()) throw invalid(email.empty() ? "email" : "password", "email and password, please");
  std::string key = email;
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
  auto& limiter = call.api.login_limiter();
  if (auto wait = limiter.blocked(key, call.peer.address)) {
    Answer a{beast_http::status::too_many_requests,
             json{{"error", {{"code", "rate_limited"}, {"message", "too many failed sign-ins; wait and try again"}}}},
             {{"Retry-After", std::to_string(*wait)}}};
    return a;
  }
  auto account = store::check_password(call.db, email, password);
  if (!account) {
    limiter.failed(key, call.peer.address);
    throw Error(ErrorCode::unauthorized, "wrong email or password");
  }
  limiter.succeeded(key);
  bool secure = call.api.public_url().starts_with("https://");
  return Deferred([account = *account, secure](const store::Context& ctx) {
    store::Context as_account{ctx.db, ctx.clock, domain::Actor::account(account.id)};
    auto session = store::create_session(as_account, account.id, kSessionLifetime);
    json body{{"account", to_json(account)}, {"csrf_token", session.csrf_token}};
    if (account.group_id) body["group"] = to_json(store::get_group(ctx.db, *account.group_id));
    return Answer{beast_http::status::created, body,
                  {{"Set-Cookie", session_set_cookie(session.token, kSessionLifetime, secure)}}};
  });
}

Outcome sign_out(Call& call) {
  if (!call.who->via_session) throw Error(ErrorCode::invalid, "this request did not come with a session", "session");
  auto id = call.who->credential_id;
  bool secure = call.api.public_url().starts_with("https://");
  return Deferred([id, secure](const store::Context& ctx) {
    store::delete_session(ctx, id);
    return Answer{beast_http::status::no_content, nullptr,
                  {{"Set-Cookie", session_set_cookie("", std::chrono::seconds(0), secure)}}};
  });
}

json token_json(const store::ApiTokenInfo& t) {
  auto time = [](const std::optional<domain::Time>& v) {
    return v ? json(domain::format_rfc3339_utc(*v)) : json(nullptr);
  };
  return {{"id", t.id},
          {"label", t.label},
          {"created_at", domain::format_rfc3339_utc(t.created_at)},
          {"last_used_at", time(t.last_used_at)},
          {"revoked_at", time(t.revoked_at)}};
}

Outcome create_account(Call& call) {
  const auto body = call.json();
  JsonReader r(body, {"email", "name", "role", "password", "group_id"});
  store::AccountDraft d;
  d.email = r.string("email").value_or("");
  d.name = r.string("name").value_or("");
  d.role = r.string("role").value_or("");
  if (auto p = r.string("password"); p && !p->empty()) d.password = *p;
  if (call.who->role == domain::Role::admin) {
    d.group_id = r.id("group_id");  // none: another admin
  } else {
    // A coordinator adds people to their own group, never an admin.
    if (r.has("group_id") && r.id("group_id") != call.who->group_id) throw Error(ErrorCode::not_found, "group not found");
    if (d.role == "admin") throw Error(ErrorCode::forbidden, "only an admin can create an admin", "role");
    d.group_id = call.group_id();
  }
  return Deferred([d](const store::Context& ctx) { return created(to_json(store::create_account(ctx, d))); });
}

}  // namespace

void add_account_routes(Api& api) {
  api.add(bh_verb::post, "/api/v1/session", Access::open, "Sign in; sets the session cookie", sign_in);
  api.add(bh_verb::get, "/api/v1/session", Access::account, "Who is signed in",
          [](Call& call) -> Outcome { return ok(principal_json(call)); });
  api.add(bh_verb::delete_, "/api/v1/session", Access::account, "Sign out", sign_out);

  api.add(bh_verb::get, "/api/v1/tokens", Access::account, "Your API tokens (never the tokens themselves)",
          [](Call& call) -> Outcome {
            json items = json::array();
            for (const auto& t : store::list_api_tokens(call.db, call.who->account_id)) items.push_back(token_json(t));
            return ok({{"items", items}, {"next", nullptr}});
          });
  api.add(bh_verb::post, "/api/v1/tokens", Access::account, "Create an API token; shown once",
          [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"label"});
            std::string label = r.string("label").value_or("");
            auto account_id = call.who->account_id;
            return Deferred([label, account_id](const store::Context& ctx) {
              std::string token = store::create_api_token(ctx, account_id, label);
              auto tokens = store::list_api_tokens(ctx.db, account_id);
              json body = token_json(tokens.back());
              body["token"] = token;
              return created(body);
            });
          });
  api.add(bh_verb::delete_, "/api/v1/tokens/{id}", Access::account, "Revoke one of your API tokens",
          [](Call& call) -> Outcome {
            auto id = call.id(0);
            auto account_id = call.who->account_id;
            return Deferred([id, account_id](const store::Context& ctx) {
              store::revoke_api_token(ctx, account_id, id);
              return no_content();
            });
          });

  api.add(bh_verb::get, "/api/v1/groups", Access::admin, "Every group (admins)", [](Call& call) -> Outcome {
    json items = json::array();
    for (const auto& g : store::list_groups(call.db)) items.push_back(to_json(g));
    return ok({{"items", items}, {"next", nullptr}});
  });
  api.add(bh_verb::post, "/api/v1/groups", Access::admin, "Create a group (admins)", [](Call& call) -> Outcome {
    const auto body = call.json();
    JsonReader r(body, {"name", "slug", "timezone", "language", "country"});
    store::GroupDraft d;
    d.name = r.string("name").value_or("");
    d.slug = r.string("slug").value_or("");
    if (auto v = r.string("timezone")) d.timezone = *v;
    if (auto v = r.string("language")) d.language = *v;
    if (auto v = r.string("country")) d.country = *v;
    return Deferred([d](const store::Context& ctx) { return created(to_json(store::create_group(ctx, d))); });
  });
  api.add(bh_verb::get, "/api/v1/accounts", Access::viewer, "Accounts of your group", [](Call& call) -> Outcome {
    json items = json::array();
    for (const auto& a : store::list_accounts(call.db, call.group_id())) items.push_back(to_json(a));
    return ok({{"items", items}, {"next", nullptr}});
  });
  api.add(bh_verb::post, "/api/v1/accounts", Access::account,
          "Create an account: coordinators in their group, admins anywhere", [](Call& call) -> Outcome {
            if (call.who->role == domain::Role::viewer) throw Error(ErrorCode::forbidden, "your role may not do this");
            return create_account(call);
          });
}

}  // namespace turnout::http
