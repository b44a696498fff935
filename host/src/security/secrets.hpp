// Tokens and passwords, through libsodium. Tokens carry 256 random bits
// and are stored only as their hash; passwords as argon2id strings.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace turnout::security {

// Must run once before any other call here (sodium_init); safe to repeat.
void init();

// A new random token: prefix + 43 characters of URL-safe base64 (32 bytes).
// Prefixes tell kinds apart at a glance: "tk_" API, "fd_" feed.
std::string new_token(std::string_view prefix);
// The stored form of a token: a 32-byte BLAKE2b hash. Tokens are random,
// so a fast hash is enough; lookups go through an index on the hash.
std::string hash_token(std::string_view token);
// The same hash into a caller's buffer, for hot paths that must not allocate.
inline constexpr std::size_t kTokenHashBytes = 32;
void hash_token(std::string_view token, std::span<unsigned char, kTokenHashBytes> out);

std::string hash_password(std::string_view password);
bool verify_password(std::string_view stored_hash, std::string_view password);

// Compares in time that depends only on the lengths.
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace turnout::security
