// Sending composed messages: over SMTP with libcurl (one connection kept
// across a batch), or as .eml files in a folder.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace turnout::email {

// What became of one message, for the outbox: `transient` failures are
// retried with backoff, `permanent` ones are not (the server refused the
// address or the message for good).
struct SendResult {
  enum class Kind { sent, transient, permanent };
  Kind kind = Kind::sent;
  std::string provider_id;  // the server's answer or the file's name
  std::string error;        // never holds an address or the message
};

class Transport {
 public:
  virtual ~Transport() = default;
  // `from` and `to` are bare addresses, already checked (no CR or LF).
  virtual SendResult send(std::string_view from, std::string_view to, std::string_view message,
                          std::string_view key) = 0;
};

struct SmtpOptions {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string username, password;
  bool require_tls = true;  // STARTTLS, or fail; smtps:// is TLS from the start
  std::chrono::seconds timeout{30};
};

// One libcurl handle: its connection is kept open and reused by the next
// send, so a batch costs one TCP and TLS handshake. Not thread-safe: one
// per sending thread.
std::unique_ptr<Transport> smtp_transport(const SmtpOptions& options);
// A fresh connection for every message (the bench compares both).
std::unique_ptr<Transport> smtp_transport_no_reuse(const SmtpOptions& options);
// Writes DIR/<key>.eml (recipient on an X-Turnout-Recipient line first is
// not needed: the message's To header holds it), atomically: a reader never
// sees half a file, and a retry with the same key writes the same file.
std::unique_ptr<Transport> file_transport(const std::filesystem::path& dir);

}  // namespace turnout::email
