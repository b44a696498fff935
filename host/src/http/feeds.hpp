// Calendar feeds over HTTP: GET /feeds/volunteers/{token}.ics,
// /feeds/groups/{token}.ics and /feeds/bodies/{id}.ics. The host checks the
// token, keeps the rendered bytes (FeedCache), answers conditional requests
// and sets the headers; the calendar plugin only renders (plugin.hpp,
// "Calendar feeds"). See docs/calendar.md.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <turnout/plugin.hpp>

#include "store/feeds.hpp"

namespace turnout::http {

// One rendered feed: its bytes and the validators computed from them.
struct RenderedFeed {
  std::string body;
  std::string etag;           // strong: "<BLAKE2b-128 of the bytes, hex>"
  std::string last_modified;  // IMF-fixdate
  std::int64_t last_modified_at = 0;
  std::uint64_t generation = 0;  // of the feed's group when it was rendered
  std::int64_t expires_at = 0;   // Unix seconds; re-render after this even if nothing changed
};

// Rendered feeds by (kind, id), least recently used out first once the
// bytes held pass the bound. An entry is current while its group's
// generation (store::group_generation) is unchanged and it has not expired.
class FeedCache {
 public:
  explicit FeedCache(std::size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}
  static constexpr std::size_t kDefaultMaxBytes = 16u << 20;  // 16 MiB: ~1,000 feeds of 20 events

  std::shared_ptr<const RenderedFeed> find(plugin::FeedKind kind, std::int64_t id, std::uint64_t generation,
                                           std::int64_t now);
  void put(plugin::FeedKind kind, std::int64_t id, std::shared_ptr<const RenderedFeed> feed);
  std::size_t bytes() const;
  std::size_t size() const;

 private:
  using Key = std::uint64_t;
  static Key key_of(plugin::FeedKind kind, std::int64_t id) {
    return (static_cast<Key>(kind) << 56) ^ static_cast<Key>(id);
  }
  void erase_locked(std::list<std::pair<Key, std::shared_ptr<const RenderedFeed>>>::iterator it);

  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::size_t bytes_ = 0;
  std::list<std::pair<Key, std::shared_ptr<const RenderedFeed>>> lru_;  // most recent first
  std::unordered_map<Key, decltype(lru_)::iterator> index_;
};

// Whose feed a link opens, by the token's hash (or a body's id), so that a
// repeated fetch does not ask SQLite. Only links that exist are kept: an
// unknown or replaced token is looked up every time and answers 404.
//
// An entry holds while the generation of the owner's group is the one read
// when it was put (a rotation, an erasure, a change of feed_public all
// record a domain event for the group, and the counter rises after their
// commit, before their answer), and for at most max_age_seconds. put() must
// be given a generation read before the lookup it stores (see
// Api::handle_feed). At most max_entries, least recently used out first.
class FeedOwners {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  struct Key {
    plugin::FeedKind kind{};
    std::array<unsigned char, kKeyBytes> bytes{};  // the token's hash; a body's id in the first 8
    bool operator==(const Key&) const = default;
  };
  struct Found {
    store::FeedOwner owner;
    std::uint64_t generation = 0;  // of the owner's group, current as of the find
  };
  static constexpr std::size_t kDefaultMaxEntries = 1u << 16;
  static constexpr std::int64_t kDefaultMaxAgeSeconds = 600;
  explicit FeedOwners(std::size_t max_entries = kDefaultMaxEntries,
                      std::int64_t max_age_seconds = kDefaultMaxAgeSeconds)
      : max_entries_(max_entries), max_age_seconds_(max_age_seconds) {}

  std::optional<Found> find(const Key& key, std::int64_t now);
  void put(const Key& key, store::FeedOwner owner, std::uint64_t generation, std::int64_t now);
  std::size_t size() const;

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      std::uint64_t h;  // a token hash is uniform already; a body id is spread below
      std::memcpy(&h, k.bytes.data(), sizeof h);
      return static_cast<std::size_t>((h ^ static_cast<std::uint64_t>(k.kind)) * 0x9E3779B97F4A7C15ull);
    }
  };
  struct Entry {
    Key key;
    store::FeedOwner owner;
    std::uint64_t generation = 0;
    std::int64_t expires_at = 0;
  };
  using List = std::list<Entry>;
  void erase_locked(List::iterator it);

  std::size_t max_entries_;
  std::int64_t max_age_seconds_;
  mutable std::mutex mutex_;
  List lru_;  // most recent first
  std::unordered_map<Key, List::iterator, KeyHash> index_;
};

// A strong ETag over the bytes.
std::string feed_etag(std::string_view bytes);
// Unix seconds as an HTTP date (IMF-fixdate), and back: any of the three
// forms RFC 9110 names; nothing for anything else.
std::string http_date(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_http_date(std::string_view text);
// Whether an If-None-Match value ("*", or a list of entity tags, weak or
// strong) matches the ETag (weak comparison, as RFC 9110 asks for GET).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace turnout::http
