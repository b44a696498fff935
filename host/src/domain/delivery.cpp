#include "domain/delivery.hpp"

#include <algorithm>
#include <cctype>

#include "domain/time.hpp"

namespace turnout::domain {

Time next_sending_moment(Time t, std::string_view timezone) {
  using namespace std::chrono;
  auto day = local_day(t, timezone);
  Time opens = at_local(timezone, day, kQuietEnds);
  Time closes = at_local(timezone, day, kQuietStarts);
  if (t >= opens && t < closes) return t;
  if (t < opens) return opens;
  return at_local(timezone, year_month_day{sys_days{day} + days{1}}, kQuietEnds);
}

std::chrono::seconds retry_delay(int failed_attempts, double jitter) {
  using namespace std::chrono;
  const int exponent = std::clamp(failed_attempts - 1, 0, 20);
  double base = std::min(30.0 * static_cast<double>(1LL << exponent), 3600.0);
  double spread = 0.8 + 0.4 * std::clamp(jitter, 0.0, 0.999999);
  return seconds{std::max<std::int64_t>(1, static_cast<std::int64_t>(base * spread))};
}

std::vector<int> due_reminder_offsets(const std::vector<int>& offsets, Time starts_at, Time assigned_at, Time now) {
  std::vector<int> sorted = offsets;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<int> out;
  if (now >= starts_at) return out;  // nothing goes out once the meeting started
  std::optional<int> latest_passed;
  for (int o : sorted) {
    Time moment = starts_at - std::chrono::minutes{o};
    if (moment < assigned_at) continue;  // the confirmation request covered it
    if (moment <= now)
      latest_passed = o;  // sorted largest first: the last one wins
    else
      out.push_back(o);
  }
  if (latest_passed) out.insert(out.begin(), *latest_passed);
  return out;
}

std::string_view to_string(ReplyAction a) {
  switch (a) {
    case ReplyAction::opt_out: return "opt_out";
    case ReplyAction::opt_in: return "opt_in";
    case ReplyAction::help: return "help";
    case ReplyAction::confirm: return "confirm";
    case ReplyAction::decline: return "decline";
    case ReplyAction::other: return "other";
  }
  return "other";
}

std::optional<ReplyAction> parse_reply_action(std::string_view s) {
  for (auto a :
       {ReplyAction::opt_out, ReplyAction::opt_in, ReplyAction::help, ReplyAction::confirm, ReplyAction::decline})
    if (to_string(a) == s) return a;
  return std::nullopt;
}

namespace {
// Bytes of the space or punctuation at `i` (¡ and ¿ included), or 0.
std::size_t punctuation_at(std::string_view text, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  if (std::isspace(c) || c == '.' || c == '!' || c == ',' || c == '?' || c == '"' || c == '\'') return 1;
  if (c == 0xC2 && i + 1 < text.size() &&
      (static_cast<unsigned char>(text[i + 1]) == 0xA1 || static_cast<unsigned char>(text[i + 1]) == 0xBF))
    return 2;
  return 0;
}
}  // namespace

std::string normalize_reply_word(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::size_t p = punctuation_at(text, i)) {
      if (!out.empty()) {
        // Only trailing space or punctuation may follow the word.
        for (std::size_t j = i; j < text.size();) {
          std::size_t q = punctuation_at(text, j);
          if (!q) return {};
          j += q;
        }
        return out;
      }
      i += p;
      continue;
    }
    // Accented capitals and small letters of Spanish, two bytes in UTF-8.
    if (c == 0xC3 && i + 1 < text.size()) {
      unsigned char d = static_cast<unsigned char>(text[i + 1]);
      char plain = 0;
      switch (d) {
        case 0x81:
        case 0xA1: plain = 'A'; break;  // Á á
        case 0x89:
        case 0xA9: plain = 'E'; break;  // É é
        case 0x8D:
        case 0xAD: plain = 'I'; break;  // Í í
        case 0x93:
        case 0xB3: plain = 'O'; break;  // Ó ó
        case 0x9A:
        case 0xBA:
        case 0x9C:
        case 0xBC: plain = 'U'; break;  // Ú ú Ü ü
        case 0x91:
        case 0xB1: plain = 'N'; break;  // Ñ ñ
        default: break;
      }
      if (!plain) return {};
      out += plain;
      i += 2;
      continue;
    }
    if (!std::isalpha(c)) return {};
    out += static_cast<char>(std::toupper(c));
    ++i;
  }
  return out;
}

ReplyAction classify_reply(std::string_view text, const std::vector<ReplyKeyword>& extra) {
  std::string w = normalize_reply_word(text);
  if (w.empty()) return ReplyAction::other;
  for (const char* s : {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
    if (w == s) return ReplyAction::opt_out;
  if (w == "START" || w == "UNSTOP") return ReplyAction::opt_in;
  if (w == "HELP" || w == "AYUDA") return ReplyAction::help;
  if (w == "YES" || w == "SI") return ReplyAction::confirm;
  if (w == "NO") return ReplyAction::decline;
  for (const auto& k : extra)
    if (normalize_reply_word(k.word) == w) return k.action;
  return ReplyAction::other;
}

}  // namespace turnout::domain
