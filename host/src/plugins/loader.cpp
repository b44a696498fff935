#include "plugins/loader.hpp"

#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <dlfcn.h>

#include <algorithm>
#include <regex>

#include <future>

#include "delivery/delivery.hpp"
#include "domain/error.hpp"
#include "domain/local_time.hpp"
#include "domain/time.hpp"
#include "plugins/calendars.hpp"
#include "http/json.hpp"
#include "plugins/dispatch.hpp"
#include "plugins/queries.hpp"
#include "store/groups.hpp"
#include "store/volunteers.hpp"
#include "store/meetings.hpp"
#include "store/plugin_state.hpp"
#include "store/read_pool.hpp"
#include "store/writer.hpp"

namespace turnout::plugins {
namespace {

namespace dll = boost::dll;
using plugin::Entry;

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 40 &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// "sdk=0.1.0;api=2;..." as (key, value) pairs.
std::vector<std::pair<std::string, std::string>> fingerprint_fields(std::string_view fp) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!fp.empty()) {
    auto semi = fp.find(';');
    auto part = fp.substr(0, semi);
    auto eq = part.find('=');
    out.emplace_back(std::string(part.substr(0, eq)), eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
    if (semi == std::string_view::npos) break;
    fp.remove_prefix(semi + 1);
  }
  return out;
}

// Names the fields that differ: "cc=clang 17 where this turnoutd has cc=12.2.0".
std::string fingerprint_difference(std::string_view theirs, std::string_view ours) {
  auto mine = fingerprint_fields(ours);
  std::vector<std::string> diffs;
  for (const auto& [key, value] : fingerprint_fields(theirs)) {
    auto it = std::find_if(mine.begin(), mine.end(), [&](const auto& f) { return f.first == key; });
    std::string here = it == mine.end() ? "nothing" : key + "=" + it->second;
    if (it == mine.end() || it->second != value) diffs.push_back(fmt::format("{}={} where this turnoutd has {}", key, value, here));
  }
  if (diffs.empty()) return fmt::format("[{}], this turnoutd with [{}]", theirs, ours);
  return fmt::format("{}", fmt::join(diffs, "; "));
}

// The library and its entry, or the reason it was refused.
struct Opened {
  dll::shared_library library;
  const Entry* entry = nullptr;
  PluginInfo info;
};

Opened open_library(const std::filesystem::path& file) {
  Opened o;
  o.info.file = file;
  o.info.state = "refused";
  std::string stem = file.stem().string();
  o.info.name = stem;
  if (!valid_name(stem)) {
    o.info.reason = "a plugin's file is NAME.so with NAME of a-z, 0-9 and _";
    return o;
  }
  boost::system::error_code ec;
  // rtld_now: a missing symbol fails here, not in the middle of a request.
  o.library.load(file.string(), ec, dll::load_mode::rtld_now | dll::load_mode::rtld_local);
  if (ec) {
    // Boost.DLL keeps only an error code; ask the loader itself for the
    // words (a missing symbol, a file that is not a library...).
    std::string why = ec.message();
    if (void* h = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      ::dlclose(h);
    } else if (const char* text = ::dlerror()) {
      why = text;
    }
    o.info.reason = fmt::format("cannot be loaded: {}", why);
    return o;
  }
  std::string symbol = "turnout_plugin_v1_" + stem;
  if (!o.library.has(symbol)) {
    o.info.reason = fmt::format("not a Turnout plugin: it has no {} function (use TURNOUT_PLUGIN)", symbol);
    return o;
  }
  const Entry* entry = o.library.get<const Entry*() noexcept>(symbol)();
  if (!entry) {
    o.info.reason = "its entry function returned nothing";
    return o;
  }
  // The first field is read before anything else, whatever the version.
  if (entry->api_version != plugin::kApiVersion) {
    o.info.reason = fmt::format("built for plugin API {}; this turnoutd speaks API {}: rebuild it against this SDK",
                                entry->api_version, plugin::kApiVersion);
    return o;
  }
  if (!entry->build_fingerprint || std::string_view(entry->build_fingerprint) != TURNOUT_BUILD_FINGERPRINT) {
    o.info.reason = fmt::format("built with {}: rebuild it against this SDK with the same compiler and settings",
                                fingerprint_difference(entry->build_fingerprint ? entry->build_fingerprint : "",
                                                       TURNOUT_BUILD_FINGERPRINT));
    return o;
  }
  const auto& m = entry->manifest;
  if (!m.name || std::string_view(m.name) != stem) {
    o.info.reason = fmt::format("names itself \"{}\" but its file is {}.so", m.name ? m.name : "", stem);
    return o;
  }
  if (!entry->create || !entry->destroy) {
    o.info.reason = "its entry has no create or destroy function";
    return o;
  }
  o.entry = entry;
  o.info.version = m.version ? m.version : "";
  o.info.description = m.description ? m.description : "";
  o.info.capabilities = m.capabilities;
  for (const char* const* k = m.config_keys; k && *k; ++k) o.info.config_keys.emplace_back(*k);
  o.info.state = "checked";
  o.info.reason.clear();
  return o;
}

// What a registration returns while a plugin is only being checked
// (`plugins check`): it succeeds, and nothing ever runs.
class Inert final : public plugin::Registration {};
plugin::Handle inert() { return std::make_unique<Inert>(); }

// The services one plugin sees: its name on every log line and route.
class PluginHost final : public plugin::Host {
 public:
  PluginHost(std::string name, Services services) : name_(std::move(name)), services_(services) {}

