// IpfixExport: cpn-dataplane's IPFIX flow export wired together -- a UDP
// sender to the collector, the agent-backed policy source and the exporter
// thread over every worker's flow record ring. What main.cc starts when
// --ipfix-collector is given; see docs/telemetry.md ("IPFIX").
//
// LIFECYCLE (main thread): Start after the pipeline was created with
// flow_record_ring_size > 0 (workers may already run) -> counters() from
// any thread -> Stop after the workers stopped (last drain) and before the
// agent and the pipeline are destroyed.
#ifndef CPN_DATAPLANE_TELEMETRY_IPFIX_EXPORT_H_
#define CPN_DATAPLANE_TELEMETRY_IPFIX_EXPORT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "dataplane/agent/agent_state.h"
#include "dataplane/pipeline/pipeline.h"
#include "dataplane/telemetry/ipfix_exporter.h"
#include "dataplane/telemetry/ipfix_policy_source.h"
#include "dataplane/telemetry/prometheus_counters.h"

namespace cpn::dataplane::ipfix {

// Per-worker ring size main.cc asks the pipeline for.
inline constexpr uint32_t kFlowRecordRingSize = 8192;

class IpfixExport {
 public:
  // `collector`: HOST:PORT. `pipeline` and `state` must outlive Stop().
  static absl::StatusOr<std::unique_ptr<IpfixExport>> Start(const std::string& collector,
                                                            const ExporterConfig& config,
                                                            const Pipeline& pipeline,
                                                            const agent::AgentState& state);
  void Stop() { exporter_->Stop(); }
  IpfixExportCounters counters() const;

 private:
  IpfixExport() = default;
  std::unique_ptr<AgentPolicySource> policies_;
  std::unique_ptr<IpfixExporter> exporter_;
};

}  // namespace cpn::dataplane::ipfix

#endif  // CPN_DATAPLANE_TELEMETRY_IPFIX_EXPORT_H_
