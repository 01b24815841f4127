// A small HTTP/1.1 server for Prometheus scrapes: GET /metrics answers the
// text the render callback returns (Content-Type: the exposition format);
// GET / a one-line index; other paths 404, other methods 405. Keep-alive
// is honoured (Prometheus reuses its connection); idle connections close
// after 30 s; at most 16 are open at once.
//
// Threads: one server thread runs Boost.Asio/Beast; `render` is called on
// it, one scrape at a time, so it may read shared state under the owner's
// own locks but must not block for long. Start and the destructor (which
// stops the thread and closes every connection) are called by the owner.
#ifndef CPN_COMMON_TELEMETRY_METRICS_HTTP_SERVER_H_
#define CPN_COMMON_TELEMETRY_METRICS_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace cpn::telemetry {

class MetricsHttpServer {
 public:
  using Render = std::function<std::string()>;

  // Listens on `listen` ("HOST:PORT", "[V6]:PORT"; port 0 picks a free
  // one). InvalidArgument for a malformed address, Unavailable when it
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& listen,
                                                                  Render render);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The bound port and "HOST:PORT".
  int port() const;
  std::string address() const;
  // Scrapes answered so far.
  uint64_t scrapes() const;

  class Impl;

 private:
  explicit MetricsHttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cpn::telemetry

#endif  // CPN_COMMON_TELEMETRY_METRICS_HTTP_SERVER_H_
