// Calendar feeds: the group's feed link, and the /feeds/... routes in the
// router (so 405 and the OpenAPI document know them). GET and HEAD of a
// feed are answered before routing, by Api::handle_feed (http/feeds.cpp);
// what reaches these handlers is a path of the wrong shape.
#include <boost/beast/http.hpp>

#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/feeds.hpp"
#include "store/meetings.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

// https for apps that take a link, webcal for one-tap subscribe.
json group_feed_links(const std::string& public_url, const std::string& token) {
  std::string url = public_url + "/feeds/groups/" + token + ".ics";
  std::string webcal = url;
  auto scheme = webcal.find("://");
  if (scheme != std::string::npos) webcal = "webcal" + webcal.substr(scheme);
  return {{"url", url}, {"webcal_url", webcal}};
}

Outcome no_such_calendar(Call&) { throw Error(ErrorCode::not_found, "no such calendar"); }

}  // namespace

void add_feed_routes(Api& api) {
  api.add(bh_verb::patch, "/api/v1/bodies/{id}", Access::coordinator,
          "Publish or withdraw the body's public calendar feed (feed_public)", [](Call& call) -> Outcome {
            auto body = call.json();
            JsonReader r(body, {"feed_public"});
            auto feed_public = r.boolean("feed_public");
            if (!feed_public) throw invalid("feed_public", "send feed_public: true or false");
            auto group_id = call.group_id();
            auto id = call.id(0);
            return Deferred([group_id, id, published = *feed_public](const store::Context& ctx) {
              store::set_body_feed_public(ctx, group_id, id, published);
              return ok(to_json(store::get_body(ctx.db, group_id, id)));
            });
          });
  api.add(bh_verb::post, "/api/v1/groups/current/feed-token", Access::coordinator,
          "A new link to the group's calendar (meetings and agenda, no person named); the old one stops working",
          [](Call& call) -> Outcome {
            auto group_id = call.group_id();
            auto public_url = call.api.public_url();
            return Deferred([group_id, public_url](const store::Context& ctx) {
              return created(group_feed_links(public_url, store::rotate_group_feed_token(ctx, group_id)));
            });
          });
  api.add(bh_verb::get, "/feeds/volunteers/{token}.ics", Access::open,
          "A volunteer's own calendar: their assignments and deadlines (iCalendar)", no_such_calendar);
  api.add(bh_verb::get, "/feeds/groups/{token}.ics", Access::open,
          "The group's calendar: upcoming meetings and agenda items, no person named (iCalendar)", no_such_calendar);
  api.add(bh_verb::get, "/feeds/bodies/{id}.ics", Access::open,
          "A body's public calendar, when its group published it (iCalendar)", no_such_calendar);
}

}  // namespace turnout::http
