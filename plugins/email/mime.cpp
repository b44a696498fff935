#include "mime.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace turnout::email {
namespace {

constexpr std::size_t kMaxLine = 78;  // RFC 5322 §2.1.1: SHOULD
constexpr std::string_view kCrlf = "\r\n";

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool plain_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

// RFC 5322 atext plus space: a display name that needs no quoting.
bool atext_phrase(std::string_view s) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~ ";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

// Length of the UTF-8 sequence starting with `lead` (1 for a stray byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

std::string base64(std::string_view in, bool wrap) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4 + in.size() / 57 * 2 + 2);
  std::size_t line = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
    if (wrap && (line += 4) == 76 && i + 3 < in.size()) {
      out += kCrlf;
      line = 0;
    }
  }
  return out;
}

// Deterministic, not secret: keeps boundaries stable for one message.
std::string fnv_hex(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += kCrlf;
}

}  // namespace

void check_header_text(std::string_view text, std::string_view field) {
  for (char c : text)
    if (is_control(static_cast<unsigned char>(c)) && c != '\t')
      throw MailError(std::string(field) + ": a line break or control character cannot be part of a header");
}

void check_address(std::string_view a, std::string_view field) {
  auto at = a.rfind('@');
  if (a.empty() || a.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 == a.size() || at > 64)
    throw MailError(std::string(field) + ": not an email address (local@domain)");
  for (char c : a) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"' || c == '(' || c == ')' || c == ',' ||
        c == ';' || c == ':' || c == '\\' || c == '[' || c == ']')
      throw MailError(std::string(field) + ": an email address here is plain ASCII without spaces or brackets");
  }
  auto domain = a.substr(at + 1);
  if (domain.find('@') != std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos || domain.find('.') == std::string_view::npos)
    throw MailError(std::string(field) + ": the address has no valid domain");
}

