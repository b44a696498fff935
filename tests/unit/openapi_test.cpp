// The OpenAPI document (host/src/http/openapi.json) against the router it
// describes: the real Api, built on a migrated database, so a route added,
// removed or renamed without its documentation fails here, naming it.
#include <algorithm>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/api.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/read_pool.hpp"
#include "store/writer.hpp"
#include "support.hpp"

namespace turnout::http {
std::string_view openapi_document();  // generated from host/src/http/openapi.json
}  // namespace turnout::http

using namespace turnout;
using nlohmann::json;

namespace {

// The operation keys an OpenAPI path item may hold; anything else in it
// (parameters, summary, description, servers) is not an operation.
const std::set<std::string> kOperationKeys{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::filesystem::path migrated_database(const test::TempDir& dir) {
  auto path = dir / "turnout.db";
  store::Database db(path);
  store::migrate(db);
  return path;
}

// The daemon's router as `turnoutd serve` builds it, on a fresh database.
struct Daemon {
  test::TempDir dir;
  std::filesystem::path db_path = migrated_database(dir);
  config::Config config;
  domain::ManualClock clock{test::test_epoch()};
  store::Writer writer{db_path};
  store::ReadPool reads{db_path};
  http::Api api{config, writer, reads, clock};
};

const json& document() {
  static const json doc = json::parse(http::openapi_document());
  return doc;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// "GET /api/v1/meetings/{id}"
std::string key_of(const http::Route& route) {
  return std::string(boost::beast::http::to_string(route.method)) + " " + route.pattern;
}

std::vector<std::string> route_keys(const http::Api& api) {
  std::vector<std::string> out;
  for (const auto& route : api.routes()) out.push_back(key_of(route));
  return out;
}

struct Operation {
  std::string key;  // "GET /api/v1/meetings/{id}"
  std::string path;
  std::string method;  // lower case, as the document spells it
  const json* path_item;
  const json* operation;
};

std::vector<Operation> documented_operations() {
  std::vector<Operation> out;
  for (const auto& [path, item] : document().at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kOperationKeys.count(method)) continue;
      out.push_back({upper(method) + " " + path, path, method, &item, &operation});
    }
  }
  return out;
}

std::optional<Operation> documented(const http::Route& route) {
  for (auto& op : documented_operations())
    if (op.key == key_of(route)) return op;
  return std::nullopt;
}

// A parameter, or the component its "$ref" points at.
const json& resolve(const json& node) {
  if (!node.contains("$ref")) return node;
  auto ref = node.at("$ref").get<std::string>();
  REQUIRE(ref.rfind("#/", 0) == 0);
  return document().at(json::json_pointer(ref.substr(1)));
}

// {id}, {token}: the names in a path template, in order.
std::vector<std::string> template_names(const std::string& path) {
  std::vector<std::string> out;
  std::size_t open = path.find('{');
  while (open != std::string::npos) {
    auto close = path.find('}', open);
    if (close == std::string::npos) break;
    out.push_back(path.substr(open + 1, close - open - 1));
    open = path.find('{', close);
  }
  return out;
}

void collect_refs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref" && value.is_string())
        refs.push_back(value.get<std::string>());
      else
        collect_refs(value, refs);
    }
  } else if (node.is_array()) {
    for (const auto& value : node) collect_refs(value, refs);
  }
}

std::string access_name(http::Access access) {
  switch (access) {
    case http::Access::open: return "open";
    case http::Access::viewer: return "viewer";
    case http::Access::coordinator: return "coordinator";
    case http::Access::admin: return "admin";
    case http::Access::account: return "account";
  }
  return "?";
}

}  // namespace

TEST_CASE("the OpenAPI document is OpenAPI 3.1 JSON with a title, a version and paths", "[openapi]") {
  const json& doc = document();
  REQUIRE(doc.is_object());
  REQUIRE(doc.contains("openapi"));
  CHECK(doc.at("openapi").get<std::string>().rfind("3.1.", 0) == 0);
  CHECK_FALSE(doc.at("info").at("title").get<std::string>().empty());
  CHECK_FALSE(doc.at("info").at("version").get<std::string>().empty());
  REQUIRE(doc.at("paths").is_object());
  CHECK_FALSE(doc.at("paths").empty());
  // It is embedded as a raw string; this sequence would end it early.
  CHECK(http::openapi_document().find(")turnout_text\"") == std::string_view::npos);
}

TEST_CASE("every route the daemon serves is in the OpenAPI document", "[openapi]") {
  Daemon daemon;
  REQUIRE_FALSE(daemon.api.routes().empty());
  std::set<std::string> doc_keys;
  for (const auto& op : documented_operations()) doc_keys.insert(op.key);
  std::vector<std::string> undocumented;
  for (const auto& key : route_keys(daemon.api))
    if (!doc_keys.count(key)) undocumented.push_back(key);
  CHECK(undocumented == std::vector<std::string>{});
}

TEST_CASE("every operation in the OpenAPI document is a route the daemon serves", "[openapi]") {
  Daemon daemon;
  auto keys = route_keys(daemon.api);
  std::set<std::string> served(keys.begin(), keys.end());
  std::vector<std::string> stale;
  for (const auto& op : documented_operations())
    if (!served.count(op.key)) stale.push_back(op.key);
  CHECK(stale == std::vector<std::string>{});
}