  void log(plugin::LogLevel level, std::string_view message) noexcept override {
    try {
      auto lvl = level == plugin::LogLevel::debug  ? spdlog::level::debug
                 : level == plugin::LogLevel::info ? spdlog::level::info
                 : level == plugin::LogLevel::warn ? spdlog::level::warn
                                                   : spdlog::level::err;
      spdlog::log(lvl, "plugin {}: {}", name_, message);
    } catch (...) {
    }
  }

  std::string config() const noexcept override {
    try {
      auto it = services_.config.plugin_sections.find(name_);
      return it == services_.config.plugin_sections.end() ? std::string() : it->second;
    } catch (...) {
      return {};
    }
  }

  std::int64_t now() const noexcept override { return services_.clock.now().time_since_epoch().count(); }

  std::string local_time(std::int64_t at, std::string_view timezone, std::string_view language,
                         plugin::TimeStyle style) const noexcept override {
    try {
      auto s = style == plugin::TimeStyle::short_form  ? domain::TimeStyle::short_form
               : style == plugin::TimeStyle::time_only ? domain::TimeStyle::time_only
                                                       : domain::TimeStyle::long_form;
      return domain::format_local(domain::Time{std::chrono::seconds{at}}, timezone, language, s);
    } catch (...) {
      return {};
    }
  }

  plugin::Handle add_route(std::string_view method, std::string_view path, plugin::RouteAccess access,
                           plugin::RouteHandler handler) noexcept override {
    try {
      static const std::regex kPath(R"(/[A-Za-z0-9._~/-]*)");
      static const std::regex kMethod(R"(GET|POST|PUT|PATCH|DELETE)");
      std::string m(method), p(path);
      if (!std::regex_match(m, kMethod) || !std::regex_match(p, kPath) || p.find("//") != std::string::npos) {
        log(plugin::LogLevel::error, fmt::format("route {} {} refused: a method such as GET and a path such as /upcoming", m, p));
        return nullptr;
      }
      auto handle = services_.routes.add(name_, m, p, access, std::move(handler));
      if (!handle) log(plugin::LogLevel::error, fmt::format("route {} {} refused: it is registered already", m, p));
      return handle;
    } catch (...) {
      return nullptr;
    }
  }

