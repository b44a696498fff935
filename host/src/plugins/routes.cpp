#include "plugins/routes.hpp"

namespace turnout::plugins {
namespace {

class RouteRegistration final : public plugin::Registration {
 public:
  RouteRegistration(std::shared_mutex& mutex, std::map<std::tuple<std::string, std::string, std::string>,
                                                        std::shared_ptr<const RouteTable::Route>>& routes,
                    std::tuple<std::string, std::string, std::string> key)
      : mutex_(mutex), routes_(routes), key_(std::move(key)) {}
  ~RouteRegistration() override {
    std::unique_lock lock(mutex_);
    routes_.erase(key_);
  }

 private:
  std::shared_mutex& mutex_;
  std::map<std::tuple<std::string, std::string, std::string>, std::shared_ptr<const RouteTable::Route>>& routes_;
  std::tuple<std::string, std::string, std::string> key_;
};

}  // namespace

plugin::Handle RouteTable::add(const std::string& plugin, const std::string& method, const std::string& path,
                               plugin::RouteAccess access, plugin::RouteHandler handler) {
  Key key{plugin, method, path};
  std::unique_lock lock(mutex_);
  if (routes_.contains(key)) return nullptr;
  routes_.emplace(key, std::make_shared<const Route>(Route{access, std::move(handler)}));
  return std::make_unique<RouteRegistration>(mutex_, routes_, key);
}

std::shared_ptr<const RouteTable::Route> RouteTable::find(const std::string& plugin, const std::string& method,
                                                          const std::string& path) const {
  std::shared_lock lock(mutex_);
  auto it = routes_.find({plugin, method, path});
  return it == routes_.end() ? nullptr : it->second;
}

std::vector<std::string> RouteTable::methods_for(const std::string& plugin, const std::string& path) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, route] : routes_)
    if (std::get<0>(key) == plugin && std::get<2>(key) == path) out.push_back(std::get<1>(key));
  return out;
}

}  // namespace turnout::plugins
