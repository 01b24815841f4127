// ControllerView: what the controller knows during a simulation, and the
// PolicyView it hands the policy every epoch — its own copy of the
// topology (failures applied when detected) with the model and candidate
// paths built from it, the latest site and link reports that have arrived
// (smoothed as the controller's ingestion does), and each ingress's demand
// measured from its counters (DemandEstimator).
//
// Single-threaded (the simulation's).
#ifndef CPN_LAB_SIM_CONTROLLER_VIEW_H_
#define CPN_LAB_SIM_CONTROLLER_VIEW_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "controller/te/candidates.h"
#include "lab/sim/demand_estimator.h"
#include "lab/sim/policy.h"
#include "lab/sim/setup.h"
#include "lab/sim/site_agent.h"

namespace cpn::lab::sim {

class ControllerView {
 public:
  ControllerView(const SimSetup& setup, int k_paths);

  // Builds the model and candidates from the setup's topology.
  absl::Status Init();
  // A failure or recovery detected: applied to the view's topology, model
  // and candidates rebuilt.
  absl::Status Apply(const TopologyChange& change);
  // Reports that reached the controller: one per SimSetup::sites, and the
  // background utilisation of every arc, measured at `measured_at`.
  void Receive(const std::vector<SiteReport>& sites, const std::vector<double>& arc_background);
  // One arrival at ingress `i` (SimSetup::ingresses).
  void CountArrival(size_t i) { ++arrivals_[i]; }

  // Updates the demand estimates with the arrivals since the last call and
  // returns what the policy sees at `t`.
  PolicyView Build(double t, uint64_t epoch);

  const model::NetworkModel& model() const { return *model_; }
  const te::CandidateSet& candidates() const { return *candidates_; }
  double demand_rps(size_t i) const { return estimators_[i].rate(); }

 private:
  const SimSetup& setup_;
  int k_paths_;
  cpn::topology::v1::Topology topology_;
  std::shared_ptr<const model::NetworkModel> model_;
  std::shared_ptr<const te::CandidateSet> candidates_;
  std::vector<te::Demand> demands_;  // one per ingress; rates filled at Build
  std::vector<te::PlacementMetrics> background_, in_system_;  // by SimSetup::sites
  std::vector<double> load_;
  std::vector<te::ArcMetrics> arcs_;
  std::vector<DemandEstimator> estimators_;
  std::vector<uint64_t> arrivals_;
  double last_build_t_ = 0;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_CONTROLLER_VIEW_H_