  std::vector<plugin::GroupView> groups() noexcept override {
    return read<std::vector<plugin::GroupView>>("groups", [&](store::Database& db) {
      std::vector<plugin::GroupView> out;
      for (const auto& g : store::list_groups(db)) out.push_back(queries::group_view(g, public_url()));
      return out;
    });
  }
  std::optional<plugin::GroupView> group(std::int64_t group_id) noexcept override {
    return read<std::optional<plugin::GroupView>>("group", [&](store::Database& db) {
      return queries::group_view(store::get_group(db, group_id), public_url());
    });
  }
  std::vector<plugin::MeetingView> meetings(std::int64_t group_id, std::int64_t from, std::int64_t to) noexcept override {
    return read<std::vector<plugin::MeetingView>>(
        "meetings", [&](store::Database& db) { return queries::meetings(db, group_id, from, to); });
  }
  std::optional<plugin::MeetingView> meeting(std::int64_t group_id, std::int64_t meeting_id) noexcept override {
    return read<std::optional<plugin::MeetingView>>(
        "meeting", [&](store::Database& db) { return queries::meeting(db, group_id, meeting_id); });
  }
  std::vector<plugin::AgendaItemView> agenda_items(std::int64_t group_id, std::int64_t meeting_id) noexcept override {
    return read<std::vector<plugin::AgendaItemView>>(
        "agenda_items", [&](store::Database& db) { return queries::agenda_items(db, group_id, meeting_id); });
  }
  std::vector<plugin::SlotView> slots(std::int64_t group_id, std::int64_t meeting_id) noexcept override {
    return read<std::vector<plugin::SlotView>>(
        "slots", [&](store::Database& db) { return queries::slots(db, group_id, meeting_id); });
  }
  std::optional<plugin::VolunteerView> volunteer(std::int64_t group_id, std::int64_t volunteer_id) noexcept override {
    return read<std::optional<plugin::VolunteerView>>("volunteer", [&](store::Database& db) {
      return queries::volunteer_view(store::get_volunteer(db, group_id, volunteer_id), store::get_group(db, group_id));
    });
  }
  std::vector<plugin::VolunteerView> volunteers(std::int64_t group_id) noexcept override {
    return read<std::vector<plugin::VolunteerView>>("volunteers", [&](store::Database& db) {
      auto g = store::get_group(db, group_id);
      std::vector<plugin::VolunteerView> out;
      store::VolunteerFilter f;
      f.limit = 1000;
      for (;;) {
        auto page = store::list_volunteers(db, group_id, f);
        for (const auto& v : page) out.push_back(queries::volunteer_view(v, g));
        if (static_cast<int>(page.size()) < f.limit) break;
        f.after_id = page.back().id;
      }
      return out;
    });
  }
  std::vector<plugin::AssignmentView> volunteer_assignments(std::int64_t group_id, std::int64_t volunteer_id,
                                                            std::int64_t from, std::int64_t to) noexcept override {
    return read<std::vector<plugin::AssignmentView>>("volunteer_assignments", [&](store::Database& db) {
      return queries::volunteer_assignments(db, group_id, volunteer_id, from, to);
    });
  }
  std::vector<plugin::AssignmentView> meeting_assignments(std::int64_t group_id, std::int64_t meeting_id) noexcept override {
    return read<std::vector<plugin::AssignmentView>>("meeting_assignments", [&](store::Database& db) {
      return queries::meeting_assignments(db, group_id, meeting_id);
    });
  }

  plugin::Handle on_event(std::string_view type_prefix, plugin::EventHandler handler) noexcept override {
    try {
      if (!services_.events) return inert();
      return services_.events->subscribe(name_, std::string(type_prefix), std::move(handler));
    } catch (...) {
      return nullptr;
    }
  }

  plugin::Handle every(std::chrono::seconds period, std::function<void()> job) noexcept override {
    try {
      if (period < std::chrono::seconds(1)) {
        log(plugin::LogLevel::error, "every(): the period must be at least one second");
        return nullptr;
      }
      if (!services_.jobs) return inert();
      auto handle = services_.jobs->every(name_, period, std::move(job));
      if (!handle) log(plugin::LogLevel::error, "every(): the period must be at least one second");
      return handle;
    } catch (...) {
      return nullptr;
    }
  }

