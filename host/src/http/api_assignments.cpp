// Assignments: who holds a place on which slot.
#include <boost/beast/http.hpp>

#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/assignments.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

template <typename T, typename Parse>
std::optional<T> parse_enum(const JsonReader& r, std::string_view field, Parse parse, const char* names) {
  auto v = r.string(field);
  if (!v) return std::nullopt;
  auto parsed = parse(*v);
  if (!parsed) throw invalid(std::string(field), std::string(field) + " is one of " + names);
  return parsed;
}

constexpr const char* kStatuses = "invited, confirmed, declined, cancelled, attended, no_show";

}  // namespace

void add_assignment_routes(Api& api) {
  api.add(bh_verb::get, "/api/v1/slots/{id}/assignments", Access::viewer, "Who is on a slot",
          [](Call& call) -> Outcome {
            json items = json::array();
            for (const auto& a : store::list_assignments_for_slot(call.db, call.group_id(), call.id(0)))
              items.push_back(to_json(a));
            return ok({{"items", items}, {"next", nullptr}});
          });
  api.add(bh_verb::post, "/api/v1/slots/{id}/assignments", Access::coordinator,
          "Place a volunteer on a slot; 409 full or conflict (an overlap, unless force)", [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"volunteer_id", "force", "status", "stance", "needs_interpreter", "join_url"});
            store::Claim c;
            c.slot_id = call.id(0);
            auto volunteer = r.id("volunteer_id");
            if (!volunteer) throw invalid("volunteer_id", "which volunteer: volunteer_id");
            c.volunteer_id = *volunteer;
            c.force = r.boolean("force").value_or(false);
            if (auto s = parse_enum<domain::AssignmentStatus>(r, "status", domain::parse_assignment_status, kStatuses))
              c.status = *s;
            c.stance = parse_enum<domain::Stance>(r, "stance", domain::parse_stance, "support, oppose, neutral");
            c.needs_interpreter = r.string("needs_interpreter").value_or("");
            c.join_url = r.string("join_url").value_or("");
            auto group_id = call.group_id();
            return Deferred(
                [c, group_id](const store::Context& ctx) { return created(to_json(store::claim_slot(ctx, group_id, c))); });
          });
  api.add(bh_verb::get, "/api/v1/assignments/{id}", Access::viewer, "One assignment", [](Call& call) -> Outcome {
    return ok(to_json(store::get_assignment(call.db, call.group_id(), call.id(0))));
  });
  api.add(bh_verb::patch, "/api/v1/assignments/{id}", Access::coordinator,
          "Change status, outcome, stance, interpreter or join link", [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"status", "outcome", "stance", "needs_interpreter", "join_url", "force"});
            store::AssignmentPatch p;
            p.status = parse_enum<domain::AssignmentStatus>(r, "status", domain::parse_assignment_status, kStatuses);
            if (r.has("outcome")) {
              auto v = r.string("outcome").value_or("");
              p.outcome = v.empty() ? std::optional<domain::Outcome>() : domain::parse_outcome(v);
              if (!v.empty() && !*p.outcome)
                throw invalid("outcome", "outcome is one of spoke, not_called, time_ran_out, written_submitted");
            }
            if (r.has("stance")) {
              auto v = r.string("stance").value_or("");
              p.stance = v.empty() ? std::optional<domain::Stance>() : domain::parse_stance(v);
              if (!v.empty() && !*p.stance) throw invalid("stance", "stance is one of support, oppose, neutral");
            }
            p.needs_interpreter = r.string("needs_interpreter");
            p.join_url = r.string("join_url");
            p.force = r.boolean("force").value_or(false);
            auto group_id = call.group_id();
            auto id = call.id(0);
            return Deferred([p, group_id, id](const store::Context& ctx) {
              return ok(to_json(store::update_assignment(ctx, group_id, id, p)));
            });
          });
}

}  // namespace turnout::http
