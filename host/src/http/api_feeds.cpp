// Calendar feeds: the group's feed link, and the /feeds/... routes in the
// router (so 405 and the OpenAPI document know them). GET and HEAD of a
// feed are answered before routing, by Api::handle_feed (http/feeds.cpp);
// what reaches these handlers is a path of the wrong shape. A body's feed is
// published with PATCH /api/v1/bodies/{id} (api_meetings.cpp).
#include <boost/beast/http.hpp>

#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/feeds.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {
Outcome no_such_calendar(Call&) { throw Error(ErrorCode::not_found, "no such calendar"); }
}  // namespace

void add_feed_routes(Api& api) {
  api.add(bh_verb::post, "/api/v1/groups/current/feed-token", Access::coordinator,
          "A new link to the group's calendar (meetings and agenda, no person named); the old one stops working",
          [](Call& call) -> Outcome {
            auto group_id = call.group_id();
            auto public_url = call.api.public_url();
            return Deferred([group_id, public_url](const store::Context& ctx) {
              auto token = store::rotate_group_feed_token(ctx, group_id);
              return created(calendar_links(public_url, "/feeds/groups/" + token + ".ics"));
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
