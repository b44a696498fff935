// Loading plugins for real: each fixture is a shared library built by the
// test suite, loaded with Boost.DLL, started, stopped and unloaded. Under
// AddressSanitizer this also proves no leak and no use of unloaded code.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "http/api.hpp"
#include "plugins/dispatch.hpp"
#include "plugins/loader.hpp"
#include "store/assignments.hpp"
#include "store/plugin_state.hpp"
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
  // Really unloaded: the library is no longer mapped into the process.
  std::ifstream maps("/proc/self/maps");
  std::string all((std::istreambuf_iterator<char>(maps)), {});
  CHECK_FALSE(contains(all, fixture("good").string()));
}

TEST_CASE("each kind of broken library is refused with a reason that says what to do") {
  struct Case {
    const char* name;
    const char* state;
    const char* reason;
  };
  const Case cases[] = {
      {"not_a_plugin", "refused", "not a Turnout plugin: it has no turnout_plugin_v1_not_a_plugin function"},
      {"wrong_api", "refused", "built for plugin API 999; this turnoutd speaks API " TURNOUT_PLUGIN_STR(TURNOUT_PLUGIN_API_VERSION) ": rebuild it"},
      {"bad_fingerprint", "refused", "cc=clang 17 where this turnoutd has cc="},
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

TEST_CASE("the bundled example plugin loads, and unloads for real when stopped") {
  auto file = fs::path(TURNOUT_PLUGIN_DIR) / "example.so";
  auto info = plugins::inspect(file);
  CHECK(info.state == "checked");
  CHECK(info.config_keys == std::vector<std::string>{"days"});
  Host h;
  CHECK(h.set.load(file).state == "running");
  h.set.stop_all();
  // It uses std::to_string, whose statics GCC would mark unique and pin in
  // memory; turnout_add_plugin builds with -fno-gnu-unique so it can go.
  std::ifstream maps("/proc/self/maps");
  std::string all((std::istreambuf_iterator<char>(maps)), {});
  CHECK_FALSE(contains(all, file.string()));
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
  CHECK(get("/plugins/good/hello").result_int() == 200);  // another plugin's success resets nothing of it
  for (int i = 1; i < plugins::PluginSet::kMaxRouteFailuresInARow; ++i)
    CHECK(get("/plugins/throws_in_route/boom").result_int() == 500);
  // Ten in a row: the plugin is switched off and says so.
  auto off = get("/plugins/throws_in_route/boom");
  CHECK(off.result_int() == 503);
  CHECK(off.body().find("plugin_disabled") != std::string::npos);
  auto listed = set.list();
  auto it = std::find_if(listed.begin(), listed.end(), [](const auto& p) { return p.name == "throws_in_route"; });
  REQUIRE(it != listed.end());
  CHECK(it->state == "disabled");
  CHECK(it->reason.find("boom in a route") != std::string::npos);
  auto hello = get("/plugins/good/hello");
  CHECK(hello.result_int() == 200);
  CHECK(hello.body() == "hello\n");
  CHECK(get("/plugins/good/nowhere").result_int() == 404);
  CHECK(get("/plugins/nobody/hello").result_int() == 404);
  CHECK(get("/healthz").result_int() == 200);
  set.stop_all();
  CHECK(get("/plugins/good/hello").result_int() == 404);  // gone with its plugin
}

namespace {

// A daemon's worth of plugin services on a real database with one meeting.
struct Running {
  turnout::test::World world;  // the group, body and meeting; its own connection
  config::Config config;
  store::Writer writer{world.db_path};
  store::ReadPool reads{world.db_path};
  plugins::RouteTable routes;
  plugins::PluginSet* set_for_reports = nullptr;
  plugins::EventBus events{reads, writer, [this](const std::string& p, const std::string& r) {
                             if (set_for_reports) set_for_reports->report(p, r);
                           }};
  plugins::Jobs jobs;
  plugins::Digests digests{jobs};
  plugins::PluginSet set{{config, world.clock, routes, &reads, &writer, &events, &jobs, &digests}};

  Running() {
    set_for_reports = &set;
    writer.after_each_commit([this] { events.notify(); });
  }
  ~Running() {
    set.stop_all();
    events.stop();
    jobs.stop();
    writer.stop();
  }

  // Places a new volunteer on a new slot through the writer, as the API does.
  void assign() {
    std::promise<void> done;
    writer.submit(
        [this](store::Database& db) {
          store::Context ctx{db, world.clock, domain::Actor::system("test")};
          domain::SlotDraft sd;
          sd.role = "turnout";
          sd.capacity = 5;
          auto slot = store::create_slot(ctx, world.group.id, world.meeting.id, sd);
          domain::VolunteerDraft vd;
          vd.name = "V";
          auto v = store::create_volunteer(ctx, world.group, vd);
          store::Claim c;
          c.slot_id = slot.id;
          c.volunteer_id = v.id;
          store::claim_slot(ctx, world.group.id, c);
        },
        [&](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
          done.set_value();
        });
    done.get_future().get();
  }

  std::optional<std::string> value(const std::string& plugin, const std::string& key) {
    return store::plugin_value(reads.local(), plugin, key);
  }

  template <typename Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 100; ++i) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

}  // namespace

TEST_CASE("a plugin hears of each assignment after it is committed, in order, and keeps state on disk") {
  Running r;
  REQUIRE(r.set.load(fixture("listener")).state == "running");
  r.assign();
  r.assign();
  CHECK(r.eventually([&] { return r.value("listener", "assignment_events") == std::optional<std::string>("2"); }));
  auto last = r.value("listener", "last_event");
  REQUIRE(last);
  CHECK(last->starts_with("assignment.created:"));
  // Another plugin's namespace is its own.
  CHECK_FALSE(r.value("good", "assignment_events"));
}

TEST_CASE("periodic jobs run on the host's job thread until their handle is dropped") {
  Running r;
  REQUIRE(r.set.load(fixture("listener")).state == "running");
  CHECK(r.eventually([&] { return r.value("listener", "ticks").has_value(); }));
  r.set.stop_all();
  auto after_stop = r.value("listener", "ticks");
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  CHECK(r.value("listener", "ticks") == after_stop);
}

TEST_CASE("a plugin queues a message once per idempotency key, only in the caller's group") {
  Running r;
  REQUIRE(r.set.load(fixture("listener")).state == "running");
  auto route = r.routes.find("listener", "POST", "/enqueue");
  REQUIRE(route);
  plugin::HttpRequest req;
  req.group_id = r.world.group.id;
  req.body = "k1";
  CHECK(route->handler(req).status == 202);
  CHECK(route->handler(req).status == 202);  // the same key again: still one message
  auto count = [&] {
    auto q = r.reads.local().query("SELECT count(*), min(plugin) FROM outbox_message");
    q.step();
    return std::pair{q.integer(0), q.text(1)};
  };
  CHECK(count() == std::pair{1, std::string("listener")});
  req.group_id = 999;  // no such group
  req.body = "k2";
  CHECK(route->handler(req).status == 422);
  CHECK(count().first == 1);
}

TEST_CASE("a listener that keeps throwing is switched off and reported; the others go on") {
  Running r;
  REQUIRE(r.set.load(fixture("throws_in_listener")).state == "running");
  REQUIRE(r.set.load(fixture("listener")).state == "running");
  for (int i = 0; i < plugins::EventBus::kMaxFailuresInARow + 1; ++i) r.assign();
  CHECK(r.eventually([&] {
    for (const auto& p : r.set.list())
      if (p.name == "throws_in_listener" && contains(p.reason, "threw 5 times in a row")) return true;
    return false;
  }));
  CHECK(r.eventually([&] { return r.value("listener", "assignment_events") == std::optional<std::string>("6"); }));
}

TEST_CASE("event delivery resumes after a restart from where it stopped") {
  turnout::test::World w;
  w.add_volunteer("Ana");
  w.add_volunteer("Beto");  // with the meeting, three events
  auto last = store::last_event_id(w.db);
  REQUIRE(last >= 3);
  // As if the previous run had delivered all but the last two.
  store::set_plugin_value(w.ctx, "_host", "events_cursor", std::to_string(last - 2));
  store::Writer writer(w.db_path);
  store::ReadPool reads(w.db_path);
  plugins::EventBus bus(reads, writer, nullptr);
  CHECK(bus.cursor() == last - 2);
  std::vector<std::int64_t> seen;
  std::mutex m;
  auto handle = bus.subscribe("t", "", [&](const plugin::Event& e) {
    std::lock_guard lock(m);
    seen.push_back(e.id);
  });
  bus.notify();
  for (int i = 0; i < 100 && bus.cursor() < last; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  handle.reset();
  bus.stop();
  writer.stop();
  CHECK(seen == std::vector<std::int64_t>{last - 1, last});
}

TEST_CASE("on the very first start, history is not replayed to plugins") {
  turnout::test::World w;
  store::Writer writer(w.db_path);
  store::ReadPool reads(w.db_path);
  plugins::EventBus bus(reads, writer, nullptr);
  CHECK(bus.cursor() == store::last_event_id(w.db));
  bus.stop();
  writer.stop();
}

TEST_CASE("a key the plugin does not read in its [plugin.NAME] section is refused by name") {
  Host h;
  h.config.plugin_sections["fails_start"] = "url = \"https://sms.example.org\"\nurll = \"typo\"\n";
  auto info = h.set.load(fixture("fails_start"));
  CHECK(info.state == "refused");
  CHECK(contains(info.reason, "unknown key [plugin.fails_start] urll; it reads: url"));
  h.config.plugin_sections["good"] = "anything = 1\n";
  CHECK(contains(h.set.load(fixture("good")).reason, "it reads: no keys"));
}

TEST_CASE("a digest run asked for a group reaches the plugin's runner on the job thread, and stops with it") {
  Running r;
  auto key = "digests:" + std::to_string(r.world.group.id);
  CHECK(r.digests.run(r.world.group.id).empty());  // nothing registered yet
  REQUIRE(r.set.load(fixture("listener")).state == "running");
  CHECK(r.digests.run(r.world.group.id) == std::vector<std::string>{"listener"});
  CHECK(r.eventually([&] { return r.value("listener", key) == std::optional<std::string>("1"); }));
  r.digests.run(r.world.group.id);
  CHECK(r.eventually([&] { return r.value("listener", key) == std::optional<std::string>("2"); }));
  r.set.stop_all();
  CHECK(r.digests.run(r.world.group.id).empty());
}

TEST_CASE("a batch of messages is queued whole or not at all") {
  Running r;
  REQUIRE(r.set.load(fixture("listener")).state == "running");
  auto route = r.routes.find("listener", "POST", "/enqueue_batch");
  REQUIRE(route);
  turnout::plugin::HttpRequest req;
  req.group_id = r.world.group.id;
  auto queued = [&] {
    auto q = r.reads.local().query("SELECT count(*) FROM outbox_message WHERE channel = 'test'");
    q.step();
    return q.integer(0);
  };
  req.body = "one,,three";  // an empty key is refused: nothing of the batch is queued
  auto refused = route->handler(req);
  CHECK(refused.status == 422);
  CHECK(queued() == 0);
  req.body = "one,two,three";
  CHECK(route->handler(req).status == 202);
  CHECK(queued() == 3);
  req.body = "three,four";  // three is queued already: only four is new
  CHECK(route->handler(req).status == 202);
  CHECK(queued() == 4);
}
