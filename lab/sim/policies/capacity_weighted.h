// Baseline: capacity-weighted random — new flows spread over the live
// sites in proportion to their capacity c·µ, blind to load and distance.
// Static weights, so flows never move; no affinity needed.
#ifndef CPN_LAB_SIM_POLICIES_CAPACITY_WEIGHTED_H_
#define CPN_LAB_SIM_POLICIES_CAPACITY_WEIGHTED_H_

#include "lab/sim/policy.h"

namespace cpn::lab::sim {

class CapacityWeightedPolicy : public Policy {
 public:
  std::string name() const override { return "capacity-weighted"; }
  bool flow_affinity() const override { return false; }
  absl::Status Decide(const PolicyView& view, Weights* weights) override;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICIES_CAPACITY_WEIGHTED_H_
