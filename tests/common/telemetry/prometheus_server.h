// Test helper: a real Prometheus server (Debian package prometheus) as a
// child process, scraping given targets every second, and its query API.
// The server and its data directory are gone when the object is destroyed.
// Test threads only.
#ifndef CPN_TESTS_COMMON_TELEMETRY_PROMETHEUS_SERVER_H_
#define CPN_TESTS_COMMON_TELEMETRY_PROMETHEUS_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cpn::telemetry::testing {

class PrometheusServer {
 public:
  // Job name -> "host:port" targets scraped at /metrics.
  using Jobs = std::map<std::string, std::vector<std::string>>;

  // Starts prometheus; ok() tells whether it runs (else error()).
  explicit PrometheusServer(const Jobs& jobs);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  bool ok() const { return pid_ > 0; }
  const std::string& error() const { return error_; }

  // Runs the instant query `promql` (URL-encoded here) until `accept` holds
  // for the JSON answer or `timeout` passes; returns the last answer.
  std::string QueryUntil(const std::string& promql,
                         const std::function<bool(const std::string&)>& accept,
                         std::chrono::seconds timeout = std::chrono::seconds(30)) const;
  // The server's own log so far (for failure messages).
  std::string log() const;

 private:
  std::filesystem::path dir_;
  int web_port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
};

}  // namespace cpn::telemetry::testing

#endif  // CPN_TESTS_COMMON_TELEMETRY_PROMETHEUS_SERVER_H_
