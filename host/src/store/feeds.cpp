#include "store/feeds.hpp"

#include <array>
#include <atomic>

#include "security/secrets.hpp"
#include "store/groups.hpp"
#include "store/journal.hpp"

namespace turnout::store {
namespace {

std::array<std::atomic<std::uint64_t>, 4096> generations{};

std::atomic<std::uint64_t>& counter(domain::Id group_id) noexcept {
  return generations[static_cast<std::uint64_t>(group_id) % generations.size()];
}

Blob as_blob(const std::string& s) { return Blob(reinterpret_cast<const unsigned char*>(s.data()), s.size()); }

}  // namespace

std::string rotate_group_feed_token(const Context& ctx, domain::Id group_id) {
  std::string token = security::new_token("gf_");
  std::string hash = security::hash_token(token);
  ctx.db.write([&] {
    get_group(ctx.db, group_id);
    ctx.db.query("UPDATE \"group\" SET feed_token_hash = ?, updated_at = ? WHERE id = ?", as_blob(hash), ctx.now(),
                 group_id)
        .run();
    audit(ctx, group_id, "group.feed_token_rotated", "group", group_id);
    record_event(ctx, group_id, "group.feed_token_rotated", "group", group_id);
  });
  return token;
}

std::optional<FeedOwner> find_volunteer_feed(Database& db, std::string_view token) {
  return find_volunteer_feed_by_hash(db, as_blob(security::hash_token(token)));
}

std::optional<FeedOwner> find_group_feed(Database& db, std::string_view token) {
  return find_group_feed_by_hash(db, as_blob(security::hash_token(token)));
}

std::optional<FeedOwner> find_volunteer_feed_by_hash(Database& db, std::span<const unsigned char> hash) {
  auto q = db.query("SELECT group_id, id FROM volunteer WHERE feed_token_hash = ?", Blob(hash));
  if (!q.step()) return std::nullopt;
  return FeedOwner{q.int64(0), q.int64(1)};
}

std::optional<FeedOwner> find_group_feed_by_hash(Database& db, std::span<const unsigned char> hash) {
  auto q = db.query("SELECT id FROM \"group\" WHERE feed_token_hash = ?", Blob(hash));
  if (!q.step()) return std::nullopt;
  return FeedOwner{q.int64(0), q.int64(0)};
}

std::optional<FeedOwner> find_public_body_feed(Database& db, domain::Id body_id) {
  auto q = db.query("SELECT group_id, id FROM body WHERE id = ? AND feed_public = 1", body_id);
  if (!q.step()) return std::nullopt;
  return FeedOwner{q.int64(0), q.int64(1)};
}

std::uint64_t group_generation(domain::Id group_id) noexcept { return counter(group_id).load(std::memory_order_acquire); }

void bump_group_generation(domain::Id group_id) noexcept { counter(group_id).fetch_add(1, std::memory_order_acq_rel); }

}  // namespace turnout::store
