// Volunteers: the people, their contact data and tags, and its erasure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/drafts.hpp"
#include "domain/error.hpp"
#include "store/context.hpp"

namespace turnout::store {

domain::Volunteer create_volunteer(const Context& ctx, const domain::Group& group, const domain::VolunteerDraft& draft);

// A batch written in one transaction: all of it, or nothing. The error names
// the index of the draft that failed.
class BatchError : public Error {
 public:
  BatchError(std::size_t index, const Error& e) : Error(e), index_(index) {}
  std::size_t index() const noexcept { return index_; }
 private:
  std::size_t index_;
};
std::vector<domain::Volunteer> create_volunteers(const Context& ctx, const domain::Group& group,
                                                 const std::vector<domain::Volunteer>& volunteers);

domain::Volunteer get_volunteer(Database& db, domain::Id group_id, domain::Id id);
domain::Volunteer update_volunteer(const Context& ctx, const domain::Group& group, domain::Id id,
                                   const domain::VolunteerDraft& draft);

struct VolunteerFilter {
  std::string q;    // part of the name
  std::string tag;  // exact tag
  domain::Id after_id = 0;
  int limit = 100;
};
std::vector<domain::Volunteer> list_volunteers(Database& db, domain::Id group_id, const VolunteerFilter& filter);

// Erases a volunteer for good: the row and its contact data are deleted
// (with secure_delete on, their bytes are overwritten), pending messages to
// them are cancelled and emptied, places they held on meetings still ahead
// are freed. Assignments stay without a person, so the group's counts stay.
void erase_volunteer(const Context& ctx, domain::Id group_id, domain::Id id);

// A new calendar-feed token for the volunteer; the old one stops working.
// The volunteer wants no more messages on `channel` (email or sms): the
// opt-in is cleared and pending messages on that channel are suppressed, in
// one transaction. Throws not_found, or invalid("channel").
void unsubscribe(const Context& ctx, domain::Id group_id, domain::Id id, std::string_view channel);
std::string rotate_feed_token(const Context& ctx, domain::Id group_id, domain::Id id);
// The group's volunteer with this E.164 number, if any.
std::optional<domain::Volunteer> find_volunteer_by_phone(Database& db, domain::Id group_id, std::string_view phone);
std::optional<domain::Volunteer> find_volunteer_by_email(Database& db, domain::Id group_id, std::string_view email);
std::optional<domain::Volunteer> find_volunteer_by_feed_token(Database& db, std::string_view token);

// A new private "manage" token (/me/{token}) for the volunteer; the old one
// stops working. Only its hash is kept.
std::string rotate_manage_token(const Context& ctx, domain::Id group_id, domain::Id id);
// The volunteer behind a manage token, in any group (the token is the key).
std::optional<domain::Volunteer> find_volunteer_by_manage_token(Database& db, std::string_view token);

}  // namespace turnout::store
