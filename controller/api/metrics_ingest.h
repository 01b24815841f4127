// MetricsIngest: checks and keeps the compute metrics that site agents
// stream over ControllerService.ReportMetrics.
//
// Every report is answered (ReportMetricsResponse): accepted, or rejected
// with a reason, checked in this order —
//   INVALID           measured_at missing, a value outside its range, a unit
//                     that does not fit the metric type, NaN or infinity;
//   UNKNOWN_SITE      site_id names no site of the current model;
//   UNKNOWN_SERVICE   service_id names no service, or one the site does not
//                     host (empty service_id: the whole site);
//   FUTURE_TIMESTAMP  measured_at ahead of the controller's clock by more
//                     than max_future_skew;
//   STALE             measured_at older than max_age;
//   OUT_OF_ORDER      sequence not greater than the last one accepted from
//                     this reporter for this (site, service), or measured_at
//                     older than the (site, service)'s latest report;
//   RATE_LIMITED      more reports for this (site, service) than a token
//                     bucket of `burst` tokens refilled every min_interval
//                     allows (retry_after says when a token is back).
// Only an accepted report changes state. The latest accepted report per
// (site, service) is kept with its receive time; its age (now -
// measured_at) drives freshness: FRESH below fresh_age, STALE below
// max_age, MISSING beyond (or never reported).
//
// Threads: every method from any thread. One mutex guards the tables; it is
// held only to check and record one report or to copy the latest reports,
// never across I/O.
#ifndef CPN_CONTROLLER_API_METRICS_INGEST_H_
#define CPN_CONTROLLER_API_METRICS_INGEST_H_

#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/api/clock.h"
#include "controller/api/model_store.h"
#include "controller/api/site_report.h"
#include "cpn/compute/v1/compute.pb.h"
#include "cpn/controller/v1/metrics.pb.h"
#include "cpn/controller/v1/state.pb.h"

namespace cpn::api {

struct MetricsIngestOptions {
  // How far measured_at may be ahead of the controller's clock.
  absl::Duration max_future_skew = absl::Seconds(2);
  // Metrics younger than this are fresh.
  absl::Duration fresh_age = absl::Seconds(2);
  // Reports older than this on arrival are rejected (STALE); kept reports
  // older than this count as missing.
  absl::Duration max_age = absl::Seconds(30);
  // Sustained rate: one report per (site, service) every min_interval ...
  absl::Duration min_interval = absl::Milliseconds(100);
  // ... with bursts of up to this many reports.
  int burst = 5;
};

class MetricsIngest {
 public:
  // `store` and `clock` must outlive the ingest.
  MetricsIngest(const ModelStore* store, const Clock* clock, MetricsIngestOptions options = {});

  MetricsIngest(const MetricsIngest&) = delete;
  MetricsIngest& operator=(const MetricsIngest&) = delete;

  // Checks one report and, when it passes, keeps it.
  cpn::controller::v1::ReportMetricsResponse Ingest(const cpn::compute::v1::ComputeMetrics& report);

  // The latest accepted report of every (site, service) — and of every whole
  // site (empty service_id) — that `model` still has, ordered by site then
  // service.
  std::vector<SiteReport> Latest(const model::NetworkModel& model) const;

  // Counts accepted reports; changes whenever Latest() may have changed.
  uint64_t accepted_count() const;

  // Freshness of a report measured at `measured_at`, seen at `now`.
  cpn::controller::v1::MetricsFreshness FreshnessAt(absl::Time measured_at, absl::Time now) const;

  const MetricsIngestOptions& options() const { return options_; }

  // Called after each accepted report, on the reporting RPC's thread, with
  // no lock held (ControllerServer: trigger a decision). Set before serving.
  void SetOnAccepted(std::function<void()> on_accepted) { on_accepted_ = std::move(on_accepted); }

 private:
  // Ingest without the callback: checks and keeps the report under mu_.
  cpn::controller::v1::ReportMetricsResponse Check(const cpn::compute::v1::ComputeMetrics& report);

  using PlacementKey = std::pair<std::string, std::string>;  // (site, service)
  using ReporterKey = std::tuple<std::string, std::string, std::string>;
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };

  const ModelStore* store_;
  const Clock* clock_;
  const MetricsIngestOptions options_;
  std::function<void()> on_accepted_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<PlacementKey, SiteReport> latest_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<ReporterKey, uint64_t> last_sequence_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<PlacementKey, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  uint64_t accepted_ ABSL_GUARDED_BY(mu_) = 0;
};

// Checks the values of a report (L0 ranges and units, L1 and L2 ranges).
// INVALID_ARGUMENT naming the field, e.g. "l0[1] (METRIC_TYPE_SERVER_UTILIZATION):
// value 1.5 is outside 0..1". Pure; any thread.
absl::Status ValidateMetricValues(const cpn::compute::v1::ComputeMetrics& report);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_METRICS_INGEST_H_
