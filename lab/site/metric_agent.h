// MetricAgent: the emulated site's CATS metric agent. Every interval it
// takes the site's load window, turns it into a cpn.compute.v1.ComputeMetrics
// report (utilisation, busy and available servers, queue length, arrival
// and service rates, processing delay), holds it back by the configured
// extra delay (measured_at stays the sampling time, so the controller sees
// the age) and sends it on a ControllerService.ReportMetrics stream,
// reconnecting when the stream breaks.
//
// Threads: one agent thread samples and writes; one reader thread per
// stream reads the controller's answers. Counters are atomics, readable
// from any thread.
#ifndef CPN_LAB_SITE_METRIC_AGENT_H_
#define CPN_LAB_SITE_METRIC_AGENT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "cpn/compute/v1/compute.pb.h"
#include "lab/site/fifo_pool.h"

namespace cpn::lab {

struct MetricAgentOptions {
  std::string controller_address;  // host:port of cpn-controller
  std::string site_id;
  std::string service_id;
  std::string reporter_id;  // default "cpn-site/<site>"
  int servers = 1;          // AVAILABLE_SERVERS
  absl::Duration interval = absl::Milliseconds(500);
  // SERVICE_RATE is reported once this many recent completions back it
  // (LoadWindow::recent_service_ms); before, the controller keeps the
  // site's configured service time.
  size_t min_service_samples = 32;
};

// Builds one report from a load window (pure; for tests too).
cpn::compute::v1::ComputeMetrics BuildReport(const MetricAgentOptions& options,
                                             const LoadWindow& window, absl::Time measured_at,
                                             uint64_t sequence);

class MetricAgent {
 public:
  // `sample` returns the load since its previous call; `delay_ms` the
  // current extra delay. Both are called from the agent thread.
  MetricAgent(MetricAgentOptions options, std::function<LoadWindow()> sample,
              std::function<uint32_t()> delay_ms);
  ~MetricAgent();  // Stop()

  void Start();
  // Stops sampling; reports still held back are dropped. Idempotent.
  void Stop();

  uint64_t sent() const { return sent_.load(); }
  uint64_t accepted() const { return accepted_.load(); }
  uint64_t rejected() const { return rejected_.load(); }

 private:
  void Run();

  const MetricAgentOptions options_;
  std::function<LoadWindow()> sample_;
  std::function<uint32_t()> delay_ms_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<uint64_t> sent_{0}, accepted_{0}, rejected_{0};
};

}  // namespace cpn::lab

#endif  // CPN_LAB_SITE_METRIC_AGENT_H_
