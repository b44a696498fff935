// The one calendar renderer a plugin lent the host (Host::add_calendar),
// looked up by the feed routes. Thread-safe; a second plugin is refused.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include <turnout/plugin.hpp>

namespace turnout::plugins {

class Calendars {
 public:
  // Null when another plugin's renderer is registered; `holder` then names it.
  plugin::Handle add(const std::string& plugin, plugin::CalendarRenderer renderer, std::string& holder);
  // Renders into `feed`: none when no plugin registered a renderer, failed
  // (logged, with `error`) when it refused or threw.
  enum class Result { rendered, none, failed };
  Result render(const plugin::FeedRequest& request, plugin::Feed& feed, std::string& error) const;
  bool available() const;

 private:
  struct Entry {
    std::string plugin;
    plugin::CalendarRenderer renderer;
  };
  friend class CalendarRegistration;
  mutable std::shared_mutex mutex_;
  std::shared_ptr<const Entry> entry_;
};

}  // namespace turnout::plugins
