// Health, metrics, the OpenAPI document, and the group's own settings,
// outbox and audit log.
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "http/json.hpp"
#include "http/metrics.hpp"
#include "http/paging.hpp"
#include "store/groups.hpp"
#include "store/journal.hpp"
#include "store/writer.hpp"

namespace turnout::http {

std::string_view openapi_document();  // generated from host/src/http/openapi.json

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

Answer text(std::string body, std::string content_type) {
  return {beast_http::status::ok, json(std::move(body)), {{"Content-Type", std::move(content_type)}}};
}

json group_json(const Call& call) {
  json out = to_json(call.group());
  json rules = json::array();
  for (const auto& r : store::reminder_rules(call.db, call.group_id()))
    rules.push_back({{"offset_minutes", r.offset_minutes}, {"channel", r.channel}});
  out["reminders"] = rules;
  return out;
}

}  // namespace

void add_system_routes(Api& api) {
  api.add(bh_verb::get, "/healthz", Access::open, "Is the database reachable", [](Call& call) -> Outcome {
    auto q = call.db.query("PRAGMA user_version");
    q.step();
    return ok({{"status", "ok"}, {"schema_version", q.integer(0)}});
  });

  api.add(bh_verb::get, "/metrics", Access::open, "Prometheus metrics (no personal data)", [](Call& call) -> Outcome {
    std::string extra;
    auto q = call.db.query("SELECT status, count(*) FROM outbox_message WHERE status IN ('pending', 'sending') "
                           "GROUP BY status");
    std::map<std::string, std::int64_t> depth{{"pending", 0}, {"sending", 0}};
    while (q.step()) depth[q.text(0)] = q.int64(1);
    extra += "# HELP turnout_outbox_depth Messages waiting to go out.\n# TYPE turnout_outbox_depth gauge\n";
    for (const auto& [status, n] : depth) extra += fmt::format("turnout_outbox_depth{{status=\"{}\"}} {}\n", status, n);
    extra += "# HELP turnout_write_queue Writes waiting for the next commit.\n# TYPE turnout_write_queue gauge\n";
    extra += fmt::format("turnout_write_queue {}\n", call.api.writer().queued());
    auto stats = call.api.writer().stats();
    extra += "# TYPE turnout_write_batches_total counter\n";
    extra += fmt::format("turnout_write_batches_total {}\nturnout_write_jobs_total {}\n", stats.batches, stats.jobs);
    return text(call.api.metrics().render(extra), "text/plain; version=0.0.4; charset=utf-8");
  });

  api.add(bh_verb::get, "/api/v1/openapi.json", Access::open, "This API, described in OpenAPI 3.1",
          [](Call&) -> Outcome { return text(std::string(openapi_document()), "application/json"); });

  api.add(bh_verb::get, "/api/v1/groups/current", Access::viewer, "Your group and its reminder rules",
          [](Call& call) -> Outcome { return ok(group_json(call)); });

  api.add(bh_verb::put, "/api/v1/groups/current/reminders", Access::coordinator,
          "Set when reminders go out: minutes before each meeting, on which channels", [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"offsets_minutes", "channels"});
            auto offsets = r.integers("offsets_minutes");
            if (!offsets) throw invalid("offsets_minutes", "a list of minutes before the meeting, e.g. [2880, 180]");
            auto channels = r.strings("channels").value_or(std::vector<std::string>{"sms", "email"});
            auto group_id = call.group_id();
            return Deferred([group_id, offsets = *offsets, channels](const store::Context& ctx) {
              store::set_reminder_rules(ctx, group_id, offsets, channels);
              json rules = json::array();
              for (const auto& rule : store::reminder_rules(ctx.db, group_id))
                rules.push_back({{"offset_minutes", rule.offset_minutes}, {"channel", rule.channel}});
              return ok({{"reminders", rules}});
            });
          });

  api.add(bh_verb::get, "/api/v1/outbox", Access::viewer, "Messages and what became of them (?status=)",
          [](Call& call) -> Outcome {
            int limit = page_limit(call);
            auto after = page_after_id(call);
            auto status = call.query_value("status").value_or("");
            static const std::vector<std::string> known{"pending",   "sending",   "sent",      "delivered",
                                                        "failed",    "cancelled", "suppressed"};
            if (!status.empty() && std::find(known.begin(), known.end(), status) == known.end())
              throw invalid("status", "status is one of pending, sending, sent, delivered, failed, cancelled, suppressed");
            auto q = call.db.query(
                "SELECT id, channel, plugin, volunteer_id, account_id, subject, body, due_at, status, attempts, "
                "last_error, provider_id, created_at, updated_at FROM outbox_message WHERE group_id = ?1 AND id > ?2 "
                "AND (?3 = '' OR status = ?3) ORDER BY id LIMIT ?4",
                call.group_id(), after, status, limit);
            std::vector<json> rows;
            while (q.step())
              rows.push_back({{"id", q.int64(0)},
                              {"channel", q.text(1)},
                              {"plugin", q.text(2)},
                              {"volunteer_id", q.is_null(3) ? json(nullptr) : json(q.int64(3))},
                              {"account_id", q.is_null(4) ? json(nullptr) : json(q.int64(4))},
                              {"subject", q.text(5)},
                              {"body", q.text(6)},
                              {"due_at", domain::format_rfc3339_utc(store::to_time(q.int64(7)))},
                              {"status", q.text(8)},
                              {"attempts", q.int64(9)},
                              {"last_error", q.text(10)},
                              {"provider_id", q.text(11)}});
            return ok(page_of(rows, limit, [](const json& j) { return j; }, [](const json& j) {
              return std::to_string(j["id"].get<std::int64_t>());
            }));
          });

  api.add(bh_verb::get, "/api/v1/audit", Access::coordinator, "Who did what (ids only, never contact data)",
          [](Call& call) -> Outcome {
            int limit = page_limit(call);
            auto after = page_after_id(call);
            auto q = call.db.query(
                "SELECT id, at, actor_kind, actor_id, actor_name, action, entity_kind, entity_id, detail "
                "FROM audit_entry WHERE group_id = ? AND id > ? ORDER BY id LIMIT ?",
                call.group_id(), after, limit);
            std::vector<json> rows;
            while (q.step())
              rows.push_back({{"id", q.int64(0)},
                              {"at", domain::format_rfc3339_utc(store::to_time(q.int64(1)))},
                              {"actor", {{"kind", q.text(2)},
                                         {"id", q.is_null(3) ? json(nullptr) : json(q.int64(3))},
                                         {"name", q.text(4)}}},
                              {"action", q.text(5)},
                              {"entity", {{"kind", q.text(6)}, {"id", q.is_null(7) ? json(nullptr) : json(q.int64(7))}}},
                              {"detail", json::parse(q.text(8))}});
            return ok(page_of(rows, limit, [](const json& j) { return j; }, [](const json& j) {
              return std::to_string(j["id"].get<std::int64_t>());
            }));
          });
}

}  // namespace turnout::http
