// Public sign-up through a meeting's link: no account, no names shown.
#include <boost/beast/http.hpp>

#include "domain/rules.hpp"
#include "http/auth.hpp"
#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/assignments.hpp"
#include "store/meetings.hpp"
#include "store/signup.hpp"
#include "store/volunteers.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

std::string_view state_name(domain::SignupState s) {
  switch (s) {
    case domain::SignupState::open: return "open";
    case domain::SignupState::not_yet_open: return "not_yet_open";
    case domain::SignupState::closed: return "closed";
    case domain::SignupState::meeting_not_on: return "meeting_not_on";
  }
  return "closed";
}

// What the public may see of a meeting: when, where, what, and how many
// places are left on each slot. Never who holds them.
json public_meeting(store::Database& db, const domain::Meeting& m, domain::Time now) {
  domain::Body body = store::get_body(db, m.group_id, m.body_id);
  auto window = domain::signup_window(m, body.public_comment);
  json items = json::array();
  for (const auto& item : store::list_agenda_items(db, m.group_id, m.id))
    items.push_back({{"id", item.id}, {"number", item.number}, {"title", item.title},
                     {"stance", domain::to_string(item.stance)}});
  json slots = json::array();
  for (const auto& s : store::list_slots(db, m.group_id, m.id)) {
    int left = s.capacity - store::places_taken(db, s.id);
    slots.push_back({{"id", s.id},
                     {"role", s.role},
                     {"agenda_item_id", s.agenda_item_id ? json(*s.agenda_item_id) : json(nullptr)},
                     {"minutes", s.minutes},
                     {"mode", domain::to_string(s.mode)},
                     {"language", s.language},
                     {"places_left", std::max(0, left)}});
  }
  return {{"meeting",
           {{"title", m.title},
            {"body", body.name},
            {"starts_at", rfc3339(m.starts_at, m.timezone)},
            {"ends_at", rfc3339(m.ends_at, m.timezone)},
            {"timezone", m.timezone},
            {"location", m.location},
            {"remote_allowed", body.public_comment.remote_allowed},
            {"status", domain::to_string(m.status)}}},
          {"signup",
           {{"state", state_name(domain::signup_state(m, body.public_comment, now))},
            {"opens_at", window.opens ? json(rfc3339(*window.opens, m.timezone)) : json(nullptr)},
            {"closes_at", rfc3339(window.closes, m.timezone)}}},
          {"agenda_items", items},
          {"slots", slots}};
}

// A volunteer's private page: their upcoming places, in the meeting's own
// zone. Their name and language, never their phone or email: the link may
// be forwarded, and the page does not need them.
json private_page(store::Database& db, const domain::Volunteer& v, domain::Time now) {
  json places = json::array();
  std::vector<std::pair<domain::Time, json>> rows;
  for (const auto& a : store::list_assignments_for_volunteer(db, v.group_id, v.id)) {
    auto slot = store::get_slot(db, v.group_id, a.slot_id);
    auto m = store::get_meeting(db, v.group_id, slot.meeting_id);
    if (m.ends_at <= now) continue;
    json item = nullptr;
    if (slot.agenda_item_id)
      for (const auto& i : store::list_agenda_items(db, v.group_id, m.id))
        if (i.id == *slot.agenda_item_id) item = {{"number", i.number}, {"title", i.title}};
    domain::Body body = store::get_body(db, v.group_id, m.body_id);
    rows.emplace_back(m.starts_at,
                      json{{"id", a.id},
                           {"status", domain::to_string(a.status)},
                           {"slot", {{"role", slot.role}, {"minutes", slot.minutes}, {"mode", domain::to_string(slot.mode)}}},
                           {"agenda_item", item},
                           {"meeting",
                            {{"title", m.title},
                             {"body", body.name},
                             {"starts_at", rfc3339(m.starts_at, m.timezone)},
                             {"ends_at", rfc3339(m.ends_at, m.timezone)},
                             {"timezone", m.timezone},
                             {"location", m.location},
                             {"status", domain::to_string(m.status)}}}});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& [when, row] : rows) places.push_back(std::move(row));
  return {{"volunteer", {{"name", v.name}, {"language", v.language}}}, {"assignments", places}};
}

domain::Volunteer volunteer_by_manage_token(store::Database& db, const std::string& token) {
  auto v = store::find_volunteer_by_manage_token(db, token);
  if (!v) throw not_found("link");
  return *v;
}

// Confirm or cancel one of the volunteer's own places.
Outcome set_own_status(Call& call, domain::AssignmentStatus status) {
  std::string token = call.params.at(0);
  auto id = call.id(1);
  return Deferred([token, id, status](const store::Context& ctx) {
    return ctx.db.write([&] {
      auto v = volunteer_by_manage_token(ctx.db, token);
      auto a = store::get_assignment(ctx.db, v.group_id, id);
      if (a.volunteer_id != v.id) throw not_found("assignment");
      store::Context as_volunteer{ctx.db, ctx.clock, domain::Actor::volunteer(v.id)};
      store::AssignmentPatch patch;
      patch.status = status;
      a = store::update_assignment(as_volunteer, v.group_id, id, patch);
      return ok({{"id", a.id}, {"status", domain::to_string(a.status)}});
    });
  });
}

}  // namespace

