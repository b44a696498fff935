// Calendar feeds: their tokens, and what tells a rendered feed it is stale.
//
// Feed tokens are not API tokens: they open one read-only calendar and
// nothing else. Only their hash is kept (BLAKE2b, as for API tokens), and a
// token is found through a unique index on that hash, so the lookup does not
// compare the token itself byte by byte.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/context.hpp"

namespace turnout::store {

// A new feed token for the group's calendar; the old one stops working.
std::string rotate_group_feed_token(const Context& ctx, domain::Id group_id);

struct FeedOwner {
  domain::Id group_id = 0;
  domain::Id id = 0;  // the volunteer, the group or the body
};
// Whose feed the token opens; nothing for an unknown or replaced token.
std::optional<FeedOwner> find_volunteer_feed(Database& db, std::string_view token);
std::optional<FeedOwner> find_group_feed(Database& db, std::string_view token);
// The same by the token's hash (security::hash_token), for callers that
// already hashed it.
std::optional<FeedOwner> find_volunteer_feed_by_hash(Database& db, std::span<const unsigned char> hash);
std::optional<FeedOwner> find_group_feed_by_hash(Database& db, std::span<const unsigned char> hash);
// The body, when its group made its feed public.
std::optional<FeedOwner> find_public_body_feed(Database& db, domain::Id body_id);

// A counter per group that rises when a write that recorded a domain event
// for the group commits (record_event arranges it). A feed rendered at
// generation g is current while the counter still reads g. Process-wide and
// in memory: groups share 4096 counters by id, so a change in one group may
// also refresh another's feeds, never the reverse.
std::uint64_t group_generation(domain::Id group_id) noexcept;
void bump_group_generation(domain::Id group_id) noexcept;

}  // namespace turnout::store
