#include "store/signup.hpp"

#include "domain/error.hpp"
#include "domain/validate.hpp"
#include "store/assignments.hpp"
#include "store/groups.hpp"
#include "store/meetings.hpp"
#include "store/volunteers.hpp"

namespace turnout::store {

PublicSignupResult sign_up_publicly(const Context& ctx, std::string_view signup_token, const PublicSignup& s) {
  return ctx.db.write([&] {
    auto meeting = find_meeting_by_signup_token(ctx.db, signup_token);
    if (!meeting) throw not_found("sign-up link");
    domain::Group group = get_group(ctx.db, meeting->group_id);
    if (!s.person.phone || s.person.phone->empty())
      throw invalid("phone", "a phone number, so we can remind you and you can confirm");
    domain::Volunteer draft = domain::validate_volunteer(s.person, group);
    PublicSignupResult result;
    result.meeting = *meeting;
    auto existing = find_volunteer_by_phone(ctx.db, group.id, *draft.phone);
    domain::Id volunteer_id;
    if (existing) {
      volunteer_id = existing->id;
    } else {
      domain::VolunteerDraft person = s.person;
      // An email that already belongs to another volunteer is left off the
      // new record: refusing it would tell anyone holding the public link
      // whether that address is on the group's list.
      if (draft.email && find_volunteer_by_email(ctx.db, group.id, *draft.email)) {
        person.email.reset();
        person.email_opt_in.reset();
      }
      Context as_public{ctx.db, ctx.clock, domain::Actor::system("public-signup")};
      volunteer_id = create_volunteer(as_public, group, person).id;
      result.new_volunteer = true;
    }
    Claim claim;
    claim.slot_id = s.slot_id;
    claim.volunteer_id = volunteer_id;
    claim.public_signup = true;
    claim.needs_interpreter = s.needs_interpreter;
    // The slot must belong to this link's meeting, not just to the group.
    if (get_slot(ctx.db, group.id, s.slot_id).meeting_id != meeting->id) throw not_found("slot");
    Context as_volunteer{ctx.db, ctx.clock, domain::Actor::volunteer(volunteer_id)};
    result.assignment = claim_slot(as_volunteer, group.id, claim);
    if (result.new_volunteer) {
      result.manage_token = rotate_manage_token(as_volunteer, group.id, volunteer_id);
      result.feed_token = rotate_feed_token(as_volunteer, group.id, volunteer_id);
    }
    return result;
  });
}

}  // namespace turnout::store
