#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/csv_volunteers.hpp"
#include "support.hpp"

using namespace turnout;
using turnout::test::World;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(TURNOUT_FIXTURES) + "/csv/" + name, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<std::string> refusal(World& w, const std::string& text) {
  try {
    cli::import_volunteers_csv(w.ctx, w.group, text);
  } catch (const cli::CsvImportError& e) {
    return e.problems();
  }
  FAIL("the file was accepted");
  return {};
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a good CSV file imports every row with normalized fields") {
  World w;
  CHECK(cli::import_volunteers_csv(w.ctx, w.group, fixture("good.csv")) == 3);
  auto all = store::list_volunteers(w.db, w.group.id, {});
  REQUIRE(all.size() == 3);
  CHECK(all[0].name == "María Hernández");
  CHECK(all[0].phone == "+12135550101");
  CHECK(all[0].language == "es");
  CHECK(all[0].sms_opt_in);
  CHECK(all[0].tags == std::vector<std::string>{"speaker", "storyteller"});
  CHECK(all[1].name == "Kim, Daniel");
  CHECK(all[1].notes == "Said \"call after 6\"\nfloor 2");
  CHECK(all[1].timezone == "America/Los_Angeles");  // empty: the group's zone
  CHECK_FALSE(all[1].sms_opt_in);
  CHECK(all[2].timezone == "America/Chicago");
  CHECK_FALSE(all[2].email);
}

TEST_CASE("a file with bad rows is refused whole, naming each line and reason") {
  World w;
  auto problems = refusal(w, fixture("bad_rows.csv"));
  CHECK(mentions(problems, "line 3: phone"));
  CHECK(mentions(problems, "line 4: name"));
  CHECK(mentions(problems, "line 5: email"));
  CHECK(mentions(problems, "line 6: language"));
  CHECK_FALSE(mentions(problems, "line 2"));
  CHECK(store::list_volunteers(w.db, w.group.id, {}).empty());
}

TEST_CASE("unknown columns are refused: no field exists for immigration status") {
  World w;
  auto problems = refusal(w, fixture("unknown_column.csv"));
  CHECK(mentions(problems, "unknown column \"immigration_status\""));
  CHECK(store::list_volunteers(w.db, w.group.id, {}).empty());
  CHECK(mentions(refusal(w, fixture("unknown_column_semicolon.csv")), "unknown column \"nombre\""));
}

TEST_CASE("a spreadsheet's ; separated file with a BOM imports") {
  World w;
  CHECK(cli::import_volunteers_csv(w.ctx, w.group, fixture("semicolon_bom.csv")) == 2);
  auto all = store::list_volunteers(w.db, w.group.id, {});
  CHECK(all[0].tags == std::vector<std::string>{"speaker", "turnout"});
}

TEST_CASE("a quote that never closes is refused with a line number") {
  World w;
  auto problems = refusal(w, fixture("unclosed_quote.csv"));
  CHECK(mentions(problems, "line "));
  CHECK(store::list_volunteers(w.db, w.group.id, {}).empty());
}

TEST_CASE("the same phone twice in a file, or already in the group, refuses the file") {
  World w;
  auto problems = refusal(w, "name,phone\nAna,2135550111\nBeto,(213) 555-0111\n");
  CHECK(mentions(problems, "line 3: phone: the same phone number as line 2"));
  w.add_volunteer("Carla", "+12135550120");
  problems = refusal(w, "name,phone\nDora,2135550121\nEva,2135550120\n");
  CHECK(mentions(problems, "line 3: phone"));
  CHECK(store::list_volunteers(w.db, w.group.id, {}).size() == 1);
}

TEST_CASE("rows with the wrong number of fields and bad booleans are named") {
  World w;
  auto problems = refusal(w, "name,phone,sms_opt_in\nAna,2135550111\nBeto,2135550112,maybe\n");
  CHECK(mentions(problems, "line 2: 2 fields where the header has 3"));
  CHECK(mentions(problems, "line 3: sms_opt_in"));
}

TEST_CASE("an empty file or a header alone") {
  World w;
  CHECK(mentions(refusal(w, ""), "empty"));
  CHECK(cli::import_volunteers_csv(w.ctx, w.group, "name,phone\n") == 0);
}

TEST_CASE("export writes the import's columns, so a file round-trips") {
  World w;
  cli::import_volunteers_csv(w.ctx, w.group, fixture("good.csv"));
  std::ostringstream first;
  cli::export_volunteers_csv(w.db, w.group, first);
  CHECK(first.str().starts_with("name,phone,email,language,timezone,tags,sms_opt_in,email_opt_in,notes\r\n"));

  World other;
  CHECK(cli::import_volunteers_csv(other.ctx, other.group, first.str()) == 3);
  std::ostringstream second;
  cli::export_volunteers_csv(other.db, other.group, second);
  CHECK(second.str() == first.str());
}
