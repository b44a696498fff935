// The email plugin's message making: headers that cannot be injected,
// encoded words that never split a character, quoted-printable bodies.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "mime.hpp"
#include "smtp.hpp"
#include "support.hpp"

using namespace turnout::email;

namespace {

std::vector<std::string> crlf_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto end = s.find("\r\n", start);
    if (end == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 2;
  }
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<std::uint32_t>(kAlphabet.find(c));
    if ((bits += 6) >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// True when no UTF-8 sequence is cut at the end.
bool utf8_complete(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (i + n > s.size()) return false;
    i += n;
  }
  return true;
}

Mail sample() {
  Mail m;
  m.from = {"Turnout", "turnout@example.org"};
  m.to = {"Ana María", "ana@example.net"};
  m.subject = "Tu semana: audiencia pública del condado";
  m.text = "Hola Ana,\n\nEl martes hablas sobre el punto PH-2.\n";
  m.html = "<p>Hola Ana,</p><p>El martes hablas sobre el punto PH-2.</p>";
  m.language = "es";
  m.headers = {{"List-Id", "Valle Verde <valle.turnout.example.org>"}};
  return m;
}

}  // namespace

TEST_CASE("a line break anywhere in a header value or address is refused, naming the field") {
  for (const std::string& bad : std::vector<std::string>{"a\r\nBcc: x@evil.example", "a\nb", "a\rb", std::string("a\0b", 3)}) {
    Mail m = sample();
    m.subject = bad;
    CHECK_THROWS_WITH(compose(m, 0, "<1@example.org>", "s"), Catch::Contains("subject"));
    m = sample();
    m.headers.emplace_back("List-Unsubscribe", bad);
    CHECK_THROWS_AS(compose(m, 0, "<1@example.org>", "s"), MailError);
    m = sample();
    m.to.name = bad;
    CHECK_THROWS_AS(compose(m, 0, "<1@example.org>", "s"), MailError);
    CHECK_THROWS_AS(parse_address("Ana <" + bad + "@example.org>", "to"), MailError);
  }
  for (const char* bad : {"ana", "@example.org", "ana@", "ana@example", "a b@example.org", "ana@exa..mple.org",
                          "<ana@example.org>", "ana@example.org>", "\"ana\"@example.org", "ána@example.org"})
    CHECK_THROWS_AS(check_address(bad, "to"), MailError);
  CHECK_NOTHROW(check_address("ana.m+turnout@mail.example.org", "to"));
}

TEST_CASE("addresses are read with or without a display name") {
  auto a = parse_address("Turnout <turnout@example.org>", "from");
  CHECK(a.name == "Turnout");
  CHECK(a.address == "turnout@example.org");
  a = parse_address("  \"Valle Verde, Coalition\" <vv@example.org> ", "from");
  CHECK(a.name == "Valle Verde, Coalition");
  CHECK(format_address(a) == "\"Valle Verde, Coalition\" <vv@example.org>");
  CHECK(parse_address("ana@example.net", "to").name.empty());
  CHECK(format_address({"José", "jose@example.org"}) == "=?UTF-8?B?Sm9zw6k=?= <jose@example.org>");
}

TEST_CASE("non-ASCII headers become encoded words of at most 75 octets that never split a character") {
  std::string subject;
  for (int i = 0; i < 30; ++i) subject += "ñá€😀";  // 2, 2, 3 and 4 octets
  auto encoded = encode_header(subject, 9);
  for (const auto& line : crlf_lines(encoded)) {
    auto word = line.starts_with(" ") ? line.substr(1) : line;
    CHECK(word.size() <= 75);
    CHECK(word.starts_with("=?UTF-8?B?"));
    CHECK(word.ends_with("?="));
  }
  // Each word decodes on its own to whole characters, and all of them
  // together give the subject back.
  std::string joined;
  for (const auto& line : crlf_lines(encoded)) {
    auto word = line.starts_with(" ") ? line.substr(1) : line;
    auto piece = base64_decode(word.substr(10, word.size() - 12));
    REQUIRE(!piece.empty());
    CHECK((static_cast<unsigned char>(piece.front()) & 0xc0) != 0x80);  // starts a character
    CHECK(utf8_complete(piece));
    joined += piece;
  }
  CHECK(joined == subject);
  CHECK(encode_header("Plain words stay plain", 9) == "Plain words stay plain");
  auto folded = encode_header(std::string(40, 'a') + " " + std::string(40, 'b') + " " + std::string(10, 'c'), 9);
  auto lines = crlf_lines(folded);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].size() + 9 <= 78);
  CHECK(lines[1].starts_with(" b"));
  CHECK(lines[1].size() <= 78);
}

