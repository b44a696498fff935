// Health, metrics, the OpenAPI document, and the group's own settings,
// outbox and audit log.
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/json.hpp"
#include "http/metrics.hpp"
#include "http/paging.hpp"
#include "plugins/dispatch.hpp"
#include "plugins/loader.hpp"
#include "store/groups.hpp"
#include "store/journal.hpp"
#include "store/migrations.hpp"
#include "store/delivery.hpp"
#include "store/outbox.hpp"
#include "store/writer.hpp"

namespace turnout::http {

std::string_view openapi_document();  // generated from host/src/http/openapi.json

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

Answer text(std::string body, std::string content_type) {
  return {beast_http::status::ok, json(std::move(body)), {{"Content-Type", std::move(content_type)}}};
}

// The group's own reply words by what they do (the standard ones are not listed).
json reply_words_json(store::Database& db, domain::Id group_id) {
  json out = {{"opt_out", json::array()}, {"opt_in", json::array()}, {"help", json::array()},
              {"confirm", json::array()}, {"decline", json::array()}};
  for (const auto& k : store::reply_keywords(db, group_id))
    out[std::string(domain::to_string(k.action))].push_back(k.word);
  return out;
}

json group_json(store::Database& db, const domain::Group& group) {
  json out = to_json(group);
  json rules = json::array();
  for (const auto& r : store::reminder_rules(db, group.id))
    rules.push_back({{"offset_minutes", r.offset_minutes}, {"channel", r.channel}});
  out["reminders"] = rules;
  out["reply_words"] = reply_words_json(db, group.id);
  return out;
}

}  // namespace

