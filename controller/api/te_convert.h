// Conversions between the API's messages (cpn.controller.v1, the
// SiteReports MetricsIngest keeps) and the optimiser's types (controller/te):
// demands, compute metrics, what-if changes in; decision sets out.
//
// Pure functions; safe from any thread.
#ifndef CPN_CONTROLLER_API_TE_CONVERT_H_
#define CPN_CONTROLLER_API_TE_CONVERT_H_

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/api/decision_engine.h"
#include "controller/api/site_report.h"
#include "controller/model/network_model.h"
#include "controller/te/cost_model.h"
#include "controller/te/decision.h"
#include "controller/te/demand.h"
#include "controller/te/metric_state.h"
#include "controller/te/whatif.h"
#include "cpn/compute/v1/compute.pb.h"
#include "cpn/controller/v1/demand.pb.h"
#include "cpn/controller/v1/whatif.pb.h"

namespace cpn::api {

// The demands on `model` (every router and service must exist): rate,
// request size (bytes_per_request 0: the service's), source.
absl::StatusOr<std::vector<te::Demand>> ToTeDemands(
    const model::NetworkModel& model, std::span<const cpn::controller::v1::Demand> demands);

// The values of one report: available and busy servers, server
// utilisation, queue length (its drain rate raises the load: see
// te::EffectivePlacement::backlog_rps), per-server service rate (as a
// service time) and measured_at.
// own_rps is left 0: TeDecisionEngine attributes CPN's own share of the
// reported load from the weights it had installed when the report was
// measured.
te::PlacementMetrics ToPlacementMetrics(const cpn::compute::v1::ComputeMetrics& report,
                                        absl::Time measured_at);

// One PlacementMetrics per placement of `model`: the (site, service)
// report, else the whole-site report, else never reported.
te::MetricState ToMetricState(const model::NetworkModel& model,
                              std::span<const SiteReport> reports);

// The what-if changes as the optimiser takes them; `next_epoch` from the
// horizon (UNSPECIFIED means NEXT_EPOCH).
te::WhatIfRequest ToTeWhatIf(const cpn::controller::v1::WhatIfRequest& request);

// The API form of a decision set: one record per demand (Decision with the
// candidates carrying or draining weight, the Demand — taken from
// `api_demands` by key when present — and every candidate's explanation),
// the site state of every placement, the planned load of every link, the
// solver summary and warnings (capacity violations, unserved demands).
DecisionSet FromTeDecisionSet(const te::DecisionSet& set,
                              std::span<const cpn::controller::v1::Demand> api_demands,
                              const te::CostModelOptions& cost_options, std::string algorithm);

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_TE_CONVERT_H_