TEST_CASE("quoted-printable keeps lines under 77 octets, encodes '=' and trailing spaces, keeps UTF-8 exact") {
  std::string text = std::string(200, 'x') + "\n= equals\ntrailing space \nAudiencia pública\nFrom the start\n";
  auto qp = quoted_printable(text);
  for (const auto& line : crlf_lines(qp)) CHECK(line.size() <= 76);
  CHECK(qp.find("=3D equals") != std::string::npos);
  CHECK(qp.find("trailing space=20\r\n") != std::string::npos);
  CHECK(qp.find("p=C3=BAblica") != std::string::npos);
  CHECK(qp.find("=46rom the start") != std::string::npos);
  CHECK(qp.find('\n') == qp.find("\r\n") + 1);  // every LF is part of a CRLF
}

TEST_CASE("a composed message has every header, CRLF only, and stable bytes for the same input") {
  Mail m = sample();
  m.attachments.push_back({"meeting.ics", "text/calendar; charset=utf-8; method=PUBLISH", "BEGIN:VCALENDAR\r\n"});
  auto a = compose(m, 1'772'000'000, "<abc@example.org>", "key-1");
  CHECK(a == compose(m, 1'772'000'000, "<abc@example.org>", "key-1"));
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] == '\n') REQUIRE((i > 0 && a[i - 1] == '\r'));
  auto head = a.substr(0, a.find("\r\n\r\n"));
  for (const char* h : {"Date: ", "From: Turnout <turnout@example.org>", "To: =?UTF-8?B?", "Subject: =?UTF-8?B?",
                        "Message-ID: <abc@example.org>", "List-Id: ", "Content-Language: es", "MIME-Version: 1.0",
                        "Content-Type: multipart/mixed"})
    CHECK(head.find(h) != std::string::npos);
  CHECK(a.find("multipart/alternative") != std::string::npos);
  CHECK(a.find("Content-Disposition: attachment; filename=\"meeting.ics\"") != std::string::npos);
  CHECK(a.find("QkVHSU46VkNBTEVOREFS") != std::string::npos);  // base64 of the attachment
  CHECK(rfc5322_date(1'772'000'000) == "Wed, 25 Feb 2026 06:13:20 +0000");
}

TEST_CASE("the file transport writes one whole .eml per key, and the same key again replaces it") {
  turnout::test::TempDir dir;
  auto t = file_transport(dir.path() / "email");
  auto r = t->send("turnout@example.org", "ana@example.net", "Subject: x\r\n\r\nbody\r\n", "digest:2026-W10:vol:7");
  REQUIRE(r.kind == SendResult::Kind::sent);
  CHECK(r.provider_id == "digest_2026-W10_vol_7.eml");
  CHECK(t->send("turnout@example.org", "ana@example.net", "again", "digest:2026-W10:vol:7").kind ==
        SendResult::Kind::sent);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "email")) {
    ++files;
    std::ifstream in(e.path());
    std::stringstream s;
    s << in.rdbuf();
    CHECK(s.str() == "again");
  }
  CHECK(files == 1);
  CHECK(t->send("turnout@example.org", "not an address", "x", "k").kind == SendResult::Kind::permanent);
}
