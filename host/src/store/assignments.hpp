// Assignments: who holds a place on which slot. The rules that must hold
// under any concurrency live here, inside one BEGIN IMMEDIATE each:
// capacity is never exceeded and overlaps are refused unless forced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/error.hpp"
#include "domain/rules.hpp"
#include "store/context.hpp"

namespace turnout::store {

struct Claim {
  domain::Id slot_id = 0;
  domain::Id volunteer_id = 0;
  // A coordinator may place someone on overlapping slots; it is audited.
  bool force = false;
  // Through the public sign-up page: only inside the body's window, never forced.
  bool public_signup = false;
  domain::AssignmentStatus status = domain::AssignmentStatus::invited;
  std::optional<domain::Stance> stance{};
  std::string needs_interpreter{};  // a language, or empty
  std::string join_url{};
};

// Places the volunteer on the slot. Throws Error: not_found (slot or
// volunteer not in this group), full, conflict (overlap, already on it, the
// meeting is off), closed (public sign-up outside its window).
domain::Assignment claim_slot(const Context& ctx, domain::Id group_id, const Claim& claim);

struct AssignmentPatch {
  std::optional<domain::AssignmentStatus> status;
  std::optional<std::optional<domain::Outcome>> outcome;  // set, or clear with nullopt inside
  std::optional<std::optional<domain::Stance>> stance;
  std::optional<std::string> needs_interpreter;
  std::optional<std::string> join_url;
  bool force = false;  // taking a place back despite an overlap
};
domain::Assignment update_assignment(const Context& ctx, domain::Id group_id, domain::Id id,
                                     const AssignmentPatch& patch);

domain::Assignment get_assignment(Database& db, domain::Id group_id, domain::Id id);
std::vector<domain::Assignment> list_assignments_for_slot(Database& db, domain::Id group_id, domain::Id slot_id);
std::vector<domain::Assignment> list_assignments_for_volunteer(Database& db, domain::Id group_id,
                                                               domain::Id volunteer_id);
// Places taken on a slot (statuses that hold a place).
int places_taken(Database& db, domain::Id slot_id);

}  // namespace turnout::store