Address parse_address(std::string_view text, std::string_view field) {
  check_header_text(text, field);
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  Address out;
  auto lt = text.rfind('<');
  if (lt != std::string_view::npos && !text.empty() && text.back() == '>') {
    auto name = trim(text.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    out.name = std::string(name);
    out.address = std::string(text.substr(lt + 1, text.size() - lt - 2));
  } else {
    out.address = std::string(text);
  }
  check_address(out.address, field);
  return out;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string("localhost") : std::string(address.substr(at + 1));
}

std::string encode_header(std::string_view value, std::size_t name_length) {
  if (plain_ascii(value)) {
    // Fold at spaces to keep lines short; a single long word stays whole.
    std::string out;
    std::size_t line = name_length;
    std::size_t i = 0;
    while (i < value.size()) {
      auto space = value.find(' ', i + 1);
      auto word = value.substr(i, space == std::string_view::npos ? std::string_view::npos : space - i);
      if (line + word.size() > kMaxLine && !out.empty() && word.front() == ' ') {
        out += kCrlf;
        line = 0;
      }
      out += word;
      line += word.size();
      i += word.size();
    }
    return out;
  }
  // RFC 2047 §2: an encoded word is at most 75 octets; "=?UTF-8?B?" and
  // "?=" leave 63 for base64, 45 bytes of text, never splitting a character.
  // The first word shares its line with the header's name, so it takes
  // less: every line stays within 78 octets.
  std::string out;
  std::size_t i = 0;
  bool first = true;
  while (i < value.size()) {
    std::size_t room = first ? (kMaxLine > name_length + 12 ? kMaxLine - name_length - 12 : 4) : 63;
    std::size_t budget = std::max<std::size_t>(3, std::min<std::size_t>(45, room / 4 * 3));
    std::size_t end = i;
    while (end < value.size()) {
      std::size_t n = utf8_length(static_cast<unsigned char>(value[end]));
      if (end + n - i > budget) break;
      end += n;
    }
    if (end == i) end = std::min(value.size(), i + 1);  // a broken sequence: pass it through
    if (!first) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(value.substr(i, end - i), false) + "?=";
    first = false;
    i = end;
  }
  return out;
}

std::string format_address(const Address& a) {
  check_address(a.address, "address");
  check_header_text(a.name, "name");
  if (a.name.empty()) return a.address;
  std::string name;
  if (atext_phrase(a.name)) {
    name = a.name;
  } else if (plain_ascii(a.name)) {
    name = "\"";
    for (char c : a.name) {
      if (c == '"' || c == '\\') name += '\\';
      name += c;
    }
    name += '"';
  } else {
    name = encode_header(a.name, 6);  // after "From: " or "To: "
  }
  // The address goes on the name's last line, or on a line of its own when
  // it would not fit there.
  auto last = name.rfind("\r\n");
  std::size_t last_line = last == std::string::npos ? 6 + name.size() : name.size() - last - 2;
  if (last_line + 3 + a.address.size() > kMaxLine) return name + "\r\n <" + a.address + ">";
  return name + " <" + a.address + ">";
}

std::string quoted_printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // Worst case: every byte as =XX, a soft break every 25 of them.
  std::string out(text.size() * 3 + text.size() / 8 + 16, '\0');
  char* o = out.data();
  std::size_t line = 0;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < n && text[i + 1] == '\n') continue;  // CRLF comes as LF next
    if (c == '\n') {
      *o++ = '\r';
      *o++ = '\n';
      line = 0;
      continue;
    }
    bool literal;
    if (c >= 33 && c <= 126) {
      // "From " at a line's start trips mbox readers: encode its F. (A '.'
      // alone is fine: libcurl dot-stuffs.)
      literal = c != '=' && !(c == 'F' && line == 0 && text.substr(i, 5) == "From ");
    } else if (c == ' ' || c == '\t') {
      literal = i + 1 < n && text[i + 1] != '\n' && text[i + 1] != '\r';  // trailing blanks are encoded
    } else {
      literal = false;
    }
    std::size_t need = literal ? 1 : 3;
    if (line + need > 75) {  // leave room for the soft break's '='
      *o++ = '=';
      *o++ = '\r';
      *o++ = '\n';
      line = 0;
    }
    if (literal) {
      *o++ = static_cast<char>(c);
    } else {
      *o++ = '=';
      *o++ = kHex[c >> 4];
      *o++ = kHex[c & 15];
    }
    line += need;
  }
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string compose(const Mail& mail, std::int64_t date, std::string_view message_id, std::string_view boundary_seed) {
  check_header_text(mail.subject, "subject");
  check_header_text(message_id, "message_id");
  check_header_text(mail.language, "language");
  for (const auto& [name, value] : mail.headers) {
    check_header_text(name, "header name");
    // A value may be folded by its maker ("\r\n " then more): each line
    // is checked, and nothing but a fold may break it.
    std::string_view rest = value;
    for (auto fold = rest.find("\r\n "); fold != std::string_view::npos; fold = rest.find("\r\n ")) {
      check_header_text(rest.substr(0, fold), name);
      rest.remove_prefix(fold + 3);
    }
    check_header_text(rest, name);
    if (name.empty() || name.find(':') != std::string::npos || !plain_ascii(name))
      throw MailError("header name: letters, digits and '-' only");
  }
  for (const auto& a : mail.attachments) {
    check_header_text(a.filename, "attachment filename");
    check_header_text(a.content_type, "attachment content type");
    if (!plain_ascii(a.filename) || a.filename.find('"') != std::string::npos)
      throw MailError("attachment filename: plain ASCII without quotes");
  }

  std::string out;
  out.reserve(mail.text.size() + mail.html.size() + 2048);
  header(out, "Date", rfc5322_date(date));
  header(out, "From", format_address(mail.from));
  if (!mail.to.address.empty()) header(out, "To", format_address(mail.to));  // else the sender adds it
  header(out, "Subject", encode_header(mail.subject, 9));
  header(out, "Message-ID", message_id);
  for (const auto& [name, value] : mail.headers) header(out, name, value);
  if (!mail.language.empty()) header(out, "Content-Language", mail.language);
  header(out, "MIME-Version", "1.0");

  const std::string seed = fnv_hex(boundary_seed);
  const std::string mixed = "=_turnout_mixed_" + seed;
  const std::string alternative = "=_turnout_alt_" + seed;

  auto text_part = [&](std::string_view type, std::string_view body) {
    std::string p;
    header(p, "Content-Type", std::string(type) + "; charset=utf-8");
    header(p, "Content-Transfer-Encoding", "quoted-printable");
    p += kCrlf;
    p += quoted_printable(body);
    p += kCrlf;
    return p;
  };
  auto body_part = [&] {
    if (mail.html.empty()) return text_part("text/plain", mail.text);
    std::string p;
    header(p, "Content-Type", "multipart/alternative; boundary=\"" + alternative + "\"");
    p += kCrlf;
    // Least preferred first (RFC 2046 §5.1.4): clients show the HTML.
    p += "--" + alternative + "\r\n" + text_part("text/plain", mail.text);
    p += "--" + alternative + "\r\n" + text_part("text/html", mail.html);
    p += "--" + alternative + "--\r\n";
    return p;
  };

  if (mail.attachments.empty()) {
    out += body_part();
    return out;
  }
  header(out, "Content-Type", "multipart/mixed; boundary=\"" + mixed + "\"");
  out += kCrlf;
  out += "--" + mixed + "\r\n" + body_part();
  for (const auto& a : mail.attachments) {
    out += "--" + mixed + "\r\n";
    header(out, "Content-Type", a.content_type);
    header(out, "Content-Disposition", "attachment; filename=\"" + a.filename + "\"");
    header(out, "Content-Transfer-Encoding", "base64");
    out += kCrlf;
    out += base64(a.data, true);
    out += kCrlf;
  }
  out += "--" + mixed + "--\r\n";
  return out;
}

std::string with_recipient(const Address& to, std::string_view message) {
  std::string out = "To: " + format_address(to) + "\r\n";
  out += message;
  return out;
}

}  // namespace turnout::email
