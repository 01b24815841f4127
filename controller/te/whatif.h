// What-if: the decisions the controller would make after hypothetical
// changes, and how they differ from the current ones, computed on a copy of
// the inputs. Nothing is applied: the snapshot, demands, metrics and the
// current decisions are only read.
//
// Topology changes (link, router or site down, fibre cut, link delay or
// capacity) are applied to a copy of the snapshot's Topology and a new
// snapshot is built (NetworkModel::Build: same order, same indices), and
// candidate paths are recomputed on it; metric changes (load surge, metric
// overrides) to a copy of the MetricState, as if reported at `now`; demand
// changes to a copy of the demand list. The same solver then runs — without
// damping (the steady state the controller would converge to) unless the
// request asks for the next epoch.
//
// Pure and deterministic; safe from any thread given const inputs.
#ifndef CPN_CONTROLLER_TE_WHATIF_H_
#define CPN_CONTROLLER_TE_WHATIF_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/network_model.h"
#include "controller/te/candidates.h"
#include "controller/te/decision.h"
#include "controller/te/demand.h"
#include "controller/te/metric_state.h"
#include "controller/te/path_cache.h"

namespace cpn::te {

struct LinkDown {
  std::string link_id;
};
// The router and every link and site attached to it.
struct RouterDown {
  std::string router_id;
};
struct SiteDown {
  std::string site_id;
};
// Every link riding a lightpath over the fibre.
struct FiberCut {
  std::string fiber_id;
};
// Background load at a site: exactly one of load_factor (> 0, multiplies
// the effective background rate) and utilization (0..1 of the placement's
// capacity) is set. Empty service_id: every service of the site.
struct SiteLoadSurge {
  std::string site_id;
  std::string service_id;
  std::optional<double> load_factor;
  std::optional<double> utilization;
};
// A new demand or a new rate for an existing one; rate 0 removes it.
struct DemandChange {
  std::string ingress_router_id;
  std::string service_id;
  double requests_per_second = 0;
  std::optional<double> request_bytes;
  std::optional<double> response_bytes;
};
// Replaces the reported values that `values` sets (measured_at is ignored:
// the override counts as reported now). Empty service_id: every service of
// the site.
struct SiteMetricOverride {
  std::string site_id;
  std::string service_id;
  PlacementMetrics values;
};
// A link's background utilisation (both directions, as reported now),
// propagation delay or capacity; unset fields keep theirs.
struct LinkMetricOverride {
  std::string link_id;
  std::optional<double> utilization;
  std::optional<uint64_t> propagation_delay_us;
  std::optional<uint64_t> capacity_bps;
};

using WhatIfChange = std::variant<LinkDown, RouterDown, SiteDown, FiberCut, SiteLoadSurge,
                                  DemandChange, SiteMetricOverride, LinkMetricOverride>;

struct WhatIfRequest {
  // Applied together.
  std::vector<WhatIfChange> changes;
  // false: the undamped optimum (steady state); true: what the next epoch
  // would install, damping included (failover is immediate either way).
  bool next_epoch = false;
};

// Computes candidates for demands on a snapshot.
using CandidateProvider = std::function<absl::StatusOr<CandidateSet>(
    const std::shared_ptr<const model::NetworkModel>&, std::span<const Demand>)>;

// The default provider: a fresh PathCache on the snapshot, then
// BuildCandidates.
CandidateProvider PathCacheCandidates(PathCacheOptions cache_options = {},
                                      CandidateOptions candidate_options = {});

struct WhatIfResult {
  // The snapshot decided on (the current one when no topology change).
  std::shared_ptr<const model::NetworkModel> model;
  std::shared_ptr<const std::vector<Demand>> demands;
  // The decisions it would make.
  std::shared_ptr<const DecisionSet> decisions;
  // Against the current set.
  std::vector<DecisionDiff> diffs;
  double current_objective = 0;
  double what_if_objective = 0;
  // Problems for people: capacity violations, unserved or best-effort
  // demands.
  std::vector<std::string> warnings;
};

// Evaluates `request` against the current inputs and decisions. `provider`
// recomputes candidates when the topology or the demands change (null: the
// default PathCacheCandidates()). INVALID_ARGUMENT naming the change (its
// index) for unknown ids or out-of-range values.
absl::StatusOr<WhatIfResult> WhatIf(const DecisionInputs& current_inputs,
                                    const DecisionSet& current, const WhatIfRequest& request,
                                    const DecisionOptions& options,
                                    const CandidateProvider& provider = nullptr);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_WHATIF_H_
