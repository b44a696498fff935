#include "cli/demo.hpp"

#include <fmt/format.h>

#include <array>

#include "domain/time.hpp"
#include "store/assignments.hpp"
#include "store/groups.hpp"
#include "store/meetings.hpp"
#include "store/volunteers.hpp"

namespace turnout::cli {
namespace {

using namespace std::chrono;
using domain::AssignmentStatus;

constexpr const char* kZone = "America/Los_Angeles";

struct DemoVolunteer {
  const char* name;
  const char* phone;  // 555-01xx: numbers set aside for fiction
  const char* email;
  const char* language;
  const char* tags;
  bool sms, mail;
};

// Names and numbers are invented; the 555-01xx range is reserved for fiction.
constexpr std::array<DemoVolunteer, 26> kVolunteers{{
    {"María Hernández", "+12135550101", "maria.h@example.org", "es", "speaker;storyteller", true, true},
    {"José Ramírez", "+12135550102", "", "es", "speaker", true, false},
    {"Ana Lucía Torres", "+12135550103", "ana.torres@example.org", "es", "interpreter:es;speaker", true, true},
    {"Daniel Kim", "+12135550104", "daniel.kim@example.org", "en", "speaker;notetaker", true, true},
    {"Guadalupe Ortiz", "+12135550105", "", "es", "turnout", true, false},
    {"Rosa Martínez", "+12135550106", "rosa.m@example.org", "es", "storyteller", true, true},
    {"Samuel Okafor", "+12135550107", "sam.okafor@example.org", "en", "speaker;turnout", false, true},
    {"Carmen Flores", "+12135550108", "carmen.flores@example.org", "es", "interpreter:es", true, true},
    {"Luis Alberto Gómez", "+12135550109", "", "es", "turnout", true, false},
    {"Emily Chen", "+12135550110", "emily.chen@example.org", "en", "notetaker;turnout", true, true},
    {"Francisco Díaz", "+12135550111", "", "es", "speaker;storyteller", true, false},
    {"Patricia Nguyen", "+12135550112", "pat.nguyen@example.org", "en", "speaker", true, true},
    {"Alejandra Reyes", "+12135550113", "ale.reyes@example.org", "es", "interpreter:es;turnout", true, true},
    {"Marcus Johnson", "+12135550114", "marcus.j@example.org", "en", "turnout", false, true},
    {"Teresa Castillo", "+12135550115", "", "es", "storyteller;turnout", true, false},
    {"Jorge Morales", "+12135550116", "jorge.morales@example.org", "es", "speaker", true, true},
    {"Sarah Goldberg", "+12135550117", "sarah.g@example.org", "en", "notetaker", true, true},
    {"Verónica Sánchez", "+12135550118", "vero.sanchez@example.org", "es", "turnout", true, true},
    {"Miguel Ángel Cruz", "+12135550119", "", "es", "speaker;turnout", true, false},
    {"Linh Tran", "+12135550120", "linh.tran@example.org", "en", "turnout", true, true},
    {"Esperanza Vargas", "+12135550121", "esperanza.v@example.org", "es", "storyteller", true, true},
    {"David Rosen", "+12135550122", "david.rosen@example.org", "en", "speaker", false, true},
    {"Isabel Mendoza", "+12135550123", "isabel.mendoza@example.org", "es", "interpreter:es", true, true},
    {"Kevin Park", "+12135550124", "kevin.park@example.org", "en", "turnout", true, true},
    {"Yesenia López", "+12135550125", "", "es", "turnout;speaker", true, false},
    {"Andrés Herrera", "+12135550126", "andres.h@example.org", "es", "speaker", true, true},
}};

std::vector<std::string> split(const char* joined) {
  std::vector<std::string> out;
  std::string s(joined);
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(';', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The local day `days` from today, at hh:mm in the county's zone, as RFC 3339.
std::string local_time(domain::Time now, int days, int hour, int minute) {
  auto today = domain::local_day(now, kZone);
  auto day = year_month_day{sys_days{today} + std::chrono::days{days}};
  return domain::format_rfc3339(domain::at_local(kZone, day, hours{hour} + minutes{minute}), kZone);
}

struct SlotPlan {
  const char* role;
  int capacity;
  const char* language;
  int item;  // index into the meeting's agenda items, or -1
};

struct MeetingPlan {
  int body;  // index into the bodies created
  const char* title;
  int days, hour, minute, length_minutes;
  const char* status;
  const char* location;
  std::vector<std::array<const char*, 3>> items;  // number, title, stance
  std::vector<SlotPlan> slots;
};

}  // namespace

DemoResult load_demo(store::Database& db, const domain::Clock& clock) {
  DemoResult result;
  result.coordinator_email = kDemoCoordinatorEmail;
  result.coordinator_password = kDemoCoordinatorPassword;
  if (auto existing = store::find_group(db, kDemoSlug)) {
    result.group = *existing;
    return result;
  }
  store::Context ctx{db, clock, domain::Actor::system("demo")};
  const domain::Time now = clock.now();

  // Each store call commits on its own. Should one fail part-way, the group
  // is deleted and its rows cascade away: the demo is there whole or not at all.
  store::GroupDraft gd;
  gd.name = "Valle Verde Immigrant Rights Coalition";
  gd.slug = kDemoSlug;
  gd.timezone = kZone;
  gd.language = "es";
  gd.country = "US";
  domain::Group g = store::create_group(ctx, gd);
  result.group = g;
  try {
    store::create_account(ctx, {g.id, kDemoCoordinatorEmail, "Coordinadora Demo", "coordinator",
                                std::string(kDemoCoordinatorPassword)});

    std::vector<domain::Body> bodies;
    {
      domain::BodyDraft b;
      b.name = "Valle Verde County Board of Supervisors";
      b.kind = "county_board";
      b.jurisdiction = "Valle Verde County";
      b.minutes_per_speaker = 2;
      b.signup_closes_minutes_before = 30;  // speaker cards close half an hour before
      b.remote_allowed = true;
      b.interpretation_lead_hours = 48;
      b.written_limit_words = std::optional<int>(500);
      b.written_deadline_minutes_before = std::optional<int>(24 * 60);
      b.feed_public = true;
      bodies.push_back(store::create_body(ctx, g, b));
    }
    {
      domain::BodyDraft b;
      b.name = "Ciudad Verde City Council";
      b.kind = "city_council";
      b.jurisdiction = "City of Ciudad Verde";
      b.minutes_per_speaker = 3;
      b.signup_opens_minutes_before = std::optional<int>(7 * 24 * 60);
      b.signup_closes_minutes_before = 0;
      b.interpretation_lead_hours = 48;
      bodies.push_back(store::create_body(ctx, g, b));
    }
    {
      domain::BodyDraft b;
      b.name = "Sheriff's Civilian Oversight Commission";
      b.kind = "oversight";
      b.jurisdiction = "Valle Verde County";
      b.minutes_per_speaker = 3;
      b.signup_closes_minutes_before = 15;
      b.remote_allowed = true;
      b.interpretation_lead_hours = 72;
      b.written_deadline_minutes_before = std::optional<int>(48 * 60);
      b.feed_public = true;
      bodies.push_back(store::create_body(ctx, g, b));
    }

    const std::vector<MeetingPlan> plans{
        {0, "Regular meeting", -10, 9, 30, 240, "confirmed",
         "County Government Center, 1 Civic Plaza, Board Chambers",
         {{"Item 9", "Resolution supporting the county rapid-response hotline", "support"}},
         {{"speaker", 4, "", 0}, {"interpreter", 1, "es", -1}, {"turnout", 15, "", -1}}},
        {2, "TRUTH Act community forum", 4, 17, 30, 150, "confirmed",
         "Valle Verde Library, Community Room B",
         {{"1", "Sheriff's report on transfers to immigration authorities", "oppose"}},
         {{"speaker", 6, "", 0}, {"interpreter", 2, "es", -1}, {"turnout", 25, "", -1}, {"notetaker", 1, "", -1}}},
        {1, "Regular meeting", 6, 18, 0, 210, "confirmed", "Ciudad Verde City Hall, Council Chambers",
         {{"Item 7", "Sanctuary city ordinance, second reading", "support"},
          {"Item 12", "Language access plan for city services", "support"}},
         {{"speaker", 5, "", 0}, {"speaker", 3, "", 1}, {"interpreter", 1, "es", -1}, {"turnout", 30, "", -1}}},
        {0, "Regular meeting", 9, 9, 30, 300, "confirmed",
         "County Government Center, 1 Civic Plaza, Board Chambers",
         {{"Item 14", "Memorandum of understanding: jail notifications to ICE", "oppose"},
          {"Item 15", "Contract renewal: jail phone services", "neutral"}},
         {{"speaker", 6, "", 0}, {"speaker", 2, "", 1}, {"interpreter", 2, "es", -1}, {"turnout", 40, "", -1},
          {"notetaker", 1, "", -1}}},
        {1, "Special meeting on policing", 13, 18, 0, 180, "cancelled",
         "Ciudad Verde City Hall, Council Chambers",
         {{"Item 1", "Police surveillance technology use policy", "oppose"}},
         {{"speaker", 4, "", 0}, {"turnout", 20, "", -1}}},
        {0, "Budget hearing", 16, 13, 0, 240, "tentative",
         "County Government Center, 1 Civic Plaza, Board Chambers",
         {{"PH-2", "Public hearing: legal defense fund for immigrant residents", "support"}},
         {{"speaker", 8, "", 0}, {"interpreter", 2, "es", -1}, {"turnout", 50, "", -1}}},
        {1, "Regular meeting", 20, 18, 0, 210, "confirmed", "Ciudad Verde City Hall, Council Chambers",
         {{"Item 3", "Automated license plate reader contract", "oppose"}},
         {{"speaker", 5, "", 0}, {"interpreter", 1, "es", -1}, {"turnout", 30, "", -1}}},
        {2, "Detention conditions review", 26, 17, 30, 150, "confirmed",
         "Valle Verde Library, Community Room B",
         {{"2", "Inspector General's review of conditions in county jail", "neutral"}},
         {{"speaker", 6, "", 0}, {"interpreter", 1, "es", -1}, {"turnout", 20, "", -1}}},
    };

    std::vector<domain::Volunteer> volunteers;
    for (const auto& v : kVolunteers) {
      domain::VolunteerDraft d;
      d.name = v.name;
      d.phone = v.phone;
      d.email = v.email;
      d.language = v.language;
      d.tags = split(v.tags);
      d.sms_opt_in = v.sms;
      d.email_opt_in = v.mail && *v.email;
      volunteers.push_back(store::create_volunteer(ctx, g, d));
    }

    // Every meeting gets people on its slots, round-robin, one slot per person
    // per meeting, so no overlap is ever forced.
    std::size_t next_volunteer = 0;
  std::size_t assigned = 0;  // spreads the statuses over every state
    int meeting_index = 0;
    for (const auto& plan : plans) {
      domain::MeetingDraft md;
      md.body_id = bodies.at(plan.body).id;
      md.title = plan.title;
      md.starts_at = local_time(now, plan.days, plan.hour, plan.minute);
      md.ends_at = domain::format_rfc3339(domain::parse_rfc3339(*md.starts_at, "starts_at") + minutes{plan.length_minutes}, kZone);
      md.location = plan.location;
      md.status = plan.status == std::string("cancelled") ? "confirmed" : plan.status;
      if (bodies.at(plan.body).public_comment.remote_allowed) md.remote_url = "https://meet.example.org/valle-verde-public";
      md.agenda_url = "https://example.org/agendas/valle-verde";
      domain::Meeting m = store::create_imported_meeting(ctx, g.id, md, "demo", fmt::format("demo-{}", meeting_index++));
      std::vector<domain::AgendaItem> items;
      for (const auto& [number, title, stance] : plan.items) {
        items.push_back(store::create_agenda_item(ctx, g.id, m.id, {number, title, "", stance}));
      }
      bool past = plan.days < 0;
      int slot_index = 0;
      for (const auto& sp : plan.slots) {
        domain::SlotDraft sd;
        sd.role = sp.role;
        sd.capacity = sp.capacity;
        sd.order = slot_index++;
        if (*sp.language) sd.language = sp.language;
        if (sp.item >= 0) sd.agenda_item_id = items.at(sp.item).id;
        domain::Slot slot = store::create_slot(ctx, g.id, m.id, sd);
        if (plan.status == std::string("tentative")) continue;  // nobody lined up yet
        // Fill part of each slot, leaving room so the dashboard shows gaps.
        int fill = std::max(1, std::min(slot.capacity - (slot.capacity > 2 ? 2 : 0), 3));
        for (int k = 0; k < fill; ++k) {
          const domain::Volunteer& v = volunteers[next_volunteer++ % volunteers.size()];
          store::Claim c;
          c.slot_id = slot.id;
          c.volunteer_id = v.id;
          c.status = AssignmentStatus::invited;
          if (sp.role == std::string("speaker")) {
            c.stance = items.empty() ? std::nullopt : std::optional(items.front().stance);
            // Spanish speakers testify in Spanish, through the interpreter.
            if (v.language == "es") c.needs_interpreter = "es";
          }
          domain::Assignment a = store::claim_slot(ctx, g.id, c);
          store::AssignmentPatch patch;
          int pick = static_cast<int>(assigned++ % 6);
          if (past) {
            patch.status = pick == 5 ? AssignmentStatus::no_show : AssignmentStatus::attended;
            if (sp.role == std::string("speaker") && pick != 5)
              patch.outcome = pick == 1 ? domain::Outcome::not_called
                              : pick == 3 ? domain::Outcome::time_ran_out
                                          : domain::Outcome::spoke;
          } else {
            patch.status = pick <= 2 ? AssignmentStatus::confirmed
                           : pick == 3 ? AssignmentStatus::invited
                           : pick == 4 ? AssignmentStatus::declined
                                       : AssignmentStatus::cancelled;
          }
          if (patch.status && *patch.status != AssignmentStatus::invited)
            store::update_assignment(ctx, g.id, a.id, patch);
        }
      }
      // Cancel after the assignments exist, as happens in life: the event
      // and the sequence bump are then real.
      if (plan.status == std::string("cancelled")) {
        domain::MeetingDraft cancel;
        cancel.status = "cancelled";
        store::update_meeting(ctx, g.id, m.id, cancel);
      }
    }
  } catch (...) {
    // Leave nothing half-made: the group's rows cascade away with it.
    db.write([&] { db.query("DELETE FROM \"group\" WHERE id = ?", g.id).run(); });
    throw;
  }
  result.created = true;
  return result;
}

}  // namespace turnout::cli
