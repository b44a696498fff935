// turnout-bench-email-send: email messages per second to a local SMTP
// server (aiosmtpd on loopback, started by scripts/bench), through the email
// plugin's own transport, with one connection kept for the whole batch,
// beside its peer from the same run: a new connection for every message.
//
//   turnout-bench-email-send --url smtp://127.0.0.1:PORT [--messages N]

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

#include "common.hpp"
#include "mime.hpp"
#include "smtp.hpp"

namespace {

namespace mail = turnout::email;
using Clock = std::chrono::steady_clock;

// A digest-sized message (about 6 KB, text and HTML) for recipient n.
std::string message(int n) {
  mail::Mail m;
  m.from = {"Valle Verde Coalition", "turnout@example.org"};
  m.to = {fmt::format("Volunteer {}", n), fmt::format("volunteer{}@example.org", n)};
  m.subject = "Valle Verde Coalition: tus reuniones y lugares abiertos";
  for (int i = 0; i < 20; ++i) {
    m.text += fmt::format("* martes, 10 de marzo de 2026, 9:00 (PDT)\n  Junta de Supervisores: audiencia {}\n", i);
    m.html += fmt::format("<tr><td style=\"border-top:1px solid #d0d7de\"><strong>martes, 10 de marzo de 2026, "
                          "9:00 (PDT)</strong><br>Junta de Supervisores: audiencia {}</td></tr>\n",
                          i);
  }
  m.headers = {{"List-Unsubscribe", "<https://turnout.example.org/plugins/email/unsubscribe?t=x>"},
               {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  return mail::compose(m, 1'772'000'000, fmt::format("<{}@example.org>", n), std::to_string(n));
}

double send_all(mail::Transport& t, const std::vector<std::string>& messages, int& failed) {
  auto began = Clock::now();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto r = t.send("turnout@example.org", fmt::format("volunteer{}@example.org", i), messages[i], std::to_string(i));
    if (r.kind != mail::SendResult::Kind::sent) {
      if (++failed == 1) fmt::print(stderr, "send failed: {}\n", r.error);
    }
  }
  return messages.size() / std::chrono::duration<double>(Clock::now() - began).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  int count = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--url") url = argv[i + 1];
    else if (flag == "--messages") count = turnout::bench::parse_number<int>(argv[0], argv[i + 1], flag);
    else {
      fmt::print(stderr, "usage: {} --url smtp://127.0.0.1:PORT [--messages N]\n", argv[0]);
      return 2;
    }
  }
  if (url.empty()) {
    fmt::print(stderr, "usage: {} --url smtp://127.0.0.1:PORT [--messages N]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> messages;
  for (int i = 0; i < count; ++i) messages.push_back(message(i));
  mail::SmtpOptions options{url, "", "", false, std::chrono::seconds(10)};
  int failed = 0;
  auto reuse = mail::smtp_transport(options);
  double with_reuse = send_all(*reuse, messages, failed);
  // The peer sends fewer: a connection each is slow, and the rate settles fast.
  std::vector<std::string> some(messages.begin(), messages.begin() + std::min<std::size_t>(messages.size(), 1000));
  auto fresh = mail::smtp_transport_no_reuse(options);
  double without = send_all(*fresh, some, failed);
  fmt::print("email_send.messages {}\n", count);
  fmt::print("email_send.reuse.per_second {:.0f}\n", with_reuse);
  fmt::print("email_send.peer.connection_each.per_second {:.0f}\n", without);
  fmt::print("email_send.failed {}\n", failed);
  return failed == 0 ? 0 : 1;
}
