// Policy: who decides where new flows go. The simulator asks its policy
// once per epoch, with what a controller would know at that moment (the
// controller's view of the topology, measured demand, site and link
// reports as they arrived, aged), for the weights of every demand over its
// candidates. CPN drives the real controller/te decision engine; the
// baselines are the usual alternatives (policies/).
//
// A policy object belongs to one simulation run; single-threaded.
#ifndef CPN_LAB_SIM_POLICY_H_
#define CPN_LAB_SIM_POLICY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/network_model.h"
#include "controller/te/candidates.h"
#include "controller/te/demand.h"
#include "controller/te/metric_state.h"

namespace cpn::lab::sim {

// What a controller knows at an epoch.
struct PolicyView {
  double now_s = 0;
  uint64_t epoch = 0;
  // The controller's view: failures appear after the detection delay.
  std::shared_ptr<const model::NetworkModel> model;
  // One demand per ingress, rate measured from the ingress counters.
  std::shared_ptr<const std::vector<te::Demand>> demands;
  // Parallel to *demands; rebuilt when the view's topology changes.
  std::shared_ptr<const te::CandidateSet> candidates;
  // The latest reports as te metrics (measured_at = report time), smoothed
  // as the controller's ingestion does, each with the site's queue length
  // and CPN's own arrival rate: site load as the arrival rate of non-CPN
  // work (background_rps) ...
  std::shared_ptr<const te::MetricState> metrics;
  // ... or as the mean busy servers (busy_servers, the CATS L0 form).
  std::shared_ptr<const te::MetricState> metrics_in_system;
  // By PlacementIndex: (busy + waiting) / servers at the last report that
  // arrived, the load signal a simple CATS agent advertises; < 0: none yet.
  std::vector<double> reported_load;
};

// What a per-request dispatcher (Policy::Dispatch) sees: the exact state of
// every site at the moment a request leaves its ingress, by SimSetup::sites.
struct SiteNow {
  uint32_t servers = 0;
  uint32_t in_system = 0;  // busy servers + waiting requests
  uint32_t en_route = 0;   // CPN requests sent there and not yet arrived
  double mean_service_s = 0;
};

// One way to serve the request: a candidate of its ingress whose site and
// path are up at that moment.
struct DispatchOption {
  uint32_t candidate = 0;  // index into the ingress's candidates
  uint32_t site = 0;       // index into SimSetup::sites (and the SiteNow list)
  double one_way_s = 0;    // the path's propagation delay
};

// Weights of every demand over its candidates ([demand][candidate], each
// row summing to 1, or all 0 when the demand cannot be served).
using Weights = std::vector<std::vector<double>>;

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  // True: a flow keeps its site and path while they live (the dataplane's
  // affinity table); false: every request follows the current weights
  // (routing-based steering, as anycast or a naive CATS router).
  virtual bool flow_affinity() const = 0;
  virtual absl::Status Decide(const PolicyView& view, Weights* weights) = 0;

  // True: the simulator asks Dispatch for every request it would hash into
  // the weights (every request without affinity, every new flow with it)
  // instead. No network can do this (it needs every site's exact state at
  // every request): the references (policies/ideal.h) use it.
  virtual bool dispatches_per_request() const { return false; }
  // The index into `options` (not empty) to send the request on.
  virtual size_t Dispatch(const std::vector<DispatchOption>& /*options*/,
                          const std::vector<SiteNow>& /*sites*/) {
    return 0;
  }
};

// The names of the built-in policies, in report order (CPN first, the
// references last).
std::vector<std::string> PolicyNames();

// True for the references ("ideal", "ideal-affinity"): reported
// beside the baselines, never taken as the best baseline.
bool IsReferencePolicy(const std::string& name);

// A built-in policy by name; INVALID_ARGUMENT listing the names for an
// unknown one.
absl::StatusOr<std::unique_ptr<Policy>> MakePolicy(const std::string& name);

// Helpers for the baselines.
struct LiveSite {
  model::PlacementIndex placement;
  uint32_t candidate = 0;  // the site's least-delay live candidate
  uint64_t delay_us = 0;
};
// The sites demand `d` can reach in the view (site up, path in service),
// each with its least-delay candidate, in candidate order.
std::vector<LiveSite> LiveSites(const PolicyView& view, size_t d);
// A weight row with all weight on one candidate.
std::vector<double> OneHot(size_t n, uint32_t candidate);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICY_H_
