#include "http/feeds.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <cstring>
#include <ctime>

#include "http/api.hpp"
#include "http/paging.hpp"
#include "plugins/calendars.hpp"
#include "security/secrets.hpp"
#include "store/feeds.hpp"
#include "store/read_pool.hpp"

namespace turnout::http {

namespace bh = boost::beast::http;
using Clock = std::chrono::steady_clock;

// ---- the cache --------------------------------------------------------------

std::shared_ptr<const RenderedFeed> FeedCache::find(plugin::FeedKind kind, std::int64_t id, std::uint64_t generation,
                                                    std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key_of(kind, id));
  if (it == index_.end()) return nullptr;
  const auto& feed = it->second->second;
  if (feed->generation != generation || now >= feed->expires_at) {
    erase_locked(it->second);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);  // no allocation
  return feed;
}

void FeedCache::put(plugin::FeedKind kind, std::int64_t id, std::shared_ptr<const RenderedFeed> feed) {
  std::size_t size = feed->body.size();
  if (size > max_bytes_ / 4) return;  // one huge feed must not empty the cache
  Key key = key_of(kind, id);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) erase_locked(it->second);
  lru_.emplace_front(key, std::move(feed));
  index_.emplace(key, lru_.begin());
  bytes_ += size;
  while (bytes_ > max_bytes_ && !lru_.empty()) erase_locked(std::prev(lru_.end()));
}

void FeedCache::erase_locked(decltype(lru_)::iterator it) {
  bytes_ -= it->second->body.size();
  index_.erase(it->first);
  lru_.erase(it);
}

std::size_t FeedCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t FeedCache::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

// ---- who a link opens ------------------------------------------------------

std::optional<FeedOwners::Found> FeedOwners::find(const Key& key, std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  const Entry& e = *it->second;
  const std::uint64_t generation = store::group_generation(e.owner.group_id);
  if (generation != e.generation || now >= e.expires_at) {
    erase_locked(it->second);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);  // no allocation
  return Found{e.owner, generation};
}

void FeedOwners::put(const Key& key, store::FeedOwner owner, std::uint64_t generation, std::int64_t now) {
  if (max_entries_ == 0) return;
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) erase_locked(it->second);
  lru_.push_front(Entry{key, owner, generation, now + max_age_seconds_});
  index_.emplace(key, lru_.begin());
  while (index_.size() > max_entries_) erase_locked(std::prev(lru_.end()));
}

void FeedOwners::erase_locked(List::iterator it) {
  index_.erase(it->key);
  lru_.erase(it);
}

std::size_t FeedOwners::size() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

// ---- validators -------------------------------------------------------------

std::string feed_etag(std::string_view bytes) {
  unsigned char hash[16];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr, 0);
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return std::string("\"") + hex + "\"";
}

std::string http_date(std::int64_t unix_seconds) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  // IMF-fixdate, RFC 850 and asctime, whole string only, in the C locale's
  // English names (strptime's %a/%b are the C locale's: the daemon never
  // calls setlocale).
  static const char* const kFormats[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                         "%a %b %e %H:%M:%S %Y"};
  if (text.size() > 64) return std::nullopt;
  std::string s(text);
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), format, &tm);
    if (!end || *end != '\0') continue;
    return static_cast<std::int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

bool etag_matches(std::string_view header, std::string_view etag) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  header = trim(header);
  if (header == "*") return true;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto tag = trim(header.substr(0, comma));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// ---- serving ----------------------------------------------------------------

