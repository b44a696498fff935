// A group's own wording for the messages its channels send:
// /api/v1/message-templates. The channels (plugins) say what may be
// worded, in which languages, with which names; the group's text is
// checked against that when it is saved, and used from the next message
// on (messages are worded when they go out, not when they are planned).
#include <boost/beast/http.hpp>

#include <algorithm>
#include <tuple>

#include "delivery/delivery.hpp"
#include "domain/templates.hpp"
#include "http/json.hpp"
#include "http/paging.hpp"
#include "store/delivery.hpp"

namespace turnout::http {

using bh_verb = boost::beast::http::verb;
using nlohmann::json;

namespace {

struct Entry {
  std::string channel, kind, language;
  const plugin::ChannelTemplate* built_in = nullptr;  // null: the channel no longer offers it
  const std::vector<std::string>* variables = nullptr;
  const store::MessageTemplateRow* own = nullptr;
};

json entry_json(const Entry& e) {
  return {{"channel", e.channel},
          {"kind", e.kind},
          {"language", e.language},
          {"available", e.built_in != nullptr},
          {"default", e.built_in ? json(e.built_in->text) : json(nullptr)},
          {"variables", e.variables ? json(*e.variables) : json::array()},
          {"body", e.own ? json(e.own->body) : json(nullptr)},
          {"updated_at", e.own ? json(domain::format_rfc3339_utc(e.own->updated_at)) : json(nullptr)}};
}

std::vector<delivery::TemplateCatalog> catalog(const Call& call) {
  return call.api.delivery() ? call.api.delivery()->template_catalog() : std::vector<delivery::TemplateCatalog>{};
}

// Every entry the running channels offer, then the group's own texts for
// entries no channel offers now (kept, shown, and removable).
std::vector<Entry> entries(const std::vector<delivery::TemplateCatalog>& channels,
                           const std::vector<store::MessageTemplateRow>& own) {
  std::vector<Entry> out;
  for (const auto& c : channels)
    for (const auto& t : c.templates)
      out.push_back({c.channel, std::string(delivery::kind_name(t.kind)), t.language, &t, &c.variables, nullptr});
  for (const auto& row : own) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Entry& e) {
      return e.channel == row.channel && e.kind == row.kind && e.language == row.language;
    });
    if (it != out.end())
      it->own = &row;
    else
      out.push_back({row.channel, row.kind, row.language, nullptr, nullptr, &row});
  }
  auto order = [](const Entry& e) {
    auto kind = delivery::parse_kind(e.kind);
    return std::tuple(e.channel, kind ? static_cast<int>(*kind) : 1000, e.kind, e.language);
  };
  std::sort(out.begin(), out.end(), [&](const Entry& a, const Entry& b) { return order(a) < order(b); });
  return out;
}

// The channel's offer for the path, or 404.
std::pair<const delivery::TemplateCatalog*, const plugin::ChannelTemplate*> offered(
    const std::vector<delivery::TemplateCatalog>& channels, const Call& call) {
  const auto& [channel, kind, language] = std::tie(call.params.at(0), call.params.at(1), call.params.at(2));
  for (const auto& c : channels) {
    if (c.channel != channel) continue;
    for (const auto& t : c.templates)
      if (delivery::kind_name(t.kind) == kind && t.language == language) return {&c, &t};
  }
  return {nullptr, nullptr};
}

}  // namespace

void add_template_routes(Api& api) {
  api.add(bh_verb::get, "/api/v1/message-templates", Access::viewer,
          "The messages your group can word for itself: each channel's own text, yours, and the names they may use",
          [](Call& call) -> Outcome {
            auto channels = catalog(call);
            auto own = store::message_templates(call.db, call.group_id());
            json items = json::array();
            for (const auto& e : entries(channels, own)) items.push_back(entry_json(e));
            return ok({{"items", items}, {"next", nullptr}});
          });

  api.add(bh_verb::put, "/api/v1/message-templates/{channel}/{kind}/{language}", Access::coordinator,
          "Word one message your way (Mustache, the names listed with it); used from the next message sent",
          [](Call& call) -> Outcome {
            const auto body = call.json();
            JsonReader r(body, {"body"});
            auto text = r.string("body");
            if (!text) throw invalid("body", "send body: the message's text, with {{names}} from its list");
            auto channels = catalog(call);
            auto [channel, built_in] = offered(channels, call);
            if (!built_in)
              throw Error(ErrorCode::not_found,
                          "no such message: the channel is not running, or does not let a group word this kind in "
                          "this language");
            domain::validate_message_template(*text, channel->variables);
            auto group_id = call.group_id();
            return Deferred([group_id, c = *channel, t = *built_in, params = call.params,
                             text = *text](const store::Context& ctx) {
              store::set_message_template(ctx, group_id, params[0], params[1], params[2], text);
              auto own = store::message_templates(ctx.db, group_id);
              auto it = std::find_if(own.begin(), own.end(), [&](const auto& row) {
                return row.channel == params[0] && row.kind == params[1] && row.language == params[2];
              });
              return ok(entry_json({params[0], params[1], params[2], &t, &c.variables, it == own.end() ? nullptr : &*it}));
            });
          });

  api.add(bh_verb::delete_, "/api/v1/message-templates/{channel}/{kind}/{language}", Access::coordinator,
          "Go back to the channel's own wording for this message", [](Call& call) -> Outcome {
            auto channels = catalog(call);
            bool known = offered(channels, call).second != nullptr;
            auto group_id = call.group_id();
            return Deferred([group_id, known, params = call.params](const store::Context& ctx) {
              bool removed = store::delete_message_template(ctx, group_id, params[0], params[1], params[2]);
              if (!removed && !known) throw Error(ErrorCode::not_found, "no such message template");
              return no_content();
            });
          });
}

}  // namespace turnout::http
