// The daemon's HTTP server: Boost.Beast, after Beast's advanced server. A
// strand per connection, a fresh parser per request with body and header
// limits, a deadline on every read, a cap on connections, keep-alive, and a
// graceful stop (finish what is in flight, then close). Each thread runs an
// io_context of its own; connections are dealt out among them in turn.
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace turnout::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
// A response body: a string of its own, like beast's string_body, or
// bytes shared with whoever else holds them (a cached calendar feed), sent
// without a copy and kept alive by the response until it is written.
struct ResponseBody {
  class value_type : public std::string {
   public:
    using std::string::string;
    value_type() = default;
    value_type(const std::string& s) : std::string(s) {}
    value_type(std::string&& s) noexcept : std::string(std::move(s)) {}
    value_type& operator=(const std::string& s) {
      std::string::operator=(s);
      shared_.reset();
      return *this;
    }
    value_type& operator=(std::string&& s) noexcept {
      std::string::operator=(std::move(s));
      shared_.reset();
      return *this;
    }
    value_type& operator=(const char* s) {
      std::string::operator=(s);
      shared_.reset();
      return *this;
    }
    void clear() noexcept {
      std::string::clear();
      shared_.reset();
    }
    // Sends these bytes instead of the string's own (which stay empty).
    void share(std::shared_ptr<const std::string> bytes) noexcept {
      std::string::clear();
      shared_ = std::move(bytes);
    }
    // What goes on the wire.
    std::string_view bytes() const noexcept {
      return shared_ ? std::string_view(*shared_) : std::string_view(*this);
    }

   private:
    std::shared_ptr<const std::string> shared_;
  };

  static std::uint64_t size(const value_type& body) noexcept { return body.bytes().size(); }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(const beast_http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}
    void init(boost::beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      auto bytes = body_.bytes();
      return {{const_buffers_type(bytes.data(), bytes.size()), false}};
    }

   private:
    const value_type& body_;
  };
};
using Response = beast_http::response<ResponseBody>;
// Sends the answer; call it exactly once, from any thread. The connection
// reads its next request only after the answer is written, so each
// connection has at most one request in flight (a bounded pipeline).
using Reply = std::function<void(Response&&)>;
struct Peer {
  std::string address;  // the client's IP address, for rate limits
};
using Handler = std::function<void(Request&&, const Peer&, Reply)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int read_timeout_seconds = 15;
  int max_connections = 1024;
  int threads = 0;  // 0: one per core
};

// Beast 1.74 speaks boost::string_view; the rest of Turnout std::string_view.
inline std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// Splits "host:port" ("127.0.0.1:8080", "[::1]:8080"); throws on anything else.
void parse_listen(const std::string& listen, ServerOptions& options);

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and serves until SIGINT or SIGTERM, or until stop() is called.
  void run();
  void stop();
  // The port actually bound (useful with port 0 in tests).
  unsigned short port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A JSON error in the shape of SPEC §3.
Response json_error(const Request& req, beast_http::status status, std::string_view code, std::string_view message);

}  // namespace turnout::http
