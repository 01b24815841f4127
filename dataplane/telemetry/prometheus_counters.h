// cpn-dataplane's /metrics page: one CountersSnapshot (the same sample the
// southbound StreamCounters sends) written in the Prometheus text format.
// Every family and label is listed in docs/telemetry.md. Counters keep the
// snapshot's semantics: per-entity counters start at 0 when the entity is
// installed, so `rate()` over them is what an operator wants; a restarted
// dataplane shows a new `cpn_dataplane_boot_id`.
//
// Pure; safe from any thread.
#ifndef CPN_DATAPLANE_TELEMETRY_PROMETHEUS_COUNTERS_H_
#define CPN_DATAPLANE_TELEMETRY_PROMETHEUS_COUNTERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "cpn/telemetry/v1/counters.pb.h"

namespace cpn::dataplane {

// The exposition text; an error only if an id makes a bad label (it cannot,
// ids are escaped) — kept as StatusOr so a future check cannot be silent.
absl::StatusOr<std::string> RenderDataplaneMetrics(
    const cpn::telemetry::v1::CountersSnapshot& snapshot);

// IPFIX flow export counters (ipfix_exporter.h ExporterStats), rendered as
// the cpn_ipfix_* families when export is on.
struct IpfixExportCounters {
  uint64_t records_sent = 0;
  uint64_t messages_sent = 0;
  uint64_t dropped_rate = 0;  // Over --ipfix-max-records-per-s.
  uint64_t dropped_ring = 0;  // A worker's record ring was full.
  uint64_t send_errors = 0;   // Messages the socket refused.
};
absl::StatusOr<std::string> RenderDataplaneMetrics(
    const cpn::telemetry::v1::CountersSnapshot& snapshot, const IpfixExportCounters* ipfix);

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_TELEMETRY_PROMETHEUS_COUNTERS_H_
