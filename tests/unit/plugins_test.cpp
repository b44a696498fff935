// Loading plugins for real: each fixture is a shared library built by the
// test suite, loaded with Boost.DLL, started, stopped and unloaded. Under
// AddressSanitizer this also proves no leak and no use of unloaded code.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "http/api.hpp"
#include "plugins/loader.hpp"
#include "store/read_pool.hpp"
#include "store/writer.hpp"
#include "support.hpp"

using namespace turnout;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return fs::path(TURNOUT_PLUGIN_FIXTURES) / (name + ".so"); }

struct Host {
  config::Config config;
  domain::ManualClock clock{turnout::test::test_epoch()};
  plugins::RouteTable routes;
  plugins::PluginSet set{{config, clock, routes, nullptr}};
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a well-made plugin loads, serves its route, and takes it away when stopped") {
  Host h;
  auto info = h.set.load(fixture("good"));
  CHECK(info.state == "running");
  CHECK(info.version == "1.0.0");
  CHECK(plugins::capability_names(info.capabilities) == std::vector<std::string>{"http_routes"});
  auto route = h.routes.find("good", "GET", "/hello");
  REQUIRE(route);
  CHECK(route->access == plugin::RouteAccess::open);
  CHECK(route->handler(plugin::HttpRequest{}).body == "hello\n");
  route.reset();
  h.set.stop_all();
  CHECK_FALSE(h.routes.find("good", "GET", "/hello"));
  CHECK(h.set.list().empty());
}

TEST_CASE("each kind of broken library is refused with a reason that says what to do") {
  struct Case {
    const char* name;
    const char* state;
    const char* reason;
  };
  const Case cases[] = {
      {"not_a_plugin", "refused", "not a Turnout plugin: it has no turnout_plugin_v1_not_a_plugin function"},
      {"wrong_api", "refused", "built for plugin API 999; this turnoutd speaks API 1: rebuild it"},
      {"bad_fingerprint", "refused", "cc=clang 17], this turnoutd with ["},
      {"missing_symbol", "refused", "undefined symbol: turnout_fixture_function_nobody_defines"},
      {"misnamed", "refused", "names itself \"someone_else\" but its file is misnamed.so"},
      {"ctor_throws", "failed", "create() failed"},
      {"fails_start", "failed", "the gateway URL is missing from [plugin.fails_start]"},
      {"throws_in_start", "failed", "start() threw: boom in start"},
  };
  Host h;
  for (const auto& c : cases) {
    INFO(c.name);
    auto info = h.set.load(fixture(c.name));
    CHECK(info.state == c.state);
    CHECK(contains(info.reason, c.reason));
    CHECK(info.file == fixture(c.name));
  }
  // Nothing a failed plugin registered is left behind.
  CHECK_FALSE(h.routes.find("throws_in_start", "GET", "/never"));
  // A good one still loads after all of them.
  CHECK(h.set.load(fixture("good")).state == "running");
  CHECK(h.set.list().size() == std::size(cases) + 1);
}

TEST_CASE("a file that is not a library at all is refused") {
  turnout::test::TempDir dir;
  auto fake = dir / "broken.so";
  std::ofstream(fake) << "this is not ELF";
  auto info = plugins::inspect(fake);
  CHECK(info.state == "refused");
  CHECK(contains(info.reason, "cannot be loaded"));
}

TEST_CASE("a second plugin with a name already loaded is refused") {
  turnout::test::TempDir dir;
  fs::copy_file(fixture("good"), dir / "good.so");
  Host h;
  CHECK(h.set.load(fixture("good")).state == "running");
  auto twin = h.set.load(dir / "good.so");
  CHECK(twin.state == "refused");
  CHECK(contains(twin.reason, "a plugin named good is loaded already"));
}

TEST_CASE("a plugin's file name must be a plain name") {
  turnout::test::TempDir dir;
  fs::copy_file(fixture("good"), dir / "Good-Plugin.so");
  CHECK(contains(plugins::inspect(dir / "Good-Plugin.so").reason, "a-z, 0-9 and _"));
}

TEST_CASE("load_all takes the enabled plugins of the folder, in name order") {
  Host h;
  h.config.plugins_dir = TURNOUT_PLUGIN_FIXTURES;
  h.config.plugins_enabled = std::vector<std::string>{"good", "throws_in_route", "not_there"};
  h.set.load_all();
  auto all = h.set.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "good");
  CHECK(all[1].name == "throws_in_route");
}

TEST_CASE("the bundled example plugin passes its own checks") {
  auto info = plugins::inspect(fs::path(TURNOUT_PLUGIN_DIR) / "example.so");
  CHECK(info.state == "checked");
  CHECK(info.config_keys == std::vector<std::string>{"days"});
}

TEST_CASE("a route that throws fails that request with 500, and the daemon keeps answering") {
  turnout::test::TempDir dir;
  {
    store::Database db(dir / "t.db");
    store::migrate(db);
  }
  config::Config config;
  domain::ManualClock clock(turnout::test::test_epoch());
  store::Writer writer(dir / "t.db");
  store::ReadPool reads(dir / "t.db");
  plugins::RouteTable routes;
  plugins::PluginSet set({config, clock, routes, &reads});
  set.load(fixture("throws_in_route"));
  set.load(fixture("good"));
  http::Api api(config, writer, reads, clock);
  api.attach_plugins(&set, &routes);
  auto get = [&](const std::string& target) {
    http::Request req{boost::beast::http::verb::get, target, 11};
    std::optional<http::Response> answer;
    api.handle(std::move(req), http::Peer{"127.0.0.1"}, [&](http::Response&& res) { answer = std::move(res); });
    REQUIRE(answer);
    return *answer;
  };
  CHECK(get("/plugins/throws_in_route/boom").result_int() == 500);
  auto hello = get("/plugins/good/hello");
  CHECK(hello.result_int() == 200);
  CHECK(hello.body() == "hello\n");
  CHECK(get("/plugins/good/nowhere").result_int() == 404);
  CHECK(get("/plugins/nobody/hello").result_int() == 404);
  CHECK(get("/healthz").result_int() == 200);
  set.stop_all();
  CHECK(get("/plugins/good/hello").result_int() == 404);  // gone with its plugin
}
