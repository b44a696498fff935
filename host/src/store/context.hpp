// What every store operation needs: the connection, the clock and who acts.
#pragma once

#include "domain/time.hpp"
#include "domain/types.hpp"
#include "store/database.hpp"

namespace turnout::store {

struct Context {
  Database& db;
  const domain::Clock& clock;
  domain::Actor actor;

  std::int64_t now() const { return clock.now().time_since_epoch().count(); }
};

inline domain::Time to_time(std::int64_t seconds) { return domain::Time{std::chrono::seconds{seconds}}; }
inline std::int64_t to_seconds(domain::Time t) { return t.time_since_epoch().count(); }

}  // namespace turnout::store
