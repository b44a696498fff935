// Finding, checking, starting and stopping plugins (Boost.DLL).
//
// A library is refused, with the file and the reason in the log, when it
// cannot be loaded (a missing symbol fails here: rtld_now), has no
// turnout_plugin_v1_NAME function, speaks another plugin API, was built
// with another compiler or library ABI, names itself differently from its
// file, repeats a name already loaded, or fails or throws in create or
// start. The daemon keeps serving either way.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "domain/time.hpp"
#include "plugins/routes.hpp"

namespace turnout::store {
class ReadPool;
class Writer;
}
namespace turnout::delivery {
class Delivery;
}

namespace turnout::plugins {

struct PluginInfo {
  std::filesystem::path file;
  std::string name, version, description;
  std::uint32_t capabilities = 0;
  std::vector<std::string> config_keys;
  std::string state;   // running, refused, failed
  std::string reason;  // why, when not running
};

std::vector<std::string> capability_names(std::uint32_t capabilities);

// Opens the library and reads its entry without creating anything; the
// state is "checked" or "refused".
PluginInfo inspect(const std::filesystem::path& file);

// What the host lends every plugin.
class EventBus;
class Jobs;
class Digests;
class Calendars;

// What the host lends every plugin. The pointers may be null when a plugin
// is only being checked (plugins check): then reads answer nothing, writes
// are refused, and registrations succeed but never run.
struct Services {
  const config::Config& config;
  const domain::Clock& clock;
  RouteTable& routes;
  store::ReadPool* reads = nullptr;
  store::Writer* writer = nullptr;
  EventBus* events = nullptr;
  Jobs* jobs = nullptr;
  Digests* digests = nullptr;
  Calendars* calendars = nullptr;  // the calendar renderer's slot (Host::add_calendar)
  delivery::Delivery* delivery = nullptr;  // notification channels; null: refused
};

class PluginSet {
 public:
  explicit PluginSet(Services services);
  ~PluginSet();  // stop_all()
  PluginSet(const PluginSet&) = delete;
  PluginSet& operator=(const PluginSet&) = delete;

  // Every NAME.so in the configured folder (only the enabled names, when
  // [plugins] enabled is set), in name order. Never throws for a bad plugin.
  void load_all();
  // Loads and starts one file; returns what became of it.
  PluginInfo load(const std::filesystem::path& file);
  // Stops plugins in reverse order of starting, destroys each, then unloads.
  void stop_all();
  std::vector<PluginInfo> list() const;
  // A running plugin that lost part of its work (a listener switched off).
  void report(const std::string& plugin, const std::string& reason);

  // A plugin's route handler threw or answered nonsense, or answered well.
  // After kMaxRouteFailuresInARow failures in a row the plugin is disabled:
  // stopped (its routes, listeners and jobs go), shown as "disabled" with
  // the reason, and kept loaded until the daemon stops, since a request may
  // still be inside its code.
  static constexpr int kMaxRouteFailuresInARow = 10;
  void route_failed(const std::string& plugin, const std::string& what);
  void route_succeeded(const std::string& plugin);
  // "running", "disabled", ...; empty for a name not loaded.
  std::string state(const std::string& plugin) const;

 private:
  struct Loaded;
  Services services_;
  std::vector<std::unique_ptr<Loaded>> running_;  // in start order
  std::vector<PluginInfo> others_;                // refused or failed
  mutable std::mutex mutex_;                      // report() comes from the event thread
};

}  // namespace turnout::plugins
