#include "dataplane/telemetry/ipfix_export.h"

#include <rte_cycles.h>

#include "absl/time/clock.h"

namespace cpn::dataplane::ipfix {

absl::StatusOr<std::unique_ptr<IpfixExport>> IpfixExport::Start(const std::string& collector,
                                                                const ExporterConfig& config,
                                                                const Pipeline& pipeline,
                                                                const agent::AgentState& state) {
  std::vector<FlowRecordRing*> rings;
  for (uint32_t w = 0; w < pipeline.workers(); ++w) {
    if (pipeline.flow_records(w) == nullptr) {
      return absl::FailedPreconditionError("IPFIX: the pipeline keeps no flow records");
    }
    rings.push_back(pipeline.flow_records(w));
  }
  absl::StatusOr<std::unique_ptr<UdpSender>> sender = UdpSender::Open(collector);
  if (!sender.ok()) return sender.status();
  std::unique_ptr<IpfixExport> e(new IpfixExport());
  e->policies_ = std::make_unique<AgentPolicySource>(&state);
  TscClock clock;
  clock.tsc0 = rte_rdtsc();
  clock.unix_ms0 = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  clock.hz = pipeline.tsc_hz() != 0 ? pipeline.tsc_hz() : 1;
  absl::StatusOr<std::unique_ptr<IpfixExporter>> exporter =
      IpfixExporter::Start(config, std::move(rings), e->policies_.get(), clock, *std::move(sender));
  if (!exporter.ok()) return exporter.status();
  e->exporter_ = *std::move(exporter);
  return e;
}

IpfixExportCounters IpfixExport::counters() const {
  const ExporterStats s = exporter_->stats();
  return IpfixExportCounters{s.records_sent, s.messages_sent, s.dropped_rate, s.dropped_ring,
                             s.send_errors};
}

}  // namespace cpn::dataplane::ipfix
