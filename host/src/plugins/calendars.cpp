#include "plugins/calendars.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace turnout::plugins {

class CalendarRegistration final : public plugin::Registration {
 public:
  CalendarRegistration(Calendars& calendars, const void* entry) : calendars_(calendars), entry_(entry) {}
  ~CalendarRegistration() override {
    std::unique_lock lock(calendars_.mutex_);
    if (calendars_.entry_.get() == entry_) calendars_.entry_.reset();
  }

 private:
  Calendars& calendars_;
  const void* entry_;
};

plugin::Handle Calendars::add(const std::string& plugin, plugin::CalendarRenderer renderer, std::string& holder) {
  if (!renderer) return nullptr;
  std::unique_lock lock(mutex_);
  if (entry_) {
    holder = entry_->plugin;
    return nullptr;
  }
  entry_ = std::make_shared<const Entry>(Entry{plugin, std::move(renderer)});
  return std::make_unique<CalendarRegistration>(*this, entry_.get());
}

bool Calendars::available() const {
  std::shared_lock lock(mutex_);
  return entry_ != nullptr;
}

Calendars::Result Calendars::render(const plugin::FeedRequest& request, plugin::Feed& feed, std::string& error) const {
  std::shared_ptr<const Entry> entry;
  {
    std::shared_lock lock(mutex_);
    entry = entry_;
  }
  if (!entry) return Result::none;
  // The renderer is the plugin's code: contain whatever it does.
  try {
    if (entry->renderer(request, feed, error)) return Result::rendered;
    if (error.empty()) error = "the renderer failed without saying why";
  } catch (const std::exception& e) {
    error = fmt::format("the renderer threw: {}", e.what());
  } catch (...) {
    error = "the renderer threw";
  }
  spdlog::error("plugin {}: feed not rendered: {}", entry->plugin, error);
  return Result::failed;
}

}  // namespace turnout::plugins
