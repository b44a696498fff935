#include "domain/types.hpp"

#include <array>
#include <utility>

namespace turnout::domain {
namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
std::string_view name_of(const Names<E, N>& names, E value) {
  for (const auto& [e, n] : names)
    if (e == value) return n;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view text) {
  for (const auto& [e, n] : names)
    if (n == text) return e;
  return std::nullopt;
}

constexpr Names<Role, 3> kRoles{{{Role::admin, "admin"}, {Role::coordinator, "coordinator"}, {Role::viewer, "viewer"}}};
constexpr Names<BodyKind, 7> kBodyKinds{{{BodyKind::city_council, "city_council"},
                                         {BodyKind::county_board, "county_board"},
                                         {BodyKind::commission, "commission"},
                                         {BodyKind::committee, "committee"},
                                         {BodyKind::legislature, "legislature"},
                                         {BodyKind::oversight, "oversight"},
                                         {BodyKind::other, "other"}}};
constexpr Names<MeetingStatus, 4> kMeetingStatuses{{{MeetingStatus::tentative, "tentative"},
                                                    {MeetingStatus::confirmed, "confirmed"},
                                                    {MeetingStatus::cancelled, "cancelled"},
                                                    {MeetingStatus::postponed, "postponed"}}};
constexpr Names<Stance, 3> kStances{
    {{Stance::support, "support"}, {Stance::oppose, "oppose"}, {Stance::neutral, "neutral"}}};
constexpr Names<SlotMode, 3> kSlotModes{
    {{SlotMode::in_person, "in_person"}, {SlotMode::remote, "remote"}, {SlotMode::written, "written"}}};
constexpr Names<AssignmentStatus, 6> kAssignmentStatuses{{{AssignmentStatus::invited, "invited"},
                                                          {AssignmentStatus::confirmed, "confirmed"},
                                                          {AssignmentStatus::declined, "declined"},
                                                          {AssignmentStatus::cancelled, "cancelled"},
                                                          {AssignmentStatus::attended, "attended"},
                                                          {AssignmentStatus::no_show, "no_show"}}};
constexpr Names<Outcome, 4> kOutcomes{{{Outcome::spoke, "spoke"},
                                       {Outcome::not_called, "not_called"},
                                       {Outcome::time_ran_out, "time_ran_out"},
                                       {Outcome::written_submitted, "written_submitted"}}};
constexpr Names<Actor::Kind, 4> kActorKinds{{{Actor::Kind::account, "account"},
                                             {Actor::Kind::volunteer, "volunteer"},
                                             {Actor::Kind::plugin, "plugin"},
                                             {Actor::Kind::system, "system"}}};

}  // namespace

std::string_view to_string(Role v) { return name_of(kRoles, v); }
std::string_view to_string(BodyKind v) { return name_of(kBodyKinds, v); }
std::string_view to_string(MeetingStatus v) { return name_of(kMeetingStatuses, v); }
std::string_view to_string(Stance v) { return name_of(kStances, v); }
std::string_view to_string(SlotMode v) { return name_of(kSlotModes, v); }
std::string_view to_string(AssignmentStatus v) { return name_of(kAssignmentStatuses, v); }
std::string_view to_string(Outcome v) { return name_of(kOutcomes, v); }
std::string_view to_string(Actor::Kind v) { return name_of(kActorKinds, v); }

std::optional<Role> parse_role(std::string_view s) { return value_of(kRoles, s); }
std::optional<BodyKind> parse_body_kind(std::string_view s) { return value_of(kBodyKinds, s); }
std::optional<MeetingStatus> parse_meeting_status(std::string_view s) { return value_of(kMeetingStatuses, s); }
std::optional<Stance> parse_stance(std::string_view s) { return value_of(kStances, s); }
std::optional<SlotMode> parse_slot_mode(std::string_view s) { return value_of(kSlotModes, s); }
std::optional<AssignmentStatus> parse_assignment_status(std::string_view s) {
  return value_of(kAssignmentStatuses, s);
}
std::optional<Outcome> parse_outcome(std::string_view s) { return value_of(kOutcomes, s); }

}  // namespace turnout::domain
