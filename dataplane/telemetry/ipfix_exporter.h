// IpfixExporter: the control-side thread that turns the workers' flow
// records into IPFIX messages for one collector.
//
//   worker ring(s) --Dequeue--> token bucket --> BuildFlowData (policy from
//   PolicySource) --> IpfixEncoder --> DatagramSender (UDP)
//
// Every poll_interval it drains every worker's FlowRecordRing, keeps the
// records the token bucket allows (max_records_per_s, burst of one second;
// the rest are dropped and counted), encodes them and sends the messages.
// Templates go first in the first message and again every
// template_interval (RFC 7011 8.1: over UDP, templates are re-sent
// periodically), in a template-only message when there is nothing else to
// send. The sequence number counts data records per observation domain.
// Records dropped because a worker's ring was full are counted by the ring.
//
// LIFECYCLE (control thread): Start -> ... -> Stop (or destructor): one
// last drain, then the thread ends. The rings, the policy source and the
// sender must outlive the exporter (or its Stop).
//
// THREADS: its own thread (started from the main lcore, so it inherits the
// control CPU set); stats() from any thread.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_EXPORTER_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_EXPORTER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "dataplane/telemetry/ipfix_encoder.h"
#include "dataplane/telemetry/ipfix_flow_ring.h"
#include "dataplane/telemetry/ipfix_policy_source.h"
#include "dataplane/telemetry/ipfix_rate.h"
#include "dataplane/telemetry/ipfix_record.h"
#include "dataplane/telemetry/ipfix_sender.h"

namespace cpn::dataplane::ipfix {

struct ExporterConfig {
  uint32_t observation_domain = 0;
  double max_records_per_s = 10000;  // 0 = unlimited.
  absl::Duration template_interval = absl::Seconds(30);
  absl::Duration poll_interval = absl::Milliseconds(100);
  size_t max_message_bytes = 1400;
};

struct ExporterStats {
  uint64_t records_sent = 0;
  uint64_t messages_sent = 0;
  uint64_t dropped_rate = 0;  // No token.
  uint64_t dropped_ring = 0;  // A worker's ring was full (summed over rings).
  uint64_t send_errors = 0;   // Messages the socket refused (their records are lost).
};

class IpfixExporter {
 public:
  static absl::StatusOr<std::unique_ptr<IpfixExporter>> Start(
      const ExporterConfig& config, std::vector<FlowRecordRing*> rings, PolicySource* policies,
      const TscClock& clock, std::unique_ptr<DatagramSender> sender);
  ~IpfixExporter();
  IpfixExporter(const IpfixExporter&) = delete;
  IpfixExporter& operator=(const IpfixExporter&) = delete;

  // Drains the rings one last time and ends the thread. Idempotent.
  void Stop();
  ExporterStats stats() const;

 private:
  IpfixExporter(const ExporterConfig& config, std::vector<FlowRecordRing*> rings,
                PolicySource* policies, const TscClock& clock,
                std::unique_ptr<DatagramSender> sender);
  void Run();
  void PollOnce(bool final);

  const ExporterConfig config_;
  const std::vector<FlowRecordRing*> rings_;
  PolicySource* const policies_;
  const TscClock clock_;
  std::unique_ptr<DatagramSender> sender_;
  IpfixEncoder encoder_;
  TokenBucket bucket_;
  absl::Time next_templates_ = absl::InfinitePast();

  std::atomic<uint64_t> records_sent_{0}, messages_sent_{0}, dropped_rate_{0}, send_errors_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_EXPORTER_H_
