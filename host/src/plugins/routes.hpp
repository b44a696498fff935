// The routes plugins serve under /plugins/NAME/...: registered through the
// plugin's Host, looked up by the HTTP layer. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <vector>

#include <turnout/plugin.hpp>

namespace turnout::plugins {

class RouteTable {
 public:
  struct Route {
    plugin::RouteAccess access;
    plugin::RouteHandler handler;
  };
  // Null when (plugin, method, path) is taken.
  plugin::Handle add(const std::string& plugin, const std::string& method, const std::string& path,
                     plugin::RouteAccess access, plugin::RouteHandler handler);
  // The route, kept alive while the caller holds it.
  std::shared_ptr<const Route> find(const std::string& plugin, const std::string& method, const std::string& path) const;
  // The methods the plugin serves this path with (for 405 and Allow).
  std::vector<std::string> methods_for(const std::string& plugin, const std::string& path) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  mutable std::shared_mutex mutex_;
  std::map<Key, std::shared_ptr<const Route>> routes_;
};

}  // namespace turnout::plugins
