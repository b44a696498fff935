// SMS text rules without I/O: GSM-7 and UCS-2 segments, and the form and
// signature helpers the webhooks need. Compiled into the sms plugin and the
// unit tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turnout::sms {

struct Segments {
  bool ucs2 = false;  // false: GSM-7
  int units = 0;      // septets (GSM-7, extension characters count 2) or UTF-16 code units
  int count = 0;      // segments: 160/153 septets or 70/67 units each
};
// How a UTF-8 text travels: GSM-7 when every character is in the GSM 03.38
// alphabet (with its extension table), else UCS-2 (á, í, ó, ú force it).
Segments count_segments(std::string_view utf8);
std::string_view encoding_name(const Segments& s);  // "GSM-7" or "UCS-2"

// application/x-www-form-urlencoded, decoded ('+' is a space).
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view body);
std::string url_encode(std::string_view text);

// Twilio's request signature: base64(HMAC-SHA1(auth_token, url + each
// parameter's name and value, sorted by name)).
std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             std::vector<std::pair<std::string, std::string>> params);
// Compares two secrets in time that does not depend on where they differ.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace turnout::sms
