// Public sign-up through a meeting's link: a person names themselves and a
// slot; Turnout finds them by phone among the group's volunteers (or adds
// them) and places them, inside the body's sign-up window.
#pragma once

#include <optional>
#include <string>

#include "domain/drafts.hpp"
#include "store/context.hpp"

namespace turnout::store {

struct PublicSignup {
  domain::Id slot_id = 0;
  domain::VolunteerDraft person;  // name and phone required
  std::string needs_interpreter;
};

struct PublicSignupResult {
  domain::Assignment assignment;
  domain::Meeting meeting;
  bool new_volunteer = false;
  // Set only when this sign-up created the volunteer: their private page's
  // token and a calendar-feed token, each shown once. A number already on
  // the group's list gets neither, or anyone typing someone's phone would
  // reach that person's page and calendar.
  std::optional<std::string> manage_token;
  std::optional<std::string> feed_token;
};

// Someone who gives the phone of an existing volunteer is placed as that
// volunteer, but changes nothing of their record: typing a number must not
// let anyone overwrite another person's name or email. The place starts as
// `invited` until the person confirms from their own phone.
PublicSignupResult sign_up_publicly(const Context& ctx, std::string_view signup_token, const PublicSignup& signup);

}  // namespace turnout::store
