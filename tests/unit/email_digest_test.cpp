// The email plugin's words: digests and notices in English and Spanish,
// escaped in HTML, overridable per group.
#include <catch2/catch.hpp>

#include <fstream>

#include "digest.hpp"
#include "domain/local_time.hpp"
#include "domain/templates.hpp"
#include "support.hpp"

using namespace turnout;
using namespace turnout::email;
namespace sdk = turnout::plugin;

namespace {

std::string fmt_time(std::int64_t at, const std::string& tz, const std::string& lang, sdk::TimeStyle style) {
  auto s = style == sdk::TimeStyle::short_form  ? domain::TimeStyle::short_form
           : style == sdk::TimeStyle::time_only ? domain::TimeStyle::time_only
                                                : domain::TimeStyle::long_form;
  return domain::format_local(domain::Time{std::chrono::seconds{at}}, tz, lang, s);
}

constexpr std::int64_t kTuesday9am = 1'773'158'400;  // 2026-03-10T16:00:00Z, 9:00 PDT

struct Sample {
  sdk::GroupView group{1, "Valle Verde Coalition", "valle", "America/Los_Angeles", "en", "US", "https://turnout.example.org"};
  sdk::VolunteerView ana;
  sdk::AssignmentView assignment;
  sdk::MeetingView meeting;
  Links links{"https://turnout.example.org/cal/x", "https://turnout.example.org/plugins/email/unsubscribe?t=abc"};

  Sample() {
    ana.id = 7;
    ana.group_id = 1;
    ana.name = "Ana <b>María</b>";
    ana.email = "ana@example.net";
    ana.language = "es";
    ana.timezone = "America/Los_Angeles";
    ana.tags = {"speaker", "interpreter:es"};
    meeting.id = 3;
    meeting.body_name = "Board of Supervisors";
    meeting.title = "Sheriff & ICE <cooperation>";
    meeting.starts_at = kTuesday9am;
    meeting.ends_at = kTuesday9am + 4 * 3600;
    meeting.timezone = "America/Los_Angeles";
    meeting.location = "1 Civic Plaza";
    meeting.status = "confirmed";
    meeting.deadlines = {{"signup_closes", kTuesday9am - 1800}, {"interpreter_request_due", kTuesday9am - 48 * 3600}};
    assignment.id = 42;
    assignment.volunteer_id = 7;
    assignment.status = "confirmed";
    assignment.slot = {11, 3, 5, "speaker", 2, 2, "in_person", "", 3, 1};
    assignment.agenda_item = sdk::AgendaItemView{5, 3, "PH-2", "Sheriff contract", "", "oppose"};
    assignment.meeting = meeting;
  }
};

}  // namespace

TEST_CASE("a volunteer's digest speaks their language, in their zone, and escapes only the HTML") {
  Sample s;
  Templates t;
  OpenSlot open{s.meeting, {12, 3, std::nullopt, "turnout", 0, 0, "in_person", "", 20, 4}, std::nullopt};
  OpenSlot english_only{s.meeting, {13, 3, std::nullopt, "speaker", 0, 2, "in_person", "ko", 2, 0}, std::nullopt};
  auto m = volunteer_digest(t, fmt_time, s.group, s.ana, {s.assignment}, {open, english_only}, s.links,
                            kTuesday9am - 7 * 86400);
  CHECK(m.language == "es");
  CHECK(m.subject == "Valle Verde Coalition: tus reuniones y lugares abiertos");
  CHECK(m.text.find("Hola Ana <b>María</b>:") != std::string::npos);  // text is not HTML
  CHECK(m.text.find("martes, 10 de marzo de 2026, 9:00 (PDT)") != std::string::npos);
  CHECK(m.text.find("Orador(a), punto PH-2 Sheriff contract, 2 min, turno 2") != std::string::npos);
  CHECK(m.text.find("Cierra la inscripción pública: mar 10 mar, 8:30") != std::string::npos);
  CHECK(m.text.find("intérprete") == std::string::npos);  // she needs none: that deadline is not hers
  CHECK(m.text.find("Presencia en la sala: 16 libres") != std::string::npos);
  CHECK(m.text.find("ko") == std::string::npos);  // a Korean speaker slot does not suit her
  CHECK(m.text.find(s.links.unsubscribe) != std::string::npos);
  CHECK(m.html.find("Ana &lt;b&gt;María&lt;/b&gt;") != std::string::npos);
  CHECK(m.html.find("Sheriff &amp; ICE &lt;cooperation&gt;") != std::string::npos);
  CHECK(m.html.find("<script") == std::string::npos);
  CHECK(m.html.find("<html lang=\"es\">") != std::string::npos);
  CHECK(m.html.find("<img") == std::string::npos);

  s.ana.language = "en";
  auto en = volunteer_digest(t, fmt_time, s.group, s.ana, {}, {}, s.links, kTuesday9am);
  CHECK(en.subject == "Valle Verde Coalition: your meetings and open spots");
  CHECK(en.text.find("You have nothing scheduled right now.") != std::string::npos);
}

TEST_CASE("which open slots suit a volunteer") {
  sdk::VolunteerView v;
  v.language = "es";
  v.tags = {"speaker", "interpreter:es"};
  auto slot = [](std::string role, std::string lang) {
    sdk::SlotView s;
    s.role = std::move(role);
    s.language = std::move(lang);
    return s;
  };
  CHECK(suits(v, slot("speaker", "")));
  CHECK(suits(v, slot("turnout", "")));
  CHECK(suits(v, slot("interpreter", "es")));
  CHECK_FALSE(suits(v, slot("interpreter", "")));
  CHECK_FALSE(suits(v, slot("notetaker", "")));
  CHECK_FALSE(suits(v, slot("speaker", "vi")));
}

