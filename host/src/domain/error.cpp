#include "domain/error.hpp"

namespace turnout {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid: return "invalid";
    case ErrorCode::malformed: return "malformed";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::full: return "full";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::closed: return "closed";
    case ErrorCode::forbidden: return "forbidden";
  }
  return "error";
}

}  // namespace turnout
