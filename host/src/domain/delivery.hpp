// Delivery rules that need no storage: quiet hours, retry backoff, which
// reminder moments are due, and what a one-word reply means. The planner
// and the dispatcher (host/src/delivery) call these; tests call them alone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/types.hpp"

namespace turnout::domain {

// Messages go out between 08:00 and 21:00 on the recipient's clock.
inline constexpr std::chrono::minutes kQuietEnds{8 * 60};
inline constexpr std::chrono::minutes kQuietStarts{21 * 60};
// The earliest instant at or after `t` outside quiet hours in `timezone`
// (`t` itself when it is already inside 08:00–21:00). DST-safe.
Time next_sending_moment(Time t, std::string_view timezone);

// Exponential backoff with jitter for the attempt that failed (1-based):
// 30 s, 1 min, 2 min, ... capped at 1 h, each spread by ±20 % with `jitter`
// in [0, 1) so that many failures do not retry in step.
std::chrono::seconds retry_delay(int failed_attempts, double jitter);

// The reminder offsets (minutes before the start) that should exist for an
// assignment: those still ahead, plus, when some moments already passed
// while the meeting is still ahead, only the latest of them (it goes out at
// once, once). Moments before the assignment existed are skipped: the
// confirmation request told the person then. Sorted, largest first.
std::vector<int> due_reminder_offsets(const std::vector<int>& offsets, Time starts_at, Time assigned_at, Time now);

// What a one-word reply asks for. Spaces and punctuation around the word
// and letter case do not matter; accents do not either (SÍ is SI).
enum class ReplyAction { opt_out, opt_in, help, confirm, decline, other };
std::string_view to_string(ReplyAction);
std::optional<ReplyAction> parse_reply_action(std::string_view);
// The group's own extra words, e.g. {"ALTO", opt_out}.
struct ReplyKeyword {
  std::string word;
  ReplyAction action;
};
ReplyAction classify_reply(std::string_view text, const std::vector<ReplyKeyword>& extra = {});
// The word as compared: trimmed, upper case, without accents or trailing
// punctuation. Empty when the text is more than one word.
std::string normalize_reply_word(std::string_view text);

}  // namespace turnout::domain
