// What callers hand in (from JSON, CSV or the CLI), before it is checked.
// Each validate_* turns a draft into an entity or throws invalid(field).
// Optional members left empty take the entity's default on create; on
// update (apply_*), only the members present change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/types.hpp"

namespace turnout::domain {

struct VolunteerDraft {
  std::optional<std::string> name{}, phone{}, email{}, language{}, timezone{}, notes{};
  std::optional<bool> sms_opt_in{}, email_opt_in{};
  std::optional<std::vector<std::string>> tags{};
};
// The group lends its country (to read local numbers), zone and language.
Volunteer validate_volunteer(const VolunteerDraft& draft, const Group& group);
void apply_volunteer(Volunteer& v, const VolunteerDraft& draft, const Group& group);

struct BodyDraft {
  std::optional<std::string> name{}, kind{}, jurisdiction{}, timezone{};
  std::optional<int> minutes_per_speaker{}, signup_closes_minutes_before{}, interpretation_lead_hours{};
  std::optional<std::optional<int>> signup_opens_minutes_before{}, written_limit_words{}, written_deadline_minutes_before{};
  std::optional<bool> remote_allowed{}, feed_public{};
};
// The zone defaults to the group's. On update (apply_body) the result is
// checked whole: sign-up must still open before it closes.
Body validate_body(const BodyDraft& draft, const Group& group);
void apply_body(Body& b, const BodyDraft& draft);

struct MeetingDraft {
  std::optional<Id> body_id{};
  std::optional<std::string> title{}, starts_at{}, ends_at{}, timezone{}, location{}, remote_url{}, agenda_url{}, status{};
};
// `body` is the meeting's body (its zone is the default). Without ends_at a
// meeting lasts three hours: long enough for most public comment periods.
Meeting validate_meeting(const MeetingDraft& draft, const Body& body);
void apply_meeting(Meeting& m, const MeetingDraft& draft);

struct AgendaItemDraft {
  std::optional<std::string> number{}, title{}, matter{}, stance{};
};
AgendaItem validate_agenda_item(const AgendaItemDraft& draft);

struct SlotDraft {
  std::optional<std::string> role{}, mode{}, language{};
  std::optional<int> minutes{}, capacity{}, order{};
  std::optional<Id> agenda_item_id{};
};
// Minutes default to the body's minutes per speaker for speakers, 0 otherwise.
Slot validate_slot(const SlotDraft& draft, const PublicCommentRules& rules);

}  // namespace turnout::domain