void add_public_routes(Api& api) {
  api.add(bh_verb::get, "/api/v1/public/signup/{token}", Access::open,
          "A meeting's open places, for the public sign-up page (no names)", [](Call& call) -> Outcome {
            auto m = store::find_meeting_by_signup_token(call.db, call.params.at(0));
            if (!m) throw not_found("sign-up link");
            return ok(public_meeting(call.db, *m, call.api.clock().now()));
          });
  api.add(bh_verb::post, "/api/v1/public/signup/{token}", Access::open,
          "Sign up for a slot: name, phone, slot_id; 409 when full or closed", [](Call& call) -> Outcome {
            if (auto wait = call.api.public_signup_limit().take(call.peer.address))
              return Answer{beast_http::status::too_many_requests,
                            json{{"error", {{"code", "rate_limited"}, {"message", "too many sign-ups from here; wait a minute"}}}},
                            {{"Retry-After", std::to_string(*wait)}}};
            const auto body = call.json();
            JsonReader r(body, {"slot_id", "name", "phone", "email", "language", "sms_opt_in", "email_opt_in",
                                       "needs_interpreter"});
            store::PublicSignup s;
            auto slot = r.id("slot_id");
            if (!slot) throw invalid("slot_id", "which slot: slot_id");
            s.slot_id = *slot;
            s.person.name = r.string("name");
            if (!s.person.name || s.person.name->empty()) throw invalid("name", "your name, please");
            s.person.phone = r.string("phone");
            s.person.email = r.string("email");
            s.person.language = r.string("language");
            s.person.sms_opt_in = r.boolean("sms_opt_in");
            s.person.email_opt_in = r.boolean("email_opt_in");
            s.needs_interpreter = r.string("needs_interpreter").value_or("");
            std::string token = call.params.at(0);
            auto public_url = call.api.public_url();
            return Deferred([s, token, public_url](const store::Context& ctx) {
              auto result = store::sign_up_publicly(ctx, token, s);
              json links = nullptr;
              if (result.manage_token && result.feed_token)
                links = {{"manage_url", public_url + "/me/" + *result.manage_token},
                         {"feed", feed_links(public_url, *result.feed_token)}};
              return created({{"links", links},
                              {"assignment",
                               {{"id", result.assignment.id},
                                {"slot_id", result.assignment.slot_id},
                                {"status", domain::to_string(result.assignment.status)}}},
                              {"meeting",
                               {{"title", result.meeting.title},
                                {"starts_at", rfc3339(result.meeting.starts_at, result.meeting.timezone)},
                                {"timezone", result.meeting.timezone},
                                {"location", result.meeting.location}}}});
            });
          });

  // A volunteer's private page (/me/{token}). The token is the key, as for
  // the sign-up link; it reaches one volunteer's own places and nothing else.
  api.add(bh_verb::get, "/api/v1/public/me/{token}", Access::open,
          "A volunteer's own page: their upcoming places (no contact data)", [](Call& call) -> Outcome {
            auto v = volunteer_by_manage_token(call.db, call.params.at(0));
            return ok(private_page(call.db, v, call.api.clock().now()));
          });
  api.add(bh_verb::post, "/api/v1/public/me/{token}/assignments/{id}/confirm", Access::open,
          "Confirm one of your own places", [](Call& call) -> Outcome {
            return set_own_status(call, domain::AssignmentStatus::confirmed);
          });
  api.add(bh_verb::post, "/api/v1/public/me/{token}/assignments/{id}/cancel", Access::open,
          "Cancel one of your own places; it goes back to the pool", [](Call& call) -> Outcome {
            return set_own_status(call, domain::AssignmentStatus::cancelled);
          });
  api.add(bh_verb::post, "/api/v1/public/me/{token}/feed-token", Access::open,
          "A new personal calendar link; the old one stops working", [](Call& call) -> Outcome {
            std::string token = call.params.at(0);
            auto public_url = call.api.public_url();
            return Deferred([token, public_url](const store::Context& ctx) {
              return ctx.db.write([&] {
                auto v = volunteer_by_manage_token(ctx.db, token);
                store::Context as_volunteer{ctx.db, ctx.clock, domain::Actor::volunteer(v.id)};
                return created(feed_links(public_url, store::rotate_feed_token(as_volunteer, v.group_id, v.id)));
              });
            });
          });
  api.add(bh_verb::delete_, "/api/v1/public/me/{token}", Access::open,
          "Erase my data for good: contact data gone, places ahead freed", [](Call& call) -> Outcome {
            std::string token = call.params.at(0);
            return Deferred([token](const store::Context& ctx) {
              ctx.db.write([&] {
                auto v = volunteer_by_manage_token(ctx.db, token);
                store::Context as_volunteer{ctx.db, ctx.clock, domain::Actor::volunteer(v.id)};
                store::erase_volunteer(as_volunteer, v.group_id, v.id);
              });
              return no_content();
            });
          });
}

}  // namespace turnout::http
