#include "http/server.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace turnout::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

void parse_listen(const std::string& listen, ServerOptions& options) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size())
    throw std::runtime_error("listen must be host:port, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw std::runtime_error("the port in listen is not a number");
  }
  if (port > 65535) throw std::runtime_error("the port in listen is above 65535");
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("listen needs an IP address, e.g. 127.0.0.1");
  options.address = host;
  options.port = static_cast<unsigned short>(port);
}

Response json_error(const Request& req, beast_http::status status, std::string_view code, std::string_view message) {
  Response res{status, req.version()};
  res.set(beast_http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  res.prepare_payload();
  return res;
}

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const ServerOptions& options, const Handler& handler, std::atomic<int>& connections,
          std::atomic<int>& in_flight)
      : stream_(std::move(socket)),
        options_(options),
        handler_(handler),
        connections_(connections),
        in_flight_(in_flight) {}
  ~Session() { connections_.fetch_sub(1); }

  void start() {
    // The peer is the connection's: asked once, not per request.
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    if (!ignored) peer_.address = endpoint.address().to_string();
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();  // a fresh parser per message, with its own limits
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    stream_.expires_after(std::chrono::seconds(options_.read_timeout_seconds));
    beast_http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == beast_http::error::end_of_stream) return close();
    if (ec == beast_http::error::body_limit) return reply_and_close(beast_http::status::payload_too_large, "too_large", "the request body is too large");
    if (ec == beast_http::error::header_limit) return reply_and_close(beast_http::status::request_header_fields_too_large, "too_large", "the request headers are too large");
    if (ec == beast::error::timeout) return close();
    if (ec) {
      if (ec.category() == beast_http::make_error_code(beast_http::error::bad_version).category())
        return reply_and_close(beast_http::status::bad_request, "malformed", "the request could not be read");
      return close();
    }
    Request req = parser_->release();
    in_flight_.fetch_add(1);  // until its answer is written
    answering_ = true;
    // No deadline while the answer is being worked out (a batch commit may
    // take a moment); the write sets its own.
    stream_.expires_never();
    auto version = req.version();
    bool keep_alive = req.keep_alive();
    Reply reply = [self = shared_from_this()](Response&& res) {
      asio::dispatch(self->stream_.get_executor(),
                     [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    };
    try {
      handler_(std::move(req), peer_, std::move(reply));
    } catch (const std::exception& e) {
      spdlog::error("request handler failed: {}", e.what());
      Request stub;
      stub.version(version);
      stub.keep_alive(keep_alive);
      write(json_error(stub, beast_http::status::internal_server_error, "internal", "something went wrong on our side"));
    }
  }

  void reply_and_close(beast_http::status status, std::string_view code, std::string_view message) {
    Request req;
    req.version(11);
    req.keep_alive(false);
    write(json_error(req, status, code, message));
  }

  void write(Response&& res) {
    res.set(beast_http::field::server, "turnoutd");
    auto sp = std::make_shared<Response>(std::move(res));
    bool keep = sp->keep_alive();
    stream_.expires_after(std::chrono::seconds(options_.read_timeout_seconds));
    beast_http::async_write(stream_, *sp,
                            [self = shared_from_this(), sp, keep](beast::error_code ec, std::size_t) {
                              if (self->answering_) {
                                self->answering_ = false;
                                self->in_flight_.fetch_sub(1);
                              }
                              if (ec || !keep) return self->close();
                              self->read();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  const ServerOptions& options_;
  const Handler& handler_;
  std::atomic<int>& connections_;
  std::atomic<int>& in_flight_;
  bool answering_ = false;  // a request of ours counts in in_flight_
  Peer peer_;
};

}  // namespace

struct Server::Impl {
  // Sessions refer to options, handler and connections, and the last of
  // them may die with ioc's queue: those members are declared before ioc.
  ServerOptions options;
  Handler handler;
  std::atomic<int> connections{0};
  std::atomic<int> in_flight{0};  // requests read and not yet answered
  // One context per further thread, each run by its thread alone, and
  // connections dealt out among ioc and these in turn (as nginx deals them
  // to its workers): a connection's reads and writes stay on one thread,
  // with no hand-over between threads on every readiness event. Declared
  // before ioc: a pending accept in ioc's queue holds a socket of one of
  // these, so they must outlive it.
  std::vector<std::unique_ptr<asio::io_context>> workers;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> worker_guards;
  asio::io_context ioc;
  std::size_t next_context = 0;  // the acceptor's strand only
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};

  asio::io_context& next_connection_context() {
    std::size_t i = next_context++ % (workers.size() + 1);
    return i == 0 ? ioc : *workers[i - 1];
  }

  void stop_contexts() {
    worker_guards.clear();
    for (auto& w : workers) w->stop();
    ioc.stop();
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(next_connection_context()), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (connections.fetch_add(1) >= options.max_connections) {
          // Over the cap: refuse at once rather than queue without bound.
          connections.fetch_sub(1);
          beast::error_code ignored;
          socket.close(ignored);
        } else {
          std::make_shared<Session>(std::move(socket), options, handler, connections, in_flight)->start();
        }
      }
      accept();
    });
  }

  asio::steady_timer grace{ioc};
  std::chrono::steady_clock::time_point stop_deadline;

  void begin_stop() {
    beast::error_code ec;
    acceptor.close(ec);  // stop accepting; sessions finish their current exchange
    signals.cancel(ec);
    // Idle keep-alive connections would hold run() open until their read
    // deadline; end as soon as no answer is in flight (at most 10 s).
    stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    wait_for_answers();
  }

  void wait_for_answers() {
    if (in_flight.load() == 0 || std::chrono::steady_clock::now() >= stop_deadline) return stop_contexts();
    grace.expires_after(std::chrono::milliseconds(20));
    grace.async_wait([this](beast::error_code) { wait_for_answers(); });
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  auto& acceptor = impl_->acceptor;
  tcp::endpoint endpoint{asio::ip::make_address(impl_->options.address), impl_->options.port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

Server::~Server() = default;

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_stop(); });
}

void Server::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (ec) return;
    spdlog::info("stopping: no new connections, finishing requests in flight");
    impl_->begin_stop();
  });
  int threads = impl_->options.threads > 0 ? impl_->options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) {
    impl_->workers.push_back(std::make_unique<asio::io_context>(1));
    impl_->worker_guards.push_back(asio::make_work_guard(*impl_->workers.back()));
  }
  impl_->accept();
  std::vector<std::thread> pool;
  for (auto& worker : impl_->workers) pool.emplace_back([&ctx = *worker] { ctx.run(); });
  impl_->ioc.run();
  for (auto& t : pool) t.join();
}

}  // namespace turnout::http
