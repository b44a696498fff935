// The one error type the domain and store raise for anything a caller did
// wrong or asked for that the rules refuse. The HTTP layer maps `code` to a
// status; the CLI prints `message` (and the field) and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace turnout {

enum class ErrorCode {
  invalid,    // a field's value is wrong (422)
  malformed,  // the request cannot be read at all (400)
  not_found,  // no such thing in your group (404)
  full,       // the slot has no place left (409)
  conflict,   // overlaps another slot, or already exists (409)
  closed,     // public sign-up is not open (409)
  forbidden,  // your role may not do this (403)
  unauthorized,  // no valid token or session (401)
  rate_limited,  // too many tries; wait (429)
  too_large,     // the request is larger than allowed (413)
};

const char* to_string(ErrorCode code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, std::string field = {})
      : std::runtime_error(std::move(message)), code_(code), field_(std::move(field)) {}
  ErrorCode code() const noexcept { return code_; }
  const std::string& field() const noexcept { return field_; }

 private:
  ErrorCode code_;
  std::string field_;
};

inline Error invalid(std::string field, std::string message) {
  return Error(ErrorCode::invalid, std::move(message), std::move(field));
}
inline Error not_found(std::string what) { return Error(ErrorCode::not_found, what + " not found"); }

}  // namespace turnout
