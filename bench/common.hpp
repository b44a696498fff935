// Shared by the benchmark tools.
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace turnout::bench {

// The whole of `text` as a number, or exit 2 saying which flag was wrong.
template <typename T>
T parse_number(std::string_view program, std::string_view text, std::string_view flag) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    fmt::print(stderr, "{}: {} wants a number, not '{}'\n", program, flag, text);
    std::exit(2);
  }
  return value;
}

}  // namespace turnout::bench
