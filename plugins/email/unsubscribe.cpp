#include "unsubscribe.hpp"

#include <sodium.h>

#include <charconv>
#include <stdexcept>

namespace turnout::email {
namespace {

constexpr std::size_t kMacBytes = 16;  // 128 bits of the HMAC

std::string mac(const std::string& key, std::string_view purpose, std::string_view payload) {
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size());
  const unsigned char sep = 0;
  crypto_auth_hmacsha256_update(&st, &sep, 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  crypto_auth_hmacsha256_final(&st, out);
  return std::string(reinterpret_cast<const char*>(out), kMacBytes);
}

std::string b64(std::string_view bin) {
  std::string out(sodium_base64_encoded_len(bin.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> unb64(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

}  // namespace

LinkSigner::LinkSigner(std::string key) : key_(std::move(key)) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
  if (key_.size() != 32) throw std::invalid_argument("a link key is 32 bytes");
}

std::string LinkSigner::new_key() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
  std::string key(32, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string LinkSigner::sign(std::string_view purpose, LinkSubject s) const {
  std::string payload = std::to_string(s.group_id) + "." + std::to_string(s.volunteer_id);
  return b64(payload) + "." + b64(mac(key_, purpose, payload));
}

std::optional<LinkSubject> LinkSigner::verify(std::string_view purpose, std::string_view token) const {
  if (token.size() > 200) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = unb64(token.substr(0, dot));
  auto given = unb64(token.substr(dot + 1));
  if (!payload || !given || given->size() != kMacBytes) return std::nullopt;
  auto expected = mac(key_, purpose, *payload);
  if (sodium_memcmp(expected.data(), given->data(), kMacBytes) != 0) return std::nullopt;
  LinkSubject s;
  auto sep = payload->find('.');
  if (sep == std::string::npos) return std::nullopt;
  const char* b = payload->data();
  if (std::from_chars(b, b + sep, s.group_id).ec != std::errc() ||
      std::from_chars(b + sep + 1, b + payload->size(), s.volunteer_id).ec != std::errc())
    return std::nullopt;
  return s;
}

}  // namespace turnout::email
