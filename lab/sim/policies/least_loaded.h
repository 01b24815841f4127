// Baseline: the naive CATS approach — every ingress sends its new traffic to
// the site that reported the least load (busy + queued per server), each
// decision made greedily on the same (delayed) reports. Ties go to the
// nearer site. Routing-based: no flow affinity. Herds and oscillates.
#ifndef CPN_LAB_SIM_POLICIES_LEAST_LOADED_H_
#define CPN_LAB_SIM_POLICIES_LEAST_LOADED_H_

#include "lab/sim/policy.h"

namespace cpn::lab::sim {

// The reported load of a placement, `unknown` when it never reported.
double ReportedLoad(const PolicyView& view, model::PlacementIndex p, double unknown = 0.5);

class LeastLoadedPolicy : public Policy {
 public:
  std::string name() const override { return "least-loaded"; }
  bool flow_affinity() const override { return false; }
  absl::Status Decide(const PolicyView& view, Weights* weights) override;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICIES_LEAST_LOADED_H_
