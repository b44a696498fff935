#include <catch2/catch.hpp>

#include <fstream>

#include "config/config.hpp"
#include "support.hpp"

using namespace turnout;
using turnout::test::TempDir;

namespace {
std::filesystem::path write(const TempDir& dir, const std::string& text) {
  auto p = dir / "turnout.toml";
  std::ofstream(p) << text;
  return p;
}
std::string refusal(const std::filesystem::path& p) {
  try {
    config::load(p);
  } catch (const std::exception& e) {
    return e.what();
  }
  FAIL("accepted");
  return {};
}
}  // namespace

TEST_CASE("every key is optional: an empty file gives the defaults") {
  TempDir dir;
  auto c = config::load(write(dir, ""));
  CHECK(c.server.listen == "127.0.0.1:8080");
  CHECK(c.server.public_url == "http://127.0.0.1:8080");
  CHECK(c.database_path == "var/turnout.db");
  CHECK(c.plugins_dir == "build/plugins");
  CHECK_FALSE(c.plugins_enabled);
}

TEST_CASE("the keys of the SPEC are read") {
  TempDir dir;
  auto c = config::load(write(dir, R"(
[server]
listen = "127.0.0.1:9090"
public_url = "https://turnout.example.org"
[database]
path = "/srv/turnout/turnout.db"
[plugins]
dir = "/usr/lib/turnout/plugins"
enabled = ["ical", "sms"]
[plugin.sms]
transport = "kannel"
from = "+15555550100"
)"));
  CHECK(c.server.listen == "127.0.0.1:9090");
  CHECK(c.server.public_url == "https://turnout.example.org");
  CHECK(c.database_path == "/srv/turnout/turnout.db");
  CHECK(c.plugins_dir == "/usr/lib/turnout/plugins");
  CHECK(*c.plugins_enabled == std::vector<std::string>{"ical", "sms"});
  CHECK(c.plugin_sections.at("sms").find("kannel") != std::string::npos);
}

TEST_CASE("a typo in a key is refused with its name, not ignored") {
  TempDir dir;
  CHECK(refusal(write(dir, "[server]\nlisen = \"x\"\n")).find("lisen") != std::string::npos);
  CHECK(refusal(write(dir, "[databse]\npath = \"x\"\n")).find("databse") != std::string::npos);
}

TEST_CASE("a wrong type or broken TOML names the problem") {
  TempDir dir;
  CHECK(refusal(write(dir, "[server]\nlisten = 8080\n")).find("listen") != std::string::npos);
  CHECK(refusal(write(dir, "[server\n")).find("line 1") != std::string::npos);
  CHECK(refusal(write(dir, "[plugins]\nenabled = \"ical\"\n")).find("enabled") != std::string::npos);
}