void add_system_routes(Api& api) {
  api.add(bh_verb::get, "/healthz", Access::open, "Is the database reachable", [](Call& call) -> Outcome {
    try {
      return ok({{"status", "ok"}, {"schema_version", store::schema_version(call.db)}});
    } catch (const std::exception& e) {
      spdlog::error("health check: the database is unreachable: {}", e.what());
      return Answer{beast_http::status::service_unavailable, {{"status", "unavailable"}}, {}};
    }
  });

  api.add(bh_verb::get, "/metrics", Access::open, "Prometheus metrics (no personal data)", [](Call& call) -> Outcome {
    std::string extra;
    auto depth = store::outbox_depth(call.db);
    extra += "# HELP turnout_outbox_depth Messages waiting to go out.\n# TYPE turnout_outbox_depth gauge\n";
    extra += fmt::format("turnout_outbox_depth{{status=\"pending\"}} {}\nturnout_outbox_depth{{status=\"sending\"}} {}\n",
                         depth.pending, depth.sending);
    extra += "# HELP turnout_write_queue Writes waiting for the next commit.\n# TYPE turnout_write_queue gauge\n";
    extra += fmt::format("turnout_write_queue {}\n", call.api.writer().queued());
    auto stats = call.api.writer().stats();
    extra += "# TYPE turnout_write_batches_total counter\n";
    extra += fmt::format("turnout_write_batches_total {}\nturnout_write_jobs_total {}\n", stats.batches, stats.jobs);
    return text(call.api.metrics().render(extra), "text/plain; version=0.0.4; charset=utf-8");
  });

  api.add(bh_verb::get, "/api/v1/openapi.json", Access::open, "This API, described in OpenAPI 3.1",
          [](Call&) -> Outcome { return text(std::string(openapi_document()), "application/json"); });

  api.add(bh_verb::get, "/api/v1/plugins", Access::viewer, "Plugins found: running, refused or failed, and why",
          [](Call& call) -> Outcome {
            json items = json::array();
            if (const auto* set = call.api.plugin_set()) {
              for (const auto& p : set->list())
                items.push_back({{"name", p.name},
                                 {"version", p.version},
                                 {"description", p.description},
                                 {"capabilities", plugins::capability_names(p.capabilities)},
                                 {"config_keys", p.config_keys},
                                 {"file", p.file.filename().string()},
                                 {"state", p.state},
                                 {"reason", p.reason}});
            }
            return ok({{"items", items}, {"next", nullptr}});
          });

  api.add(bh_verb::post, "/api/v1/digests/run", Access::coordinator,
          "Compose and send your group's digests now (each person gets one per period)", [](Call& call) -> Outcome {
            auto* digests = call.api.digests();
            auto names = digests ? digests->run(call.group_id()) : std::vector<std::string>{};
            if (names.empty()) throw Error(ErrorCode::conflict, "no plugin that sends digests is running");
            auto group_id = call.group_id();
            return Deferred([group_id, names](const store::Context& ctx) {
              store::audit(ctx, group_id, "digests.run", "group", group_id, {{"plugins", names}});
              return Answer{beast_http::status::accepted, {{"plugins", names}}, {}};
            });
          });

  api.add(bh_verb::get, "/api/v1/groups/current", Access::viewer, "Your group and its reminder rules",
          [](Call& call) -> Outcome { return ok(group_json(call.db, call.group())); });

  api.add(bh_verb::patch, "/api/v1/groups/current", Access::coordinator,
          "Change your group's name, time zone or language (en, es)", [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"name", "timezone", "language"});
            store::GroupPatch patch{r.string("name"), r.string("timezone"), r.string("language")};
            auto group_id = call.group_id();
            return Deferred([group_id, patch](const store::Context& ctx) {
              return ok(group_json(ctx.db, store::update_group(ctx, group_id, patch)));
            });
          });

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

  api.add(bh_verb::put, "/api/v1/groups/current/reply-words", Access::coordinator,
          "Add the group's own reply words (e.g. ALTO to stop), beside STOP, YES, SI, NO, HELP, AYUDA",
          [](Call& call) -> Outcome {
            static const char* kActions[] = {"opt_out", "opt_in", "help", "confirm", "decline"};
            const auto body = call.json();
            JsonReader r(body, {"opt_out", "opt_in", "help", "confirm", "decline"});
            std::vector<domain::ReplyKeyword> words;
            for (const char* action : kActions)
              for (const auto& w : r.strings(action).value_or(std::vector<std::string>{}))
                words.push_back({w, *domain::parse_reply_action(action)});
            auto group_id = call.group_id();
            return Deferred([group_id, words](const store::Context& ctx) {
              store::set_reply_keywords(ctx, group_id, words);
              return ok({{"reply_words", reply_words_json(ctx.db, group_id)}});
            });
          });

  api.add(bh_verb::get, "/api/v1/outbox", Access::viewer, "Messages and what became of them (?status=)",
          [](Call& call) -> Outcome {
            store::OutboxFilter f;
            f.limit = page_limit(call);
            f.after_id = page_after_id(call);
            f.status = call.query_value("status").value_or("");
            auto rows = store::list_outbox(call.db, call.group_id(), f);
            auto id_or_null = [](const std::optional<domain::Id>& id) { return id ? json(*id) : json(nullptr); };
            auto time_or_null = [](const std::optional<domain::Time>& t) {
              return t ? json(domain::format_rfc3339_utc(*t)) : json(nullptr);
            };
            return ok(page_of(
                rows, f.limit,
                [&](const store::OutboxMessage& m) {
                  return json{{"id", m.id},
                              {"channel", m.channel},
                              {"plugin", m.plugin},
                              {"volunteer_id", id_or_null(m.volunteer_id)},
                              {"account_id", id_or_null(m.account_id)},
                              {"to_name", m.to_name},
                              {"subject", m.subject},
                              {"body", m.body},
                              {"due_at", domain::format_rfc3339_utc(m.due_at)},
                              {"status", m.status},
                              {"attempts", m.attempts},
                              {"last_error", m.last_error},
                              {"provider_id", m.provider_id},
                              {"kind", m.kind},
                              {"meeting_id", id_or_null(m.meeting_id)},
                              {"assignment_id", id_or_null(m.assignment_id)},
                              {"encoding", m.encoding},
                              {"segments", m.segments ? json(*m.segments) : json(nullptr)},
                              {"next_attempt_at", time_or_null(m.next_attempt_at)},
                              {"sent_at", time_or_null(m.sent_at)},
                              {"delivered_at", time_or_null(m.delivered_at)}};
                },
                [](const store::OutboxMessage& m) { return std::to_string(m.id); }));
          });

  api.add(bh_verb::get, "/api/v1/replies", Access::viewer, "Replies people sent, and what Turnout made of them",
          [](Call& call) -> Outcome {
            int limit = page_limit(call);
            auto rows = store::list_inbound(call.db, call.group_id(), page_after_id(call), limit);
            auto id_or_null = [](const std::optional<domain::Id>& id) { return id ? json(*id) : json(nullptr); };
            return ok(page_of(
                rows, limit,
                [&](const store::InboundRow& r) {
                  return json{{"id", r.id},
                              {"channel", r.channel},
                              {"volunteer_id", id_or_null(r.volunteer_id)},
                              {"assignment_id", id_or_null(r.assignment_id)},
                              {"body", r.body},
                              {"handled_as", r.handled_as},
                              {"received_at", domain::format_rfc3339_utc(r.received_at)}};
                },
                [](const store::InboundRow& r) { return std::to_string(r.id); }));
          });

  api.add(bh_verb::get, "/api/v1/audit", Access::coordinator, "Who did what (ids only, never contact data)",
          [](Call& call) -> Outcome {
            int limit = page_limit(call);
            auto rows = store::audit_entries(call.db, call.group_id(), limit, page_after_id(call));
            auto id_or_null = [](const std::optional<domain::Id>& id) { return id ? json(*id) : json(nullptr); };
            return ok(page_of(
                rows, limit,
                [&](const store::AuditEntry& e) {
                  return json{{"id", e.id},
                              {"at", domain::format_rfc3339_utc(e.at)},
                              {"actor", {{"kind", e.actor_kind}, {"id", id_or_null(e.actor_id)}, {"name", e.actor_name}}},
                              {"action", e.action},
                              {"entity", {{"kind", e.entity_kind}, {"id", id_or_null(e.entity_id)}}},
                              {"detail", e.detail}};
                },
                [](const store::AuditEntry& e) { return std::to_string(e.id); }));
          });
}

}  // namespace turnout::http