  std::optional<std::string> kv_get(std::string_view key) noexcept override {
    try {
      if (!services_.reads) return std::nullopt;
      return store::plugin_value(services_.reads->local(), name_, key);
    } catch (const std::exception& e) {
      log(plugin::LogLevel::error, fmt::format("kv_get: {}", e.what()));
      return std::nullopt;
    }
  }

  bool kv_put(std::string_view key, std::string_view value) noexcept override {
    return write("kv_put", [&, key = std::string(key), value = std::string(value)](const store::Context& ctx) {
      store::set_plugin_value(ctx, name_, key, value);
    });
  }

  bool kv_erase(std::string_view key) noexcept override {
    return write("kv_erase",
                 [&, key = std::string(key)](const store::Context& ctx) { store::erase_plugin_value(ctx, name_, key); });
  }

  bool enqueue(const plugin::OutgoingMessage& m, std::string& error) noexcept override {
    return enqueue_all(std::vector<plugin::OutgoingMessage>{m}, error);
  }

  bool enqueue_all(const std::vector<plugin::OutgoingMessage>& in, std::string& error) noexcept override {
    std::vector<store::NewMessage> messages;
    try {
      messages.reserve(in.size());
      for (const auto& m : in)
        messages.push_back({m.group_id, m.idempotency_key, m.channel, name_, m.volunteer_id, m.account_id, m.recipient,
                            m.subject, m.body, domain::Time{std::chrono::seconds{m.due_at}}});
    } catch (...) {
      error = "out of memory";
      return false;
    }
    bool queued = write(
        "enqueue",
        [messages = std::move(messages)](const store::Context& ctx) {
          ctx.db.write([&] {
            for (const auto& m : messages) store::enqueue_message(ctx, m);
          });
        },
        &error);
    // Due now, most likely: the dispatcher need not wait for its next look.
    if (queued && services_.delivery) services_.delivery->poke();
    return queued;
  }

  bool unsubscribe(std::int64_t group_id, std::int64_t volunteer_id, std::string_view channel,
                   std::string& error) noexcept override {
    return write(
        "unsubscribe",
        [group_id, volunteer_id, channel = std::string(channel)](const store::Context& ctx) {
          store::unsubscribe(ctx, group_id, volunteer_id, channel);
        },
        &error);
  }

  std::optional<plugin::AssignmentView> assignment(std::int64_t group_id, std::int64_t assignment_id) noexcept override {
    return read<std::optional<plugin::AssignmentView>>(
        "assignment", [&](store::Database& db) { return queries::assignment(db, group_id, assignment_id); });
  }

  bool render_calendar(const plugin::FeedRequest& request, plugin::Feed& feed, std::string& error) noexcept override {
    try {
      if (!services_.calendars) {
        error = "no calendar plugin";
        return false;
      }
      switch (services_.calendars->render(request, feed, error)) {
        case Calendars::Result::rendered: return true;
        case Calendars::Result::none: error = "no calendar plugin is running"; return false;
        case Calendars::Result::failed: return false;
      }
    } catch (...) {
      error = "the calendar could not be rendered";
    }
    return false;
  }

  std::optional<plugin::FeedLink> new_feed_link(std::int64_t group_id, std::int64_t volunteer_id) noexcept override {
    try {
      std::string token;
      if (!write("new_feed_link", [&token, group_id, volunteer_id](const store::Context& ctx) {
            token = store::rotate_feed_token(ctx, group_id, volunteer_id);
          }))
        return std::nullopt;
      auto links = http::feed_links(public_url(), token);
      return plugin::FeedLink{links["url"].get<std::string>(), links["webcal_url"].get<std::string>()};
    } catch (...) {
      return std::nullopt;
    }
  }

  std::vector<plugin::AccountView> coordinators(std::int64_t group_id) noexcept override {
    return read<std::vector<plugin::AccountView>>("coordinators", [&](store::Database& db) {
      auto g = store::get_group(db, group_id);
      std::vector<plugin::AccountView> out;
      for (const auto& a : store::list_accounts(db, group_id))
        if (a.role == domain::Role::coordinator)
          out.push_back({a.id, a.name, a.email, std::string(domain::to_string(a.role)), g.language});
      return out;
    });
  }

