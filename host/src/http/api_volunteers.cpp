// Volunteers: list, create, read, change, erase, and their calendar link.
#include <boost/beast/http.hpp>

#include <sstream>

#include "cli/csv_volunteers.hpp"
#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/assignments.hpp"
#include "store/groups.hpp"
#include "store/volunteers.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

void add_volunteer_routes(Api& api) {
  api.add(bh_verb::get, "/api/v1/volunteers", Access::viewer, "Volunteers of your group (?q= part of a name, ?tag=)",
          [](Call& call) -> Outcome {
            store::VolunteerFilter f;
            f.limit = page_limit(call);
            f.after_id = page_after_id(call);
            f.q = call.query_value("q").value_or("");
            f.tag = call.query_value("tag").value_or("");
            auto rows = store::list_volunteers(call.db, call.group_id(), f);
            return ok(page_of(rows, f.limit, [](const auto& v) { return to_json(v); },
                              [](const auto& v) { return std::to_string(v.id); }));
          });
  api.add(bh_verb::post, "/api/v1/volunteers", Access::coordinator, "Add a volunteer", [](Call& call) -> Outcome {
    auto draft = volunteer_draft(call.json());
    auto group = call.group();
    // Check on this thread, so a bad phone never waits for the writer.
    domain::validate_volunteer(draft, group);
    return Deferred([draft, group](const store::Context& ctx) {
      return created(to_json(store::create_volunteer(ctx, group, draft)));
    });
  });
  // Before /volunteers/{id}: the router takes the first pattern that fits.
  api.add(bh_verb::get, "/api/v1/volunteers/export.csv", Access::coordinator,
          "Every volunteer as CSV, the columns the import reads", [](Call& call) -> Outcome {
            std::ostringstream out;
            cli::export_volunteers_csv(call.db, call.group(), out);
            return Answer{beast_http::status::ok, json(out.str()),
                          {{"Content-Type", "text/csv; charset=utf-8"},
                           {"Content-Disposition", "attachment; filename=\"volunteers.csv\""}}};
          });
  api.add(bh_verb::post, "/api/v1/volunteers/import", Access::coordinator,
          "Import volunteers from CSV, all rows or none; dry_run checks and names bad lines", [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"csv", "dry_run"});
            auto csv = r.string("csv");
            if (!csv || csv->empty()) throw invalid("csv", "the CSV text, header line first");
            bool dry_run = r.boolean("dry_run").value_or(false);
            auto group = call.group();
            return Deferred([csv = *csv, dry_run, group](const store::Context& ctx) {
              struct DryRun {};
              std::size_t n = 0;
              try {
                // A dry run imports inside a savepoint and then rolls it back.
                ctx.db.write([&] {
                  n = cli::import_volunteers_csv(ctx, group, csv);
                  if (dry_run) throw DryRun{};
                });
              } catch (const DryRun&) {
              } catch (const cli::CsvImportError& e) {
                return Answer{beast_http::status::unprocessable_entity,
                              json{{"error",
                                    {{"code", "invalid"},
                                     {"message", "the file was refused; nothing was imported"},
                                     {"field", "csv"},
                                     {"problems", e.problems()}}}},
                              {}};
              }
              return ok({{"imported", dry_run ? 0 : n}, {"valid_rows", n}, {"dry_run", dry_run}});
            });
          });
  api.add(bh_verb::get, "/api/v1/volunteers/{id}", Access::viewer, "One volunteer", [](Call& call) -> Outcome {
    return ok(to_json(store::get_volunteer(call.db, call.group_id(), call.id(0))));
  });
  api.add(bh_verb::patch, "/api/v1/volunteers/{id}", Access::coordinator, "Change what the body names",
          [](Call& call) -> Outcome {
            auto draft = volunteer_draft(call.json());
            auto group = call.group();
            auto id = call.id(0);
            return Deferred([draft, group, id](const store::Context& ctx) {
              return ok(to_json(store::update_volunteer(ctx, group, id, draft)));
            });
          });
  api.add(bh_verb::delete_, "/api/v1/volunteers/{id}", Access::coordinator,
          "Erase a volunteer's contact data for good; counts stay", [](Call& call) -> Outcome {
            auto group_id = call.group_id();
            auto id = call.id(0);
            return Deferred([group_id, id](const store::Context& ctx) {
              store::erase_volunteer(ctx, group_id, id);
              return no_content();
            });
          });
  api.add(bh_verb::post, "/api/v1/volunteers/{id}/feed-token", Access::coordinator,
          "A new personal calendar link; the old one stops working", [](Call& call) -> Outcome {
            auto group_id = call.group_id();
            auto id = call.id(0);
            auto public_url = call.api.public_url();
            return Deferred([group_id, id, public_url](const store::Context& ctx) {
              return created(feed_links(public_url, store::rotate_feed_token(ctx, group_id, id)));
            });
          });
  api.add(bh_verb::get, "/api/v1/volunteers/{id}/assignments", Access::viewer, "A volunteer's assignments",
          [](Call& call) -> Outcome {
            json items = json::array();
            for (const auto& a : store::list_assignments_for_volunteer(call.db, call.group_id(), call.id(0)))
              items.push_back(to_json(a));
            return ok({{"items", items}, {"next", nullptr}});
          });
}

}  // namespace turnout::http
