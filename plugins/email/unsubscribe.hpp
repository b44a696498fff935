// Signed, unguessable links for one person: unsubscribe and the calendar
// page. A link carries the group and volunteer ids and an HMAC-SHA256 over
// them (128 bits kept) with the plugin's own key, so it needs no table and
// cannot be forged or pointed at someone else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace turnout::email {

struct LinkSubject {
  std::int64_t group_id = 0;
  std::int64_t volunteer_id = 0;
};

class LinkSigner {
 public:
  // `key`: 32 bytes. `purpose` separates kinds of links ("unsubscribe").
  explicit LinkSigner(std::string key);
  // A fresh 32-byte key (libsodium's random source).
  static std::string new_key();

  // An opaque token for the URL: base64url, no padding.
  std::string sign(std::string_view purpose, LinkSubject subject) const;
  // The subject, when the token is whole and was signed for `purpose` with
  // this key (compared in constant time); nothing otherwise.
  std::optional<LinkSubject> verify(std::string_view purpose, std::string_view token) const;

 private:
  std::string key_;
};

}  // namespace turnout::email
