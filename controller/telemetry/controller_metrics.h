// cpn-controller's /metrics page: the decision loop's current DecisionSet
// and the southbound sessions, in the Prometheus text format. Every family
// and label is listed in docs/telemetry.md.
//
// Pure; safe from any thread (the caller takes the snapshot).
#ifndef CPN_CONTROLLER_TELEMETRY_CONTROLLER_METRICS_H_
#define CPN_CONTROLLER_TELEMETRY_CONTROLLER_METRICS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/api/decision_engine.h"
#include "cpn/controller/v1/status.pb.h"

namespace cpn::controller_telemetry {

struct ControllerMetricsInput {
  std::string controller_id;
  // The decisions in force (null before the first epoch).
  const api::DecisionSet* decisions = nullptr;
  // Demands whose weights changed in that epoch.
  size_t changed_decisions = 0;
  // One per router with a dataplane address.
  std::vector<cpn::controller::v1::DataplaneSession> sessions;
  // Southbound Write calls per router since start: how many, the time spent
  // in them, and the part the dataplane reports as applying them.
  struct WriteStats {
    uint64_t writes = 0;
    double write_seconds = 0;
    double apply_seconds = 0;
  };
  std::map<std::string, WriteStats> write_stats;
  // Scrape time, for session ages.
  absl::Time now = absl::UnixEpoch();
};

absl::StatusOr<std::string> RenderControllerMetrics(const ControllerMetricsInput& in);

}  // namespace cpn::controller_telemetry

#endif  // CPN_CONTROLLER_TELEMETRY_CONTROLLER_METRICS_H_