  int failed_messages(std::int64_t group_id, std::int64_t since) noexcept override {
    return read<int>("failed_messages", [&](store::Database& db) { return queries::failed_messages(db, group_id, since); });
  }

  plugin::Handle add_digest(std::function<void(std::int64_t)> runner) noexcept override {
    try {
      if (!services_.digests) return inert();
      return services_.digests->add(name_, std::move(runner));
    } catch (...) {
      return nullptr;
    }
  }

  plugin::Handle add_calendar(plugin::CalendarRenderer renderer) noexcept override {
    try {
      // Only being checked (plugins check): accept, so a calendar plugin
      // checks as running; nothing will call it.
      if (!services_.calendars) return std::make_unique<plugin::Registration>();
      std::string holder;
      auto handle = services_.calendars->add(name_, std::move(renderer), holder);
      if (!handle)
        log(plugin::LogLevel::error,
            holder.empty() ? std::string("add_calendar(): an empty renderer was refused")
                           : fmt::format("add_calendar() refused: plugin {} renders the calendar feeds already", holder));
      return handle;
    } catch (...) {
      return nullptr;
    }
  }

  plugin::Handle add_channel(plugin::ChannelSpec spec) noexcept override {
    try {
      if (!services_.delivery) return spec.render && spec.send && !spec.name.empty() ? inert() : nullptr;
      std::string name = spec.name;
      auto handle = services_.delivery->add_channel(name_, std::move(spec));
      if (!handle)
        log(plugin::LogLevel::error,
            fmt::format("add_channel(\"{}\") refused: a name of a-z, 0-9 and _ that no other plugin took, with "
                        "render and send",
                        name));
      return handle;
    } catch (...) {
      return nullptr;
    }
  }

  bool delivery_report(std::string_view channel, std::string_view provider_id, plugin::DeliveryStatus status,
                       std::string_view error) noexcept override {
    try {
      return services_.delivery && services_.delivery->delivery_report(channel, provider_id, status, error);
    } catch (...) {
      return false;
    }
  }

  plugin::InboundResult inbound(std::string_view channel, const plugin::InboundMessage& message) noexcept override {
    try {
      if (!services_.delivery) return {false, "unavailable", "not available while the plugin is only being checked"};
      return services_.delivery->inbound(channel, message);
    } catch (...) {
      return {false, "error", "out of memory"};
    }
  }

 private:
  std::string public_url() const {
    std::string url = services_.config.server.public_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }

  // Runs a query on this thread's read connection. Not found (another
  // group's id) answers empty quietly; anything else is logged too.
  template <typename R, typename Fn>
  R read(const char* what, Fn fn) noexcept {
    try {
      if (!services_.reads) return R{};
      // One snapshot for the whole call: consistent, and one lock instead
      // of one per statement.
      auto& db = services_.reads->local();
      return db.read([&] { return fn(db); });
    } catch (const Error& e) {
      if (e.code() != ErrorCode::not_found) log(plugin::LogLevel::warn, fmt::format("{}(): {}", what, e.what()));
    } catch (const std::exception& e) {
      log(plugin::LogLevel::error, fmt::format("{}(): {}", what, e.what()));
    } catch (...) {
    }
    return R{};  // an empty vector or optional: allocates nothing
  }

  // Runs a change on the writer and waits for its commit, so the plugin
  // knows its data is on disk when the call returns.
  template <typename Fn>
  bool write(const char* what, Fn fn, std::string* error = nullptr) noexcept {
    try {
      if (!services_.writer) {
        if (error) *error = "not available while the plugin is only being checked";
        return false;
      }
      std::promise<std::exception_ptr> done;
      auto result = done.get_future();
      auto* clock = &services_.clock;
      auto actor = domain::Actor::plugin(name_);
      services_.writer->submit([fn, clock, actor](store::Database& db) { fn(store::Context{db, *clock, actor}); },
                               [&done](std::exception_ptr e) { done.set_value(e); });
      if (auto e = result.get()) std::rethrow_exception(e);
      return true;
    } catch (const std::exception& e) {
      if (error) *error = e.what();
      log(plugin::LogLevel::warn, fmt::format("{} refused: {}", what, e.what()));
      return false;
    } catch (...) {
      return false;
    }
  }

