// SiteServer: the emulated compute site's request endpoint, a gRPC
// cpn.lab.v1.SiteService on a real socket. Each Serve call joins the site's
// FIFO queue (FifoPool); when one of the c servers takes it, a service time
// is drawn (ServiceTimeSampler) and the call is answered once it has
// passed; a call whose client's deadline passed while it waited is answered
// DEADLINE_EXCEEDED when its turn comes, without taking the server. No thread sleeps per request: one timer thread completes calls in
// deadline order and starts the next queued ones.
//
// Threads: gRPC's callback threads run Serve/SetMetricDelay; the timer
// thread completes calls; the metric agent calls TakeWindow and
// metric_delay_ms. One mutex guards the pool, the sampler and the calls in
// flight; reactors are finished outside it.
#ifndef CPN_LAB_SITE_SITE_SERVER_H_
#define CPN_LAB_SITE_SITE_SERVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cpn/lab/v1/site.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "lab/site/fifo_pool.h"
#include "lab/site/service_time.h"

namespace cpn::lab {

struct SiteServerOptions {
  // "host:port"; port 0 picks a free port (see port()).
  std::string listen_address = "[::]:0";
  // Who answers: cpn.compute.v1.Site.id and Service.id.
  std::string site_id;
  std::string service_id;
  // c, the number of parallel servers; > 0.
  int servers = 1;
  // Requests waiting at most; more are refused with RESOURCE_EXHAUSTED.
  size_t max_queue = 100000;
  // Initial extra delay of metric reports (SetMetricDelay changes it).
  uint32_t metric_delay_ms = 0;
};

class SiteServer {
 public:
  static absl::StatusOr<std::unique_ptr<SiteServer>> Start(SiteServerOptions options,
                                                           ServiceTimeSampler sampler);
  ~SiteServer();  // Shutdown() if not done

  SiteServer(const SiteServer&) = delete;
  SiteServer& operator=(const SiteServer&) = delete;

  int port() const { return port_; }
  const SiteServerOptions& options() const { return options_; }

  // Load since the previous call (any thread).
  LoadWindow TakeWindow();
  // Current extra delay of metric reports (any thread).
  uint32_t metric_delay_ms() const { return metric_delay_ms_.load(); }

  // Answers every call still queued or in service with UNAVAILABLE, then
  // stops the server (calls after this are refused). Idempotent.
  void Shutdown();

 private:
  using Clock = std::chrono::steady_clock;
  struct Call {
    grpc::ServerUnaryReactor* reactor = nullptr;
    cpn::lab::v1::ServeResponse* response = nullptr;
    Clock::time_point arrived;
    Clock::time_point started;
    double service_ms = 0;
    // The client's deadline: a queued call whose deadline passed is not
    // served when its turn comes (its client gave up, as an inference
    // server drops a request whose client disconnected).
    std::chrono::system_clock::time_point deadline = std::chrono::system_clock::time_point::max();
  };
  struct Due {
    Clock::time_point at;
    uint64_t call;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  class Service;

  SiteServer(SiteServerOptions options, ServiceTimeSampler sampler);
  double Seconds(Clock::time_point t) const;
  // Starts service of `call` at `now` (mutex held).
  void StartLocked(uint64_t id, Clock::time_point now);
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  const cpn::lab::v1::ServeRequest* request,
                                  cpn::lab::v1::ServeResponse* response);
  void TimerLoop();

  const SiteServerOptions options_;
  const Clock::time_point epoch_ = Clock::now();
  std::atomic<uint32_t> metric_delay_ms_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;

  std::mutex mu_;
  std::condition_variable wake_;  // new deadline, or stopping
  bool stopping_ = false;
  FifoPool pool_;
  ServiceTimeSampler sampler_;
  uint64_t next_call_ = 1;
  std::unordered_map<uint64_t, Call> calls_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  std::thread timer_;
};

}  // namespace cpn::lab

#endif  // CPN_LAB_SITE_SITE_SERVER_H_
