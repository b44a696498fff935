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
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::too_large: return "too_large";
  }
  return "error";
}

}  // namespace turnout
