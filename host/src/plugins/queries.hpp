// The read side of the plugin Host: the group's data copied into the SDK's
// views. Each function takes the group, so an id from another group finds
// nothing (not_found), exactly as in the HTTP API.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <turnout/plugin.hpp>

#include "domain/types.hpp"

namespace turnout::store {
class Database;
}

namespace turnout::plugins::queries {

plugin::GroupView group_view(const domain::Group& g, const std::string& public_url);
plugin::VolunteerView volunteer_view(const domain::Volunteer& v, const domain::Group& g);

std::vector<plugin::MeetingView> meetings(store::Database& db, domain::Id group_id, std::int64_t from, std::int64_t to);
plugin::MeetingView meeting(store::Database& db, domain::Id group_id, domain::Id meeting_id);
std::vector<plugin::AgendaItemView> agenda_items(store::Database& db, domain::Id group_id, domain::Id meeting_id);
std::vector<plugin::SlotView> slots(store::Database& db, domain::Id group_id, domain::Id meeting_id);
std::vector<plugin::AssignmentView> volunteer_assignments(store::Database& db, domain::Id group_id,
                                                          domain::Id volunteer_id, std::int64_t from, std::int64_t to);
std::vector<plugin::AssignmentView> meeting_assignments(store::Database& db, domain::Id group_id,
                                                        domain::Id meeting_id);

plugin::AssignmentView assignment(store::Database& db, domain::Id group_id, domain::Id assignment_id);

// Messages of the group that failed for good since `since` (Unix seconds).
int failed_messages(store::Database& db, domain::Id group_id, std::int64_t since);

}  // namespace turnout::plugins::queries
