// Calendar feeds: the host's cache and validators, the per-group change
// counter, and the bundled ical plugin rendering at a chosen "now" (the
// 30-day rule for cancelled meetings, folding, bytes that stay the same).
#include <catch2/catch.hpp>

#include "http/feeds.hpp"
#include "http/server.hpp"
#include "plugins/calendars.hpp"
#include "plugins/dispatch.hpp"
#include "plugins/loader.hpp"
#include "security/secrets.hpp"
#include "store/assignments.hpp"
#include "store/feeds.hpp"
#include "store/journal.hpp"
#include "store/read_pool.hpp"
#include "store/volunteers.hpp"
#include "store/writer.hpp"
#include "support.hpp"

using namespace turnout;

namespace {

std::shared_ptr<const http::RenderedFeed> rendered(std::size_t bytes, std::uint64_t generation, std::int64_t expires) {
  auto f = std::make_shared<http::RenderedFeed>();
  f->body.assign(bytes, 'x');
  f->generation = generation;
  f->expires_at = expires;
  return f;
}

std::int64_t unix(domain::Time t) { return t.time_since_epoch().count(); }

// Lines of the text with folds undone.
std::string unfolded(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    out += text[i];
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the feed cache answers only while the group's generation holds, and drops the oldest past its bound") {
  http::FeedCache cache(1000);
  using K = plugin::FeedKind;
  cache.put(K::volunteer, 1, rendered(200, 7, 100));
  CHECK(cache.find(K::volunteer, 1, 7, 50) != nullptr);
  CHECK(cache.find(K::group, 1, 7, 50) == nullptr);    // another kind, same id
  CHECK(cache.find(K::volunteer, 1, 8, 50) == nullptr);  // the group changed
  CHECK(cache.size() == 0);                              // and the stale entry went
  cache.put(K::volunteer, 1, rendered(200, 7, 100));
  CHECK(cache.find(K::volunteer, 1, 7, 100) == nullptr);  // expired
  for (int id = 1; id <= 10; ++id) cache.put(K::volunteer, id, rendered(200, 1, 1000));
  CHECK(cache.bytes() <= 1000);
  CHECK(cache.find(K::volunteer, 10, 1, 0) != nullptr);
  CHECK(cache.find(K::volunteer, 1, 1, 0) == nullptr);  // least recently used, gone
  cache.put(K::body, 99, rendered(900, 1, 1000));       // over a quarter of the bound: not kept
  CHECK(cache.find(K::body, 99, 1, 0) == nullptr);
}

TEST_CASE("who a feed link opens is remembered until the group changes, and forgotten on rotation and erasure") {
  test::World w;
  http::FeedOwners owners(3, 600);
  using K = plugin::FeedKind;
  auto key_of = [](const std::string& token) {
    http::FeedOwners::Key key{K::volunteer, {}};
    security::hash_token(token, key.bytes);
    return key;
  };
  // As Api::handle_feed does it: the generation read before the look that is stored.
  auto remember = [&](const std::string& token, std::int64_t now) {
    auto owner = store::find_volunteer_feed(w.db, token);
    REQUIRE(owner);
    owners.put(key_of(token), *owner, store::group_generation(owner->group_id), now);
    return *owner;
  };
  auto ana = w.add_volunteer("Ana");
  auto old_token = store::rotate_feed_token(w.ctx, w.group.id, ana.id);
  auto owner = remember(old_token, 0);
  CHECK(owner.id == ana.id);
  CHECK(owner.group_id == w.group.id);
  auto hit = owners.find(key_of(old_token), 10);
  REQUIRE(hit);
  CHECK(hit->owner.id == ana.id);
  CHECK(hit->generation == store::group_generation(w.group.id));
  CHECK_FALSE(owners.find(http::FeedOwners::Key{K::group, key_of(old_token).bytes}, 10));  // another kind

  // A rotation commits: the old link is forgotten at once, and SQLite no longer knows it either.
  auto new_token = store::rotate_feed_token(w.ctx, w.group.id, ana.id);
  CHECK_FALSE(owners.find(key_of(old_token), 10));
  CHECK(owners.size() == 0);
  CHECK_FALSE(store::find_volunteer_feed(w.db, old_token));
  remember(new_token, 0);
  CHECK(owners.find(key_of(new_token), 10));
  CHECK_FALSE(owners.find(key_of(new_token), 600));  // too old: asked again
  remember(new_token, 0);

  // Erasure takes the link with it.
  store::erase_volunteer(w.ctx, w.group.id, ana.id);
  CHECK_FALSE(owners.find(key_of(new_token), 10));
  CHECK_FALSE(store::find_volunteer_feed(w.db, new_token));

  // At most max_entries, the least recently used out first.
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) {
    auto v = w.add_volunteer("V" + std::to_string(i));
    tokens.push_back(store::rotate_feed_token(w.ctx, w.group.id, v.id));
  }
  for (int i = 0; i < 3; ++i) remember(tokens[static_cast<std::size_t>(i)], 0);
  CHECK(owners.find(key_of(tokens[0]), 1));  // now the most recent
  remember(tokens[3], 0);
  remember(tokens[4], 0);
  CHECK(owners.size() == 3);
  CHECK(owners.find(key_of(tokens[0]), 1));
  CHECK_FALSE(owners.find(key_of(tokens[1]), 1));
  CHECK_FALSE(owners.find(key_of(tokens[2]), 1));
  CHECK(owners.find(key_of(tokens[4]), 1));
}

