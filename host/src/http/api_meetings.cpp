// Bodies, meetings, agenda items and slots.
#include <boost/beast/http.hpp>

#include "domain/time.hpp"
#include "http/json.hpp"
#include "http/paging.hpp"
#include "http/qr.hpp"
#include "store/assignments.hpp"
#include "store/meetings.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

json slot_json(store::Database& db, const domain::Slot& s) {
  json out = to_json(s);
  out["taken"] = store::places_taken(db, s.id);
  return out;
}

// Meetings page by (starts_at, id), so the cursor carries both.
std::optional<std::pair<std::int64_t, domain::Id>> meeting_cursor(const Call& call) {
  auto v = call.query_value("cursor");
  if (!v || v->empty()) return std::nullopt;
  auto dot = v->find('.');
  if (dot != std::string::npos) {
    auto start = parse_count(std::string_view(*v).substr(0, dot));
    auto id = parse_count(std::string_view(*v).substr(dot + 1));
    if (start && id) return std::pair{*start, *id};
  }
  throw invalid("cursor", "this cursor was not given by this list");
}

}  // namespace

void add_meeting_routes(Api& api) {
  api.add(bh_verb::get, "/api/v1/bodies", Access::viewer, "Bodies your group follows", [](Call& call) -> Outcome {
    json items = json::array();
    auto url = call.api.public_url();
    for (const auto& b : store::list_bodies(call.db, call.group_id())) items.push_back(to_json(b, url));
    return ok({{"items", items}, {"next", nullptr}});
  });
  api.add(bh_verb::post, "/api/v1/bodies", Access::coordinator, "Add a body and its public-comment rules",
          [](Call& call) -> Outcome {
            auto draft = body_draft(call.json());
            auto group = call.group();
            domain::validate_body(draft, group);
            auto url = call.api.public_url();
            return Deferred([draft, group, url](const store::Context& ctx) {
              return created(to_json(store::create_body(ctx, group, draft), url));
            });
          });
  api.add(bh_verb::get, "/api/v1/bodies/{id}", Access::viewer, "One body", [](Call& call) -> Outcome {
    return ok(to_json(store::get_body(call.db, call.group_id(), call.id(0)), call.api.public_url()));
  });
  api.add(bh_verb::patch, "/api/v1/bodies/{id}", Access::coordinator,
          "Change a body: any of its fields and public-comment rules, or publish its calendar (feed_public)",
          [](Call& call) -> Outcome {
            auto draft = body_draft(call.json());
            auto group_id = call.group_id();
            auto id = call.id(0);
            auto url = call.api.public_url();
            return Deferred([draft, group_id, id, url](const store::Context& ctx) {
              return ok(to_json(store::update_body(ctx, group_id, id, draft), url));
            });
          });

  api.add(bh_verb::get, "/api/v1/meetings", Access::viewer,
          "Meetings by start time (?from=&to= RFC 3339, ?status=, ?body_id=)", [](Call& call) -> Outcome {
            store::MeetingFilter f;
            f.limit = page_limit(call);
            if (auto v = call.query_value("from")) f.from = domain::parse_rfc3339(*v, "from");
            if (auto v = call.query_value("to")) f.to = domain::parse_rfc3339(*v, "to");
            if (auto v = call.query_value("status")) {
              f.status = domain::parse_meeting_status(*v);
              if (!f.status) throw invalid("status", "status is one of tentative, confirmed, cancelled, postponed");
            }
            f.body_id = query_id(call, "body_id");
            f.after = meeting_cursor(call);
            auto rows = store::list_meetings(call.db, call.group_id(), f);
            auto url = call.api.public_url();
            return ok(page_of(rows, f.limit, [&](const auto& m) { return to_json(m, url); }, [](const auto& m) {
              return std::to_string(store::to_seconds(m.starts_at)) + "." + std::to_string(m.id);
            }));
          });
  api.add(bh_verb::post, "/api/v1/meetings", Access::coordinator, "Add a meeting", [](Call& call) -> Outcome {
    auto draft = meeting_draft(call.json(), true);
    auto group_id = call.group_id();
    domain::validate_meeting(draft, store::get_body(call.db, group_id, *draft.body_id));
    auto url = call.api.public_url();
    return Deferred([draft, group_id, url](const store::Context& ctx) {
      return created(to_json(store::create_meeting(ctx, group_id, draft), url));
    });
  });
  api.add(bh_verb::get, "/api/v1/meetings/{id}", Access::viewer, "One meeting", [](Call& call) -> Outcome {
    return ok(to_json(store::get_meeting(call.db, call.group_id(), call.id(0)), call.api.public_url()));
  });
  api.add(bh_verb::patch, "/api/v1/meetings/{id}", Access::coordinator,
          "Change a meeting; moving or cancelling it raises its sequence and tells plugins", [](Call& call) -> Outcome {
            auto draft = meeting_draft(call.json(), false);
            auto group_id = call.group_id();
            auto id = call.id(0);
            auto url = call.api.public_url();
            return Deferred([draft, group_id, id, url](const store::Context& ctx) {
              return ok(to_json(store::update_meeting(ctx, group_id, id, draft), url));
            });
          });
  api.add(bh_verb::post, "/api/v1/meetings/{id}/signup-link", Access::coordinator,
          "A new public sign-up link; the old one stops working", [](Call& call) -> Outcome {
            auto group_id = call.group_id();
            auto id = call.id(0);
            auto url = call.api.public_url();
            return Deferred([group_id, id, url](const store::Context& ctx) {
              store::rotate_signup_token(ctx, group_id, id);
              return created(to_json(store::get_meeting(ctx.db, group_id, id), url));
            });
          });

  api.add(bh_verb::delete_, "/api/v1/meetings/{id}/signup-link", Access::coordinator,
          "Turn public sign-up off: the link stops working until a new one is made", [](Call& call) -> Outcome {
            auto group_id = call.group_id();
            auto id = call.id(0);
            auto url = call.api.public_url();
            return Deferred([group_id, id, url](const store::Context& ctx) {
              store::close_signup_link(ctx, group_id, id);
              return ok(to_json(store::get_meeting(ctx.db, group_id, id), url));
            });
          });
  api.add(bh_verb::get, "/api/v1/meetings/{id}/signup-qr.svg", Access::viewer,
          "The public sign-up link as a QR code (SVG), drawn by the daemon", [](Call& call) -> Outcome {
            auto m = store::get_meeting(call.db, call.group_id(), call.id(0));
            if (m.signup_token.empty()) throw Error(ErrorCode::not_found, "public sign-up is off for this meeting");
            auto svg = qr_svg(call.api.public_url() + "/signup/" + m.signup_token, "QR code: " + m.title);
            return Answer{beast_http::status::ok, json(std::move(svg)),
                          {{"Content-Type", "image/svg+xml"}, {"Content-Security-Policy", "default-src 'none'"}}};
          });

  api.add(bh_verb::get, "/api/v1/meetings/{id}/agenda-items", Access::viewer, "A meeting's agenda items",
          [](Call& call) -> Outcome {
            json items = json::array();
            for (const auto& i : store::list_agenda_items(call.db, call.group_id(), call.id(0)))
              items.push_back(to_json(i));
            return ok({{"items", items}, {"next", nullptr}});
          });
  api.add(bh_verb::post, "/api/v1/meetings/{id}/agenda-items", Access::coordinator, "Add an agenda item",
          [](Call& call) -> Outcome {
            auto draft = agenda_item_draft(call.json());
            domain::validate_agenda_item(draft);
            auto group_id = call.group_id();
            auto id = call.id(0);
            return Deferred([draft, group_id, id](const store::Context& ctx) {
              return created(to_json(store::create_agenda_item(ctx, group_id, id, draft)));
            });
          });

  api.add(bh_verb::get, "/api/v1/meetings/{id}/slots", Access::viewer, "A meeting's slots, with places taken",
          [](Call& call) -> Outcome {
            json items = json::array();
            for (const auto& s : store::list_slots(call.db, call.group_id(), call.id(0)))
              items.push_back(slot_json(call.db, s));
            return ok({{"items", items}, {"next", nullptr}});
          });
  api.add(bh_verb::post, "/api/v1/meetings/{id}/slots", Access::coordinator,
          "Open a slot: role, minutes, capacity, order, mode, language, agenda item", [](Call& call) -> Outcome {
            auto draft = slot_draft(call.json());
            auto group_id = call.group_id();
            auto id = call.id(0);
            return Deferred([draft, group_id, id](const store::Context& ctx) {
              return created(slot_json(ctx.db, store::create_slot(ctx, group_id, id, draft)));
            });
          });
  api.add(bh_verb::get, "/api/v1/slots/{id}", Access::viewer, "One slot", [](Call& call) -> Outcome {
    return ok(slot_json(call.db, store::get_slot(call.db, call.group_id(), call.id(0))));
  });
  api.add(bh_verb::patch, "/api/v1/slots/{id}", Access::coordinator, "Move a slot in the speaking order (order)",
          [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"order"});
            auto order = r.integer("order");
            if (!order) throw invalid("order", "the slot's place in the speaking order: order");
            auto group_id = call.group_id();
            auto id = call.id(0);
            return Deferred([group_id, id, order = *order](const store::Context& ctx) {
              return ok(slot_json(ctx.db, store::set_slot_order(ctx, group_id, id, order)));
            });
          });
}

}  // namespace turnout::http
