// The web UI's parts that need no browser: the embedded files, the QR code,
// and the volunteer's private-page token in the store.
#include "http/web.hpp"

#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "http/qr.hpp"
#include "store/signup.hpp"
#include "support.hpp"

using namespace turnout;
using turnout::test::World;
namespace bh = boost::beast::http;

namespace {

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

http::Request get(const std::string& target, const std::string& if_none_match = "") {
  http::Request req{bh::verb::get, target, 11};
  if (!if_none_match.empty()) req.set(bh::field::if_none_match, if_none_match);
  return req;
}

}  // namespace

TEST_CASE("every file under host/web is embedded byte for byte, with a type and a strong ETag") {
  std::filesystem::path web = TURNOUT_WEB_DIR;
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(web))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
      on_disk.insert("/" + std::filesystem::relative(entry.path(), web).generic_string());
  std::set<std::string> embedded;
  for (const auto& a : http::web_assets()) {
    INFO(a.path);
    embedded.insert(std::string(a.path));
    CHECK(a.bytes == file_bytes(web / std::string(a.path.substr(1))));
    CHECK_FALSE(a.content_type.empty());
    CHECK(std::regex_match(std::string(a.etag), std::regex("^\"[0-9a-f]{32}\"$")));
  }
  CHECK(embedded == on_disk);
  CHECK(http::find_web_asset("/app.html") != nullptr);
  CHECK(http::find_web_asset("/nope.html") == nullptr);
}

TEST_CASE("UI pages answer with the CSP, a 304 for a known ETag, and leave other paths to the API") {
  auto page = http::serve_web(get("/signup/su_abc?lang=es"));
  REQUIRE(page);
  CHECK(page->route == "/signup/{token}");
  CHECK(page->response.result() == bh::status::ok);
  CHECK(std::string(page->response["Content-Security-Policy"]) == http::kContentSecurityPolicy);
  std::string etag(page->response[bh::field::etag]);
  auto again = http::serve_web(get("/signup/su_other", etag));
  CHECK(again->response.result() == bh::status::not_modified);
  CHECK(again->response.body().empty());
  CHECK(http::serve_web(get("/ui/missing.js"))->response.result() == bh::status::not_found);
  CHECK_FALSE(http::serve_web(get("/api/v1/meetings")));
  CHECK_FALSE(http::serve_web(get("/signup/a/b")));
  CHECK_FALSE(http::serve_web(get("/feeds/volunteers/fd_x.ics")));
}

TEST_CASE("a QR code is an SVG of dark modules with its title escaped") {
  auto svg = http::qr_svg("http://127.0.0.1:8080/signup/su_abc", "Budget <hearing> & \"vote\"");
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("<title>Budget &lt;hearing&gt; &amp; &quot;vote&quot;</title>") != std::string::npos);
  CHECK(svg.find("<hearing>") == std::string::npos);
  CHECK(svg.find("M4 4h1v1h-1z") != std::string::npos);  // the finder pattern's corner, inside the quiet zone
  CHECK(http::qr_svg("a", "t") != http::qr_svg("b", "t"));
  CHECK_THROWS(http::qr_svg(std::string(8000, 'x'), "too long"));
}

TEST_CASE("a private-page token is kept only as its hash, replaced by a new one, and gone with the volunteer") {
  World w;
  auto v = w.add_volunteer("Rosa", "+12135550123");
  auto first = store::rotate_manage_token(w.ctx, w.group.id, v.id);
  CHECK(first.rfind("mg_", 0) == 0);
  CHECK(first.size() == 3 + 43);
  REQUIRE(store::find_volunteer_by_manage_token(w.db, first));
  CHECK(store::find_volunteer_by_manage_token(w.db, first)->id == v.id);
  auto q = w.db.query("SELECT length(manage_token_hash), typeof(manage_token_hash) FROM volunteer WHERE id = ?", v.id);
  REQUIRE(q.step());
  CHECK(q.int64(0) == 32);  // a BLAKE2b hash, never the token
  CHECK(q.text(1) == "blob");
  auto second = store::rotate_manage_token(w.ctx, w.group.id, v.id);
  CHECK_FALSE(store::find_volunteer_by_manage_token(w.db, first));
  CHECK(store::find_volunteer_by_manage_token(w.db, second));
  CHECK_FALSE(store::find_volunteer_by_manage_token(w.db, "mg_"));
  CHECK_FALSE(store::find_volunteer_by_manage_token(w.db, "fd_" + second.substr(3)));
  store::erase_volunteer(w.ctx, w.group.id, v.id);
  CHECK_FALSE(store::find_volunteer_by_manage_token(w.db, second));
  CHECK_THROWS_AS(store::rotate_manage_token(w.ctx, w.group.id, v.id), Error);
}

TEST_CASE("a public sign-up gives a new person their links, and a known number none") {
  World w;
  auto slot = w.add_slot(w.meeting.id, 5);
  w.clock.set(domain::parse_rfc3339("2026-03-08T12:00:00Z", "now"));  // inside the sign-up window
  store::PublicSignup s;
  s.slot_id = slot.id;
  s.person.name = "Nueva";
  s.person.phone = "+12135550140";
  auto fresh = store::sign_up_publicly(w.ctx, w.meeting.signup_token, s);
  REQUIRE(fresh.manage_token);
  REQUIRE(fresh.feed_token);
  CHECK(store::find_volunteer_by_manage_token(w.db, *fresh.manage_token)->name == "Nueva");
  CHECK(store::find_volunteer_by_feed_token(w.db, *fresh.feed_token)->name == "Nueva");

  auto known = w.add_volunteer("Known", "+12135550141");
  auto other_slot = w.add_slot(w.meeting.id, 5, "turnout");
  s.slot_id = other_slot.id;
  s.person.name = "Typed Someone's Number";
  s.person.phone = "+12135550141";
  auto placed = store::sign_up_publicly(w.ctx, w.meeting.signup_token, s);
  CHECK(placed.assignment.volunteer_id == known.id);
  CHECK_FALSE(placed.manage_token);
  CHECK_FALSE(placed.feed_token);
}