TEST_CASE("a response body can send shared bytes without copying them, and a string replaces them") {
  auto bytes = std::make_shared<const std::string>("BEGIN:VCALENDAR");
  http::Response res{boost::beast::http::status::ok, 11};
  res.body().share(bytes);
  CHECK(res.body().bytes().data() == bytes->data());
  CHECK(http::ResponseBody::size(res.body()) == bytes->size());
  CHECK(bytes.use_count() == 2);
  res.body() = std::string("{}");
  CHECK(res.body().bytes() == "{}");
  CHECK(bytes.use_count() == 1);
}

TEST_CASE("HTTP dates and entity tags are read as RFC 9110 says") {
  CHECK(http::http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(http::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(http::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
  CHECK(http::parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK_FALSE(http::parse_http_date("yesterday"));
  CHECK_FALSE(http::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
  CHECK_FALSE(http::parse_http_date(""));
  std::string etag = http::feed_etag("BEGIN:VCALENDAR");
  CHECK(etag.size() == 34);
  CHECK(etag == http::feed_etag("BEGIN:VCALENDAR"));
  CHECK(etag != http::feed_etag("BEGIN:VCALENDAR "));
  CHECK(http::etag_matches(etag, etag));
  CHECK(http::etag_matches("*", etag));
  CHECK(http::etag_matches("\"a\", W/" + etag, etag));
  CHECK_FALSE(http::etag_matches("\"a\", \"b\"", etag));
  CHECK_FALSE(http::etag_matches("", etag));
}

TEST_CASE("a group's generation rises when a write with a domain event commits, not before") {
  test::World w;
  auto before = store::group_generation(w.group.id);
  w.db.write([&] {
    store::record_event(w.ctx, w.group.id, "meeting.updated", "meeting", w.meeting.id);
    CHECK(store::group_generation(w.group.id) == before);
  });
  CHECK(store::group_generation(w.group.id) > before);
  auto mid = store::group_generation(w.group.id);
  CHECK_THROWS(w.db.write([&] {
    store::record_event(w.ctx, w.group.id, "meeting.updated", "meeting", w.meeting.id);
    throw std::runtime_error("rolled back");
  }));
  CHECK(store::group_generation(w.group.id) == mid);
  // Every change a feed shows goes through record_event: these all bump it.
  w.add_volunteer("Ana");
  CHECK(store::group_generation(w.group.id) > mid);
}

// The bundled plugin, loaded as the daemon loads it, rendering directly.
struct Calendar {
  test::World world;
  config::Config config;
  store::Writer writer{world.db_path};
  store::ReadPool reads{world.db_path};
  plugins::RouteTable routes;
  plugins::Calendars calendars;
  plugins::PluginSet set{{.config = config, .clock = world.clock, .routes = routes, .reads = &reads, .writer = &writer, .calendars = &calendars}};
  domain::Volunteer ana = world.add_volunteer("Ana Peña", "+14155550123");

  Calendar() {
    config.server.public_url = "https://turnout.example.org:8443/base";
    auto info = set.load(std::filesystem::path(TURNOUT_PLUGIN_DIR) / "ical.so");
    REQUIRE(info.state == "running");
  }
  ~Calendar() { set.stop_all(); }

  plugin::Feed render(plugin::FeedKind kind, std::int64_t id, std::int64_t now) {
    plugin::Feed feed;
    std::string error;
    REQUIRE(calendars.render({kind, world.group.id, id, now}, feed, error) == plugins::Calendars::Result::rendered);
    return feed;
  }
};

TEST_CASE("a cancelled meeting stays struck through for 30 days with a higher SEQUENCE, then leaves the feed") {
  Calendar c;
  auto& w = c.world;
  auto slot = w.add_slot(w.meeting.id, 3);
  auto a = store::claim_slot(w.ctx, w.group.id, {slot.id, c.ana.id});
  auto now = unix(w.clock.now());
  auto before = c.render(plugin::FeedKind::volunteer, c.ana.id, now);
  std::string uid = "UID:assignment-" + std::to_string(a.id) + "@turnout.example.org\r\n";
  REQUIRE(contains(before.text, uid));
  CHECK(contains(before.text, "SEQUENCE:0\r\n"));

  w.clock.advance(std::chrono::hours(1));
  domain::MeetingDraft cancel;
  cancel.status = "cancelled";
  auto cancelled = store::update_meeting(w.ctx, w.group.id, w.meeting.id, cancel);
  auto cancelled_at = unix(cancelled.updated_at);
  auto during = c.render(plugin::FeedKind::volunteer, c.ana.id, cancelled_at + 29 * 86400);
  CHECK(contains(during.text, uid));
  CHECK(contains(during.text, "STATUS:CANCELLED\r\n"));
  CHECK(contains(during.text, "SEQUENCE:1\r\n"));
  CHECK(during.last_modified == cancelled_at);
  CHECK(during.expires_at == cancelled_at + 30 * 86400);  // the host re-renders exactly then

  auto after = c.render(plugin::FeedKind::volunteer, c.ana.id, cancelled_at + 30 * 86400);
  CHECK_FALSE(contains(after.text, "assignment-"));
  CHECK(after.last_modified == cancelled_at + 30 * 86400);  // Last-Modified never goes back
  auto group = c.render(plugin::FeedKind::group, w.group.id, cancelled_at + 31 * 86400);
  CHECK_FALSE(contains(group.text, "meeting-" + std::to_string(w.meeting.id) + "@"));
}

TEST_CASE("the same data renders the same bytes, folded at 75 octets without splitting a character or an escape") {
  Calendar c;
  auto& w = c.world;
  // 72 octets then a 4-octet emoji straddling the fold; then escapes at the edge.
  std::string title = "SUMMARY" + std::string(60, 'x') + "🗳️ and \\ then ,,,,,,,,,,;;;;;;;;;;\\\\\\\\ and ñññ";
  auto m = w.add_meeting("2026-03-12T09:00:00-07:00", "2026-03-12T12:00:00-07:00", title);
  store::claim_slot(w.ctx, w.group.id, {w.add_slot(m.id, 2).id, c.ana.id});
  auto now = unix(w.clock.now());
  auto one = c.render(plugin::FeedKind::volunteer, c.ana.id, now);
  auto two = c.render(plugin::FeedKind::volunteer, c.ana.id, now + 3600);
  CHECK(one.text == two.text);
  CHECK(contains(unfolded(one.text), "🗳️ and \\\\ then \\,\\,\\,\\,\\,\\,\\,\\,\\,\\,\\;\\;"));
  std::size_t start = 0;
  while (start < one.text.size()) {
    auto end = one.text.find("\r\n", start);
    REQUIRE(end != std::string::npos);  // every line ends in CRLF
    std::string line = one.text.substr(start, end - start);
    CHECK(line.size() <= 75);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    if (!line.empty()) {
      // never ends inside a UTF-8 sequence
      std::size_t i = line.size();
      std::size_t k = 0;
      while (i > 0 && (static_cast<unsigned char>(line[i - 1]) & 0xc0) == 0x80) --i, ++k;
      if (i > 0) {
        auto lead = static_cast<unsigned char>(line[i - 1]);
        std::size_t want = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
        CHECK(k == want);
      }
      // and never between a backslash and what it escapes
      std::size_t slashes = 0;
      while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\') ++slashes;
      CHECK(slashes % 2 == 0);
    }
    start = end + 2;
  }
  // No person named in the feed itself, not even its owner.
  CHECK_FALSE(contains(one.text, "Ana"));
  CHECK_FALSE(contains(one.text, "5550123"));
  // The UIDs' right side is the public URL's host, without port or path.
  CHECK(contains(one.text, "@turnout.example.org\r\n"));
}

TEST_CASE("only one calendar renderer at a time; a second plugin is refused with a reason") {
  plugins::Calendars calendars;
  std::string holder;
  auto first = calendars.add("ical", [](const plugin::FeedRequest&, plugin::Feed&, std::string&) { return true; }, holder);
  REQUIRE(first);
  auto second = calendars.add("other", [](const plugin::FeedRequest&, plugin::Feed&, std::string&) { return true; }, holder);
  CHECK_FALSE(second);
  CHECK(holder == "ical");
  first.reset();
  CHECK_FALSE(calendars.available());
  plugin::Feed feed;
  std::string error;
  CHECK(calendars.render({}, feed, error) == plugins::Calendars::Result::none);
  auto throws = calendars.add(
      "thrower", [](const plugin::FeedRequest&, plugin::Feed&, std::string&) -> bool { throw std::runtime_error("x"); },
      holder);
  CHECK(calendars.render({}, feed, error) == plugins::Calendars::Result::failed);
}

TEST_CASE("the ical plugin refuses an alarm it cannot honour, naming the key and what is allowed") {
  for (const char* bad : {"alarm_minutes = -5", "alarm_minutes = 99999", "alarm_minutes = \"soon\""}) {
    test::TempDir dir;
    config::Config config;
    config.plugin_sections["ical"] = bad;
    domain::ManualClock clock{test::test_epoch()};
    plugins::RouteTable routes;
    plugins::Calendars calendars;
    plugins::PluginSet set{{.config = config, .clock = clock, .routes = routes, .calendars = &calendars}};
    auto info = set.load(std::filesystem::path(TURNOUT_PLUGIN_DIR) / "ical.so");
    CHECK(info.state == "failed");
    CHECK(contains(info.reason, "alarm_minutes must be a whole number"));
    CHECK_FALSE(calendars.available());
  }
}