namespace {

struct FeedPath {
  plugin::FeedKind kind;
  std::string_view key;    // the token, or the body's id
  const char* route_name;  // the route pattern: what the log and metrics see instead of the token
};

// "/feeds/volunteers/TOKEN.ics" and the like; nothing for another path.
std::optional<FeedPath> parse_feed_path(std::string_view path) {
  constexpr std::string_view kPrefix = "/feeds/";
  constexpr std::string_view kSuffix = ".ics";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  path.remove_suffix(kSuffix.size());
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto kind = path.substr(0, slash);
  auto key = path.substr(slash + 1);
  if (key.find('/') != std::string_view::npos) return std::nullopt;
  if (kind == "volunteers") return FeedPath{plugin::FeedKind::volunteer, key, "/feeds/volunteers/{token}.ics"};
  if (kind == "groups") return FeedPath{plugin::FeedKind::group, key, "/feeds/groups/{token}.ics"};
  if (kind == "bodies") return FeedPath{plugin::FeedKind::body, key, "/feeds/bodies/{id}.ics"};
  return std::nullopt;
}

// A token as new_token() makes them: a prefix and URL-safe base64. Anything
// else is not looked up at all (and answers the same 404).
bool plausible_token(std::string_view token, std::string_view prefix) {
  if (!token.starts_with(prefix) || token.size() < prefix.size() + 22 || token.size() > 100) return false;
  return std::all_of(token.begin() + static_cast<std::ptrdiff_t>(prefix.size()), token.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::int64_t v = std::stoll(std::string(s));
  if (v <= 0) return std::nullopt;
  return v;
}

// At most this long between renders of an unchanged feed, so that what
// time alone changes (a meeting leaving the window) shows within the hour.
constexpr std::int64_t kMaxFeedAgeSeconds = 3600;

}  // namespace

void Api::attach_calendars(plugins::Calendars* calendars) { calendars_ = calendars; }

bool Api::handle_feed(const Request& request, const Reply& reply, Clock::time_point start) {
  std::string_view target = sv(request.target());
  if (!target.starts_with("/feeds/")) return false;
  if (request.method() != bh::verb::get && request.method() != bh::verb::head) return false;  // the router's 405
  auto parsed = parse_feed_path(target.substr(0, target.find('?')));
  if (!parsed) return false;  // the router's 404
  const std::string_view route_name = parsed->route_name;
  auto fail = [&](bh::status status, std::string_view code, std::string_view message) {
    Response res = render_error(request, status, code, message);
    res.set("Referrer-Policy", "no-referrer");
    finish(request, route_name, start, std::move(res), reply);
    return true;
  };
  if (!calendars_ || !calendars_->available())
    return fail(bh::status::not_found, "no_calendar_plugin",
                "no calendar plugin is running on this server; the operator enables the ical plugin");

  // Unknown, replaced and malformed tokens, and bodies that are not public,
  // all get this same answer.
  auto none = [&] { return fail(bh::status::not_found, "not_found", "no such calendar"); };
  FeedOwners::Key key{parsed->kind, {}};
  switch (parsed->kind) {
    case plugin::FeedKind::volunteer:
    case plugin::FeedKind::group:
      if (!plausible_token(parsed->key, parsed->kind == plugin::FeedKind::volunteer ? "fd_" : "gf_")) return none();
      security::hash_token(parsed->key, key.bytes);
      break;
    case plugin::FeedKind::body: {
      auto id = parse_id(parsed->key);
      if (!id) return none();
      std::memcpy(key.bytes.data(), &*id, sizeof *id);
      break;
    }
  }
  const std::int64_t now = clock_.now().time_since_epoch().count();
  std::optional<store::FeedOwner> owner;
  // The generation of the owner's group, read before whatever is rendered
  // or remembered from the data: a write that commits meanwhile leaves it
  // stale at once.
  std::uint64_t generation = 0;
  if (auto found = feed_owners_->find(key, now)) {
    owner = found->owner;
    generation = found->generation;
  } else {
    auto lookup = [&](store::Database& db) -> std::optional<store::FeedOwner> {
      switch (parsed->kind) {
        case plugin::FeedKind::volunteer: return store::find_volunteer_feed_by_hash(db, key.bytes);
        case plugin::FeedKind::group: return store::find_group_feed_by_hash(db, key.bytes);
        case plugin::FeedKind::body: {
          std::int64_t id;
          std::memcpy(&id, key.bytes.data(), sizeof id);
          return store::find_public_body_feed(db, id);
        }
      }
      return std::nullopt;
    };
    try {
      store::Database& db = reads_.local();
      // The group is known only after a first look; its generation is read
      // after that, and a second look (which sees every commit whose bump
      // came before the read) is what is remembered under it.
      owner = lookup(db);
      if (owner) {
        generation = store::group_generation(owner->group_id);
        auto again = lookup(db);
        if (again && again->group_id == owner->group_id && again->id == owner->id)
          feed_owners_->put(key, *again, generation, now);
        owner = again;
      }
    } catch (const std::exception& e) {
      spdlog::error("GET {}: {}", route_name, e.what());
      return fail(bh::status::internal_server_error, "internal", "something went wrong on our side");
    }
  }
  if (!owner) return none();

  auto feed = feed_cache_->find(parsed->kind, owner->id, generation, now);
  if (!feed) {
    plugin::Feed rendered;
    std::string error;
    switch (calendars_->render({parsed->kind, owner->group_id, owner->id, now}, rendered, error)) {
      case plugins::Calendars::Result::rendered: break;
      case plugins::Calendars::Result::none:
        return fail(bh::status::not_found, "no_calendar_plugin",
                    "no calendar plugin is running on this server; the operator enables the ical plugin");
      case plugins::Calendars::Result::failed:
        return fail(bh::status::internal_server_error, "internal", "the calendar could not be made; try again later");
    }
    auto entry = std::make_shared<RenderedFeed>();
    entry->etag = feed_etag(rendered.text);
    entry->last_modified_at = std::min(rendered.last_modified, now);
    entry->last_modified = http_date(entry->last_modified_at);
    entry->generation = generation;
    entry->expires_at = now + kMaxFeedAgeSeconds;
    if (rendered.expires_at > now) entry->expires_at = std::min(entry->expires_at, rendered.expires_at);
    entry->body = std::move(rendered.text);
    feed = entry;
    feed_cache_->put(parsed->kind, owner->id, std::move(entry));
  }

  // If-None-Match wins over If-Modified-Since; a date that does not parse
  // is ignored (200), as RFC 9110 says. A client sends back the very
  // Last-Modified it was given: that compares without parsing.
  bool not_modified = false;
  if (auto inm = sv(request[bh::field::if_none_match]); !inm.empty()) {
    not_modified = etag_matches(inm, feed->etag);
  } else if (auto ims = sv(request[bh::field::if_modified_since]); !ims.empty()) {
    if (ims == feed->last_modified) not_modified = true;
    else if (auto since = parse_http_date(ims)) not_modified = feed->last_modified_at <= *since;
  }

  // The header values are the cache entry's, made once when it rendered.
  // A person's own schedule: no shared cache keeps it, and a link from a
  // calendar app never carries the feed's URL onward.
  Response res{not_modified ? bh::status::not_modified : bh::status::ok, request.version()};
  res.keep_alive(request.keep_alive());
  res.set(bh::field::etag, feed->etag);
  res.set(bh::field::last_modified, feed->last_modified);
  res.set(bh::field::cache_control, "private, no-cache");
  res.set("Referrer-Policy", "no-referrer");
  if (!not_modified) {
    // A 304 carries no body, so neither the type nor nosniff (RFC 9110
    // 15.4.5 asks for the validators and Cache-Control only).
    res.set(bh::field::content_type, "text/calendar; charset=utf-8");
    res.set("X-Content-Type-Options", "nosniff");
    res.content_length(feed->body.size());
    // The cached bytes themselves, kept alive by the response: no copy.
    if (request.method() != bh::verb::head) res.body().share(std::shared_ptr<const std::string>(feed, &feed->body));
  }
  finish(request, route_name, start, std::move(res), reply);
  return true;
}

}  // namespace turnout::http