  std::string name_;
  Services services_;
};

}  // namespace

// Members die in reverse order: the plugin instance first, then its host,
// then the library its code lives in.
struct PluginSet::Loaded {
  dll::shared_library library;
  PluginInfo info;
  std::unique_ptr<PluginHost> host;
  std::unique_ptr<plugin::Plugin, void (*)(plugin::Plugin*) noexcept> instance{nullptr, nullptr};
  int route_failures = 0;  // in a row; guarded by PluginSet::mutex_
  bool stopped = false;    // disabled: stop() was called already
};

std::vector<std::string> capability_names(std::uint32_t c) {
  namespace cap = plugin::capability;
  std::vector<std::string> out;
  const std::pair<std::uint32_t, const char*> names[] = {
      {cap::calendar, "calendar"},           {cap::notification_channel, "notification_channel"},
      {cap::digest, "digest"},               {cap::meeting_source, "meeting_source"},
      {cap::event_listener, "event_listener"}, {cap::http_routes, "http_routes"},
      {cap::periodic_jobs, "periodic_jobs"}};
  for (const auto& [bit, name] : names)
    if (c & bit) out.emplace_back(name);
  return out;
}

PluginInfo inspect(const std::filesystem::path& file) { return open_library(file).info; }

PluginSet::PluginSet(Services services) : services_(services) {}

PluginSet::~PluginSet() { stop_all(); }

void PluginSet::load_all() {
  const auto& dir = services_.config.plugins_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    spdlog::warn("plugins: no folder {}; no plugins loaded", dir.string());
    return;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".so") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const auto& enabled = services_.config.plugins_enabled;
  for (const auto& file : files) {
    if (enabled && std::find(enabled->begin(), enabled->end(), file.stem().string()) == enabled->end()) continue;
    load(file);
  }
  if (enabled)
    for (const auto& name : *enabled)
      if (std::none_of(files.begin(), files.end(), [&](const auto& f) { return f.stem() == name; }))
        spdlog::warn("plugins: {} is enabled but there is no {}.so in {}", name, name, dir.string());
}

PluginInfo PluginSet::load(const std::filesystem::path& file) {
  Opened o = open_library(file);
  auto refuse = [&](std::string state, std::string reason) {
    o.info.state = std::move(state);
    o.info.reason = std::move(reason);
    spdlog::error("plugin {}: {}: {}", file.string(), o.info.state, o.info.reason);
    std::lock_guard lock(mutex_);
    others_.push_back(o.info);
    return o.info;
  };
  if (!o.entry) return refuse("refused", o.info.reason);
  bool taken = false;
  std::string taken_by;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : running_)
      if (r->info.name == o.info.name) {
        taken = true;
        taken_by = r->info.file.string();
      }
  }
  if (taken)
      return refuse("refused", fmt::format("a plugin named {} is loaded already from {}", o.info.name, taken_by));

  // A typo in the plugin's section must not silently do nothing: refuse a
  // key its manifest does not list, as turnout.toml refuses its own.
  if (auto it = services_.config.plugin_sections.find(o.info.name); it != services_.config.plugin_sections.end()) {
    try {
      auto section = toml::parse(it->second);
      for (const auto& [key, value] : section) {
        const auto& keys = o.info.config_keys;
        if (std::find(keys.begin(), keys.end(), key.str()) == keys.end())
          return refuse("refused", fmt::format("unknown key [plugin.{}] {}; it reads: {}", o.info.name, key.str(),
                                               keys.empty() ? std::string("no keys") : fmt::format("{}", fmt::join(keys, ", "))));
      }
    } catch (const toml::parse_error& e) {
      return refuse("refused", fmt::format("[plugin.{}] cannot be read: {}", o.info.name, e.description()));
    }
  }

  auto loaded = std::make_unique<Loaded>();
  loaded->info = o.info;
  loaded->host = std::make_unique<PluginHost>(o.info.name, services_);
  plugin::Plugin* instance = o.entry->create();
  if (!instance) {
    // The library is still loaded in `o` and unloads when it goes.
    return refuse("failed", "create() failed: its constructor threw or returned nothing");
  }
  loaded->instance = {instance, o.entry->destroy};
  loaded->library = std::move(o.library);
  std::string error;
  plugin::Status status = plugin::Status::failed;
  try {
    status = loaded->instance->start(*loaded->host, error);
  } catch (const std::exception& e) {
    error = fmt::format("start() threw: {}", e.what());
  } catch (...) {
    error = "start() threw something that is not an exception";
  }
  if (status != plugin::Status::ok) {
    try {
      loaded->instance->stop();
    } catch (...) {
    }
    loaded->instance.reset();
    loaded->info.state = "failed";
    loaded->info.reason = error.empty() ? "start() failed without saying why" : error;
    spdlog::error("plugin {}: failed: {}", file.string(), loaded->info.reason);
    std::lock_guard lock(mutex_);
    others_.push_back(loaded->info);
    return loaded->info;  // `loaded` goes: host, then library
  }
  loaded->info.state = "running";
  spdlog::info("plugin {} {} running ({})", loaded->info.name, loaded->info.version, file.string());
  PluginInfo info = loaded->info;
  std::lock_guard lock(mutex_);
  running_.push_back(std::move(loaded));
  return info;
}