TEST_CASE("notices and the coordinators' digest, and a group's own templates win over the built-in ones") {
  Sample s;
  test::TempDir dir;
  std::filesystem::create_directories(dir / "valle" / "es");
  std::ofstream(dir / "valle" / "es" / "meeting_cancelled.subject.mustache") << "Se cayó: {{title}}";
  Templates t(dir.path());
  s.assignment.meeting.status = "cancelled";
  auto m = notice(t, fmt_time, "meeting_cancelled", s.group, s.ana, s.assignment, s.links, kTuesday9am - 86400);
  CHECK(m.subject == "Se cayó: Sheriff & ICE <cooperation>");
  CHECK(m.text.find("se canceló") != std::string::npos);
  auto other = s.group;
  other.slug = "other";
  CHECK(notice(t, fmt_time, "meeting_cancelled", other, s.ana, s.assignment, s.links, 0).subject ==
        "Cancelada: Board of Supervisors, mar 10 mar, 9:00");

  auto confirmed = notice(t, fmt_time, "assignment_confirmed", s.group, s.ana, s.assignment, s.links, 0,
                          "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
  REQUIRE(confirmed.attachments.size() == 1);
  CHECK(confirmed.attachments[0].filename == "meeting.ics");
  CHECK_THROWS_AS(notice(t, fmt_time, "volunteer_digest", s.group, s.ana, s.assignment, s.links, 0), MailError);

  CoordinatorDigestData data;
  data.unfilled.push_back({s.meeting, {12, 3, std::nullopt, "speaker", 1, 2, "in_person", "", 5, 2}, std::nullopt});
  data.deadlines.push_back({s.meeting, {"signup_closes", kTuesday9am - 1800}});
  data.failed_messages = 2;
  auto c = coordinator_digest(t, fmt_time, s.group, "Rosa", "en", data);
  CHECK(c.subject == "Valle Verde Coalition: 1 unfilled, 1 due soon");
  CHECK(c.text.find("Speaker: 3 of 5 open") != std::string::npos);
  CHECK(c.text.find("Messages that failed: 2") != std::string::npos);
  CHECK(c.text.find("https://turnout.example.org/app/") != std::string::npos);

  std::ofstream(dir / "valle" / "es" / "meeting_moved.txt.mustache") << "{{#unclosed}}";
  CHECK_THROWS_AS(Templates(dir.path()), MailError);
}

TEST_CASE("a group's own wording from the settings replaces a notice's text, and its HTML is that text escaped") {
  Sample s;
  Templates t;
  sdk::MessageIntent in;
  in.kind = sdk::MessageKind::reminder;
  in.language = "es";
  in.timezone = "America/Los_Angeles";
  in.group = s.group;
  in.volunteer = s.ana;
  in.assignment = s.assignment;
  in.meeting = s.meeting;
  auto built_in = intent_mail(t, fmt_time, in, s.links, kTuesday9am - 86400);

  in.template_override = "{{name}}: {{title}} {{#item}}({{item}}){{/item}} {{when}}\n\nCalendario: {{calendar_url}}.";
  auto own = intent_mail(t, fmt_time, in, s.links, kTuesday9am - 86400);
  CHECK(own.subject == built_in.subject);  // the subject stays the plugin's
  CHECK(own.text ==
        "Ana <b>María</b>: Sheriff & ICE <cooperation> (PH-2 Sheriff contract) martes, 10 de marzo de 2026, 9:00 (PDT)"
        "\n\nCalendario: https://turnout.example.org/cal/x.");
  CHECK(own.html.find("Ana &lt;b&gt;María&lt;/b&gt;: Sheriff &amp; ICE &lt;cooperation&gt;") != std::string::npos);
  CHECK(own.html.find("<a href=\"https://turnout.example.org/cal/x\"") != std::string::npos);
  CHECK(own.html.find("</p>\n<p") != std::string::npos);  // the blank line makes a paragraph
  CHECK(own.html.find("<b>") == std::string::npos);
  CHECK(own.to.address == "ana@example.net");

  in.template_override = "{{#item}}";
  CHECK_THROWS_AS(intent_mail(t, fmt_time, in, s.links, 0), MailError);
}

TEST_CASE("the email channel offers the text of each notice, in both languages, with the names it fills in") {
  Templates t;
  auto offered = group_templates(t);
  CHECK(offered.size() == 14);  // 7 notices, in English and Spanish
  const auto& names = group_template_variables();
  for (const auto& o : offered) {
    CAPTURE(kind_name(o.kind), o.language);
    CHECK(!o.text.empty());
    CHECK((o.language == "en" || o.language == "es"));
    CHECK(o.text == t.get("", o.language, kind_name(o.kind), "txt"));
    CHECK_NOTHROW(domain::validate_message_template(o.text, names));  // a group may save it back as it is
  }
  CHECK(text_as_html("a <b> & c\nd\n\n\ne http://x.org/a?b=1&c=2, f") ==
        "<p style=\"margin:0 0 16px\">a &lt;b&gt; &amp; c<br>\nd</p>\n<p style=\"margin:0 0 16px\">e <a "
        "href=\"http://x.org/a?b=1&amp;c=2\" style=\"color:#0b5cad\">http://x.org/a?b=1&amp;c=2</a>, f</p>");
}
