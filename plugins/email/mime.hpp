// Internet messages (RFC 5322 with MIME) for the email plugin: addresses
// checked so that no CR or LF ever reaches a header or the SMTP envelope,
// headers in UTF-8 through RFC 2047 encoded words, bodies in
// quoted-printable, multipart/alternative text and HTML, attachments.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turnout::email {

// Anything a message cannot be made from: its text says which field and why
// (never the value: it may be an address).
class MailError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Address {
  std::string name;     // display name, any UTF-8; may be empty
  std::string address;  // local@domain, ASCII
};

// "Name <local@domain>" or "local@domain". Throws MailError.
Address parse_address(std::string_view text, std::string_view field);
// Throws MailError unless `address` is a plain ASCII local@domain without
// spaces, quotes, angle brackets or control characters.
void check_address(std::string_view address, std::string_view field);
// Throws MailError if the text holds CR, LF or another control character.
void check_header_text(std::string_view text, std::string_view field);

// The domain of an address ("example.org"), for Message-IDs.
std::string domain_of(std::string_view address);

// "Name <a@b>" for a header, the name quoted or encoded as needed.
std::string format_address(const Address& a);
// A header value as RFC 2047 encoded words when it is not plain ASCII,
// folded so that no line passes 78 octets. `name_length` is the length of
// "Subject: " and the like on the first line.
std::string encode_header(std::string_view value, std::size_t name_length);
std::string quoted_printable(std::string_view text);
// RFC 5322 date-time in UTC: "Sat, 28 Nov 2026 09:13:55 +0000".
std::string rfc5322_date(std::int64_t unix_seconds);

struct Attachment {
  std::string filename;      // ASCII, e.g. "meeting.ics"
  std::string content_type;  // e.g. "text/calendar; charset=utf-8; method=PUBLISH"
  std::string data;
};

struct Mail {
  Address from;
  Address to;  // empty address: no To header (added when it is sent)
  std::string subject;
  std::string text;  // the text/plain part; LF or CRLF line ends
  std::string html;  // the text/html part; empty for text only
  std::string language;  // Content-Language, e.g. "es"
  std::vector<std::pair<std::string, std::string>> headers;  // extra: List-Id, List-Unsubscribe...
  std::vector<Attachment> attachments;
};

// The whole message with CRLF line ends, ready for SMTP DATA or an .eml
// file. `message_id` is "<...@domain>"; `boundary_seed` makes the MIME
// boundaries (any string; the same seed gives the same bytes). Throws
// MailError when a field is unfit.
std::string compose(const Mail& mail, std::int64_t date, std::string_view message_id, std::string_view boundary_seed);
// The message with "To: <recipient>" put in front: how a message queued
// without its To header leaves. Throws MailError for an unfit recipient.
std::string with_recipient(const Address& to, std::string_view message);

}  // namespace turnout::email
