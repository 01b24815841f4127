#include "tests/common/telemetry/prometheus_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/common/telemetry/http_get.h"

namespace cpn::telemetry::testing {
namespace {

int FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

std::string UrlEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

PrometheusServer::PrometheusServer(const Jobs& jobs) {
  if (std::system("command -v prometheus >/dev/null 2>&1") != 0) {
    error_ = "prometheus is missing: run scripts/setup.sh (Debian package prometheus)";
    return;
  }
  static std::atomic<int> instances{0};
  dir_ = std::filesystem::temp_directory_path() /
         ("cpn-prometheus-" + std::to_string(getpid()) + "-" + std::to_string(instances++));
  std::filesystem::create_directories(dir_);
  {
    std::ofstream config(dir_ / "prometheus.yml");
    config << "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n";
    for (const auto& [job, targets] : jobs) {
      config << "  - job_name: " << job << "\n    static_configs:\n      - targets: [";
      for (size_t i = 0; i < targets.size(); ++i) {
        config << (i ? ", " : "") << "'" << targets[i] << "'";
      }
      config << "]\n";
    }
  }
  web_port_ = FreePort();
  const std::string config_flag = "--config.file=" + (dir_ / "prometheus.yml").string();
  const std::string data_flag = "--storage.tsdb.path=" + (dir_ / "data").string();
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(web_port_);
  const std::string log_path = (dir_ / "prometheus.log").string();
  pid_ = fork();
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  if (pid_ == 0) {
    if (std::freopen(log_path.c_str(), "w", stdout) == nullptr ||
        std::freopen(log_path.c_str(), "a", stderr) == nullptr) {
      _exit(126);
    }
    execlp("prometheus", "prometheus", config_flag.c_str(), data_flag.c_str(), listen.c_str(),
           "--log.level=warn", static_cast<char*>(nullptr));
    _exit(127);
  }
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string PrometheusServer::QueryUntil(const std::string& promql,
                                         const std::function<bool(const std::string&)>& accept,
                                         std::chrono::seconds timeout) const {
  std::string body;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const HttpResponse r = HttpGet(web_port_, "/api/v1/query?query=" + UrlEncode(promql));
    if (r.status == 0) continue;  // not listening yet
    body = r.body;
    if (r.status == 200 && accept(body)) break;
  }
  return body;
}

std::string PrometheusServer::log() const {
  std::ifstream in(dir_ / "prometheus.log");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace cpn::telemetry::testing
