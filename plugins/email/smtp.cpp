#include "smtp.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <mutex>

#include "mime.hpp"

namespace turnout::email {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

class Smtp final : public Transport {
 public:
  Smtp(SmtpOptions options, bool reuse) : options_(std::move(options)), reuse_(reuse) { global_init(); }
  ~Smtp() override {
    if (curl_) curl_easy_cleanup(curl_);
  }

  SendResult send(std::string_view from, std::string_view to, std::string_view message, std::string_view) override {
    SendResult result;
    try {
      check_address(from, "from");
      check_address(to, "to");
    } catch (const MailError& e) {
      return {SendResult::Kind::permanent, {}, e.what()};
    }
    if (!curl_ || !reuse_) {
      if (curl_) curl_easy_cleanup(curl_);
      curl_ = curl_easy_init();
      if (!curl_) return {SendResult::Kind::transient, {}, "libcurl could not start"};
    }
    std::string mail_from = "<" + std::string(from) + ">";
    std::string rcpt = "<" + std::string(to) + ">";
    curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
    Upload upload{message};
    curl_easy_setopt(curl_, CURLOPT_URL, options_.url.c_str());
    if (!options_.username.empty()) {
      curl_easy_setopt(curl_, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(curl_, CURLOPT_PASSWORD, options_.password.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_USE_SSL, options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
    curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count() * 4));
    if (!reuse_) curl_easy_setopt(curl_, CURLOPT_FORBID_REUSE, 1L);
    CURLcode rc = curl_easy_perform(curl_);
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(recipients);
    curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, nullptr);
    if (rc == CURLE_OK) {
      result.provider_id = "smtp " + std::to_string(code);
      return result;
    }
    // libcurl's words never hold the addresses or the message.
    result.error = std::string(curl_easy_strerror(rc));
    if (code) result.error += " (SMTP " + std::to_string(code) + ")";
    // 5xx is the server's final word on this message or address; anything
    // else (4xx, no connection, a timeout, TLS not offered) may pass later.
    result.kind = code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED ? SendResult::Kind::permanent
                                                                          : SendResult::Kind::transient;
    // A failed connection is not worth keeping.
    curl_easy_cleanup(curl_);
    curl_ = nullptr;
    return result;
  }

 private:
  SmtpOptions options_;
  bool reuse_;
  CURL* curl_ = nullptr;
};

class Files final : public Transport {
 public:
  explicit Files(std::filesystem::path dir) : dir_(std::move(dir)) {}

  SendResult send(std::string_view, std::string_view to, std::string_view message, std::string_view key) override {
    try {
      check_address(to, "to");
    } catch (const MailError& e) {
      return {SendResult::Kind::permanent, {}, e.what()};
    }
    std::string name;
    for (char c : key) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
    if (name.empty()) name = "message";
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    auto final_path = dir_ / (name + ".eml");
    auto tmp = dir_ / ("." + name + ".eml.tmp");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return {SendResult::Kind::transient, {}, "cannot write to the outbox folder: " + std::string(std::strerror(errno))};
    std::size_t done = 0;
    bool ok = true;
    while (done < message.size()) {
      auto n = ::write(fd, message.data() + done, message.size() - done);
      if (n <= 0) {
        ok = false;
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return {SendResult::Kind::transient, {}, "cannot write to the outbox folder: " + std::string(std::strerror(errno))};
    }
    if (int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return {SendResult::Kind::sent, final_path.filename().string(), {}};
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace

std::unique_ptr<Transport> smtp_transport(const SmtpOptions& options) { return std::make_unique<Smtp>(options, true); }
std::unique_ptr<Transport> smtp_transport_no_reuse(const SmtpOptions& options) {
  return std::make_unique<Smtp>(options, false);
}
std::unique_ptr<Transport> file_transport(const std::filesystem::path& dir) { return std::make_unique<Files>(dir); }

}  // namespace turnout::email