TEST_CASE("the router serves each method and path once", "[openapi]") {
  Daemon daemon;
  std::map<std::string, int> seen;
  for (const auto& key : route_keys(daemon.api)) ++seen[key];
  std::vector<std::string> twice;
  for (const auto& [key, n] : seen)
    if (n > 1) twice.push_back(key);
  CHECK(twice == std::vector<std::string>{});
}

TEST_CASE("every operation in the OpenAPI document has its own operationId and a summary", "[openapi]") {
  std::map<std::string, std::vector<std::string>> by_id;
  std::vector<std::string> without_id, without_summary;
  for (const auto& op : documented_operations()) {
    const json& o = *op.operation;
    if (!o.contains("operationId") || !o.at("operationId").is_string() ||
        o.at("operationId").get<std::string>().empty())
      without_id.push_back(op.key);
    else
      by_id[o.at("operationId").get<std::string>()].push_back(op.key);
    if (!o.contains("summary") || !o.at("summary").is_string() || o.at("summary").get<std::string>().empty())
      without_summary.push_back(op.key);
  }
  CHECK(without_id == std::vector<std::string>{});
  CHECK(without_summary == std::vector<std::string>{});
  std::vector<std::string> shared;
  for (const auto& [id, keys] : by_id)
    if (keys.size() > 1) shared.push_back(id);
  CHECK(shared == std::vector<std::string>{});
}

TEST_CASE("every path parameter in a route template is declared in the OpenAPI document, and only those", "[openapi]") {
  for (const auto& op : documented_operations()) {
    INFO(op.key);
    std::set<std::string> declared;
    auto take = [&](const json& holder) {
      if (!holder.contains("parameters")) return;
      for (const auto& p : holder.at("parameters")) {
        const json& param = resolve(p);
        if (param.at("in") != "path") continue;
        INFO("path parameter " << param.at("name"));
        CHECK(param.value("required", false));  // OpenAPI requires it of path parameters
        CHECK(param.contains("schema"));
        declared.insert(param.at("name").get<std::string>());
      }
    };
    take(*op.path_item);
    take(*op.operation);
    auto names = template_names(op.path);
    CHECK(declared == std::set<std::string>(names.begin(), names.end()));
  }
}

TEST_CASE("every operation in the OpenAPI document answers a success status and documents its errors", "[openapi]") {
  for (const auto& op : documented_operations()) {
    INFO(op.key);
    const json& responses = op.operation->at("responses");
    bool success = false;
    for (const auto& [status, response] : responses.items()) {
      if (!status.empty() && status.front() == '2') success = true;
      CHECK(resolve(response).contains("description"));
    }
    CHECK(success);
    if (op.operation->contains("requestBody")) {
      // Bodies are read strictly: unreadable is 400, a wrong field 422.
      CHECK(responses.contains("400"));
      CHECK(responses.contains("422"));
    }
  }
}

TEST_CASE("open routes, and only those, need no credentials in the OpenAPI document", "[openapi]") {
  Daemon daemon;
  const json& doc = document();
  const json& schemes = doc.at("components").at("securitySchemes");
  REQUIRE(schemes.contains("bearerToken"));
  CHECK(schemes.at("bearerToken").at("type") == "http");
  CHECK(lower(schemes.at("bearerToken").at("scheme").get<std::string>()) == "bearer");
  REQUIRE(schemes.contains("sessionCookie"));
  CHECK(schemes.at("sessionCookie").at("in") == "cookie");
  CHECK(schemes.at("sessionCookie").at("name") == "turnout_session");
  CHECK(doc.at("security") == json::parse(R"([{"bearerToken": []}, {"sessionCookie": []}])"));

  for (const auto& route : daemon.api.routes()) {
    auto op = documented(route);
    if (!op) continue;  // reported by the test for undocumented routes
    INFO(op->key);
    bool open_in_doc = op->operation->contains("security") && op->operation->at("security") == json::array();
    CHECK(open_in_doc == (route.access == http::Access::open));
    CHECK(op->operation->value("x-turnout-access", "") == access_name(route.access));
  }
}

TEST_CASE("every $ref in the OpenAPI document points at something in it", "[openapi]") {
  std::vector<std::string> refs, broken;
  collect_refs(document(), refs);
  REQUIRE_FALSE(refs.empty());
  for (const auto& ref : refs) {
    if (ref.rfind("#/", 0) != 0 || !document().contains(json::json_pointer(ref.substr(1)))) broken.push_back(ref);
  }
  CHECK(broken == std::vector<std::string>{});
}

TEST_CASE("the daemon serves its OpenAPI document at /api/v1/openapi.json without credentials", "[openapi]") {
  Daemon daemon;
  http::Request request{boost::beast::http::verb::get, "/api/v1/openapi.json", 11};
  std::optional<http::Response> answer;
  daemon.api.handle(std::move(request), http::Peer{"127.0.0.1"}, [&](http::Response&& r) { answer = std::move(r); });
  REQUIRE(answer);
  CHECK(answer->result() == boost::beast::http::status::ok);
  CHECK(std::string(answer->at(boost::beast::http::field::content_type)) == "application/json");
  CHECK(json::parse(answer->body()) == document());
}