void PluginSet::stop_all() {
  for (;;) {
    std::unique_ptr<Loaded> last;
    {
      // Not held while the plugin stops: its stop() may wait for the event
      // thread, which may be reporting here.
      std::lock_guard lock(mutex_);
      if (running_.empty()) return;
      last = std::move(running_.back());
      running_.pop_back();
    }
    if (!last->stopped) {
      try {
        last->instance->stop();
      } catch (...) {
        spdlog::error("plugin {}: stop() threw", last->info.name);
      }
    }
    last->instance.reset();  // destroy before the library unloads
    spdlog::info("plugin {} stopped", last->info.name);
  }
}

void PluginSet::report(const std::string& plugin, const std::string& reason) {
  std::lock_guard lock(mutex_);
  for (auto& r : running_)
    if (r->info.name == plugin) r->info.reason = reason;
}

void PluginSet::route_succeeded(const std::string& plugin) {
  std::lock_guard lock(mutex_);
  for (auto& r : running_)
    if (r->info.name == plugin) r->route_failures = 0;
}

void PluginSet::route_failed(const std::string& plugin, const std::string& what) {
  Loaded* victim = nullptr;
  {
    std::lock_guard lock(mutex_);
    for (auto& r : running_)
      if (r->info.name == plugin && !r->stopped && ++r->route_failures >= kMaxRouteFailuresInARow) {
        r->stopped = true;  // from here on, no other thread disables it again
        victim = r.get();
      }
  }
  if (!victim) return;
  // Not under the lock: stop() waits for the plugin's listeners and jobs,
  // whose threads may be reporting here. The Loaded stays in running_ (only
  // stop_all removes entries), so the pointer holds.
  try {
    victim->instance->stop();
  } catch (...) {
    spdlog::error("plugin {}: stop() threw", plugin);
  }
  auto reason = fmt::format("disabled: its routes failed {} times in a row (last: {})", kMaxRouteFailuresInARow, what);
  spdlog::error("plugin {}: {}", plugin, reason);
  std::lock_guard lock(mutex_);
  victim->info.state = "disabled";
  victim->info.reason = reason;
}

std::string PluginSet::state(const std::string& plugin) const {
  std::lock_guard lock(mutex_);
  for (const auto& r : running_)
    if (r->info.name == plugin) return r->info.state;
  return {};
}

std::vector<PluginInfo> PluginSet::list() const {
  std::lock_guard lock(mutex_);
  std::vector<PluginInfo> out;
  for (const auto& r : running_) out.push_back(r->info);
  out.insert(out.end(), others_.begin(), others_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return out;
}

}  // namespace turnout::plugins
