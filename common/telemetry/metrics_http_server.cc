#include "common/telemetry/metrics_http_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/telemetry/prometheus_text.h"

namespace cpn::telemetry {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr int kMaxConnections = 16;
constexpr std::chrono::seconds kIdleTimeout(30);

absl::StatusOr<tcp::endpoint> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", listen, "\" is not HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  int port = 0;
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", listen, "\": port is not 0..65535"));
  }
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address \"", listen, "\": \"", host, "\" is not an IP address"));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

class MetricsHttpServer::Impl {
 public:
  explicit Impl(Render render) : render_(std::move(render)), acceptor_(io_) {}

  absl::Status Listen(const tcp::endpoint& endpoint, const std::string& text) {
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("metrics address ", text, ": cannot listen: ", ec.message()));
    }
    bound_ = acceptor_.local_endpoint();
    return absl::OkStatus();
  }

  void Run() {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return bound_.port(); }
  std::string address() const {
    const std::string host = bound_.address().to_string();
    return bound_.address().is_v6() ? absl::StrCat("[", host, "]:", bound_.port())
                                     : absl::StrCat(host, ":", bound_.port());
  }
  uint64_t scrapes() const { return scrapes_.load(std::memory_order_relaxed); }

  // Server thread only.
  http::response<http::string_body> Answer(const http::request<http::string_body>& req) {
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "cpn");
    absl::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    if (req.method() != http::verb::get) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET");
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "only GET is served\n";
    } else if (target == "/metrics") {
      res.result(http::status::ok);
      res.set(http::field::content_type,
              std::string(PrometheusText::kContentType.data(), PrometheusText::kContentType.size()));
      res.body() = render_();
      scrapes_.fetch_add(1, std::memory_order_relaxed);
    } else if (target == "/") {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "CPN metrics: GET /metrics (Prometheus text format)\n";
    } else {
      res.result(http::status::not_found);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = absl::StrCat("no page ", target, "; metrics are at /metrics\n");
    }
    res.prepare_payload();
    return res;
  }

  std::atomic<int> open_connections{0};

 private:
  class Session;
  void Accept();

  Render render_;
  std::atomic<uint64_t> scrapes_{0};
  // io_ outlives the acceptor and every session (declared before them).
  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::endpoint bound_;
  std::thread thread_;
};

// One connection: read a request, answer, repeat while kept alive. Lives as
// long as an operation of it is pending (shared_from_this in the handlers).
class MetricsHttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl* server) : stream_(std::move(socket)), server_(server) {
    server_->open_connections.fetch_add(1);
  }
  ~Session() { server_->open_connections.fetch_sub(1); }

  void Read() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();  // closed, timed out or malformed
                       self->Write();
                     });
  }

 private:
  void Write() {
    response_ = server_->Answer(request_);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || self->response_.need_eof()) return self->Close();
                        self->Read();
                      });
  }
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  beast::tcp_stream stream_;
  Impl* server_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

void MetricsHttpServer::Impl::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (open_connections.load() >= kMaxConnections) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), this)->Read();
      }
    }
    Accept();
  });
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& listen, Render render) {
  absl::StatusOr<tcp::endpoint> endpoint = ParseListen(listen);
  if (!endpoint.ok()) return endpoint.status();
  auto impl = std::make_unique<Impl>(std::move(render));
  if (absl::Status s = impl->Listen(*endpoint, listen); !s.ok()) return s;
  impl->Run();
  return std::unique_ptr<MetricsHttpServer>(new MetricsHttpServer(std::move(impl)));
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsHttpServer::~MetricsHttpServer() { impl_->Stop(); }
int MetricsHttpServer::port() const { return impl_->port(); }
std::string MetricsHttpServer::address() const { return impl_->address(); }
uint64_t MetricsHttpServer::scrapes() const { return impl_->scrapes(); }

}  // namespace cpn::telemetry
