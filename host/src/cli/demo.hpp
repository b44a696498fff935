// Demo data: a fictional county immigrant-rights coalition with its bodies,
// meetings, slots, volunteers and assignments in every state. Dates are set
// relative to the clock, so the meetings are always upcoming when loaded.
#pragma once

#include <string>

#include "store/context.hpp"

namespace turnout::cli {

struct DemoResult {
  bool created = false;  // false: it was there already, nothing changed
  domain::Group group;
  std::string coordinator_email;
  std::string coordinator_password;  // demo only; documented in the README
};

DemoResult load_demo(store::Database& db, const domain::Clock& clock);

inline constexpr const char* kDemoSlug = "valle-verde";
inline constexpr const char* kDemoCoordinatorEmail = "coordinator@example.org";
inline constexpr const char* kDemoCoordinatorPassword = "organize-valle-verde";

}  // namespace turnout::cli
