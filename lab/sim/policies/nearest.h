// Baseline: anycast — every demand to the live site with the least
// propagation delay, whatever its load. Routing-based: no flow affinity.
#ifndef CPN_LAB_SIM_POLICIES_NEAREST_H_
#define CPN_LAB_SIM_POLICIES_NEAREST_H_

#include "lab/sim/policy.h"

namespace cpn::lab::sim {

class NearestPolicy : public Policy {
 public:
  std::string name() const override { return "nearest"; }
  bool flow_affinity() const override { return false; }
  absl::Status Decide(const PolicyView& view, Weights* weights) override;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICIES_NEAREST_H_
