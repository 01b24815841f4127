// The /metrics HTTP server over real sockets: answers, keep-alive, errors,
// bad addresses; and a real Prometheus server (Debian's prometheus package)
// scraping it and answering a query for the series.
#include "common/telemetry/metrics_http_server.h"


#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/telemetry/prometheus_text.h"
#include "gtest/gtest.h"
#include "tests/common/telemetry/prometheus_server.h"

namespace cpn::telemetry {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// A blocking HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(int port) : stream_(io_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  http::response<http::string_body> Get(const std::string& target,
                                        http::verb verb = http::verb::get) {
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return res;
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string Exposition(int scrape) {
  PrometheusText t;
  EXPECT_TRUE(t.BeginFamily("cpn_test_scrapes_total", "Scrapes so far.", MetricType::kCounter).ok());
  EXPECT_TRUE(t.Sample({{"component", "test"}}, static_cast<uint64_t>(scrape)).ok());
  return t.text();
}

TEST(MetricsHttpServerTest, ServesMetricsWithKeepAliveAndTheRightContentType) {
  std::atomic<int> renders{0};
  auto server = MetricsHttpServer::Start("127.0.0.1:0", [&] { return Exposition(++renders); });
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_GT((*server)->port(), 0);
  EXPECT_EQ((*server)->address(), absl::StrCat("127.0.0.1:", (*server)->port()));

  Client c((*server)->port());
  for (int i = 1; i <= 2; ++i) {  // two requests on one connection
    const auto res = c.Get("/metrics?x=1");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(res.body(), Exposition(i));
  }
  EXPECT_EQ((*server)->scrapes(), 2u);
  EXPECT_EQ(c.Get("/").result(), http::status::ok);
  const auto missing = c.Get("/nope");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_NE(missing.body().find("/metrics"), std::string::npos);
  const auto post = c.Get("/metrics", http::verb::post);
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET");
  EXPECT_EQ((*server)->scrapes(), 2u);
}

TEST(MetricsHttpServerTest, BadAddressesAreRefusedWithTheirReason) {
  auto render = [] { return std::string(); };
  for (const char* bad : {"", "9100", "host:9100", "127.0.0.1:", "127.0.0.1:70000", "[::1:5"}) {
    auto s = MetricsHttpServer::Start(bad, render);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.status().message().find("metrics address"), std::string::npos);
  }
  auto first = MetricsHttpServer::Start("127.0.0.1:0", render);
  ASSERT_TRUE(first.ok());
  auto again = MetricsHttpServer::Start(absl::StrCat("127.0.0.1:", (*first)->port()), render);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnavailable);
  auto v6 = MetricsHttpServer::Start("[::1]:0", render);
  if (v6.ok()) {  // where the machine has IPv6 loopback
    EXPECT_EQ((*v6)->address().substr(0, 6), "[::1]:");
  }
}

// Prometheus itself scrapes the server and answers a query for the series.
TEST(MetricsHttpServerTest, ARealPrometheusScrapesIt) {
  std::atomic<int> renders{0};
  auto server = MetricsHttpServer::Start("127.0.0.1:0", [&] { return Exposition(++renders); });
  ASSERT_TRUE(server.ok()) << server.status();
  testing::PrometheusServer prometheus({{"cpn", {(*server)->address()}}});
  ASSERT_TRUE(prometheus.ok()) << prometheus.error();
  // The first scrape comes about 1 s after start.
  const std::string body = prometheus.QueryUntil("cpn_test_scrapes_total", [](const std::string& b) {
    return b.find("\"component\":\"test\"") != std::string::npos &&
           b.find("\"job\":\"cpn\"") != std::string::npos;
  });
  EXPECT_NE(body.find("\"job\":\"cpn\""), std::string::npos)
      << "last answer: " << body << "\nprometheus log:\n" << prometheus.log();
  EXPECT_GE((*server)->scrapes(), 1u);
}

}  // namespace
}  // namespace cpn::telemetry
