// Baseline: latency first with a utilisation cut-off — the nearest live
// site whose reported load is below the cut-off (0.8); when none is, the
// least loaded. Routing-based: no flow affinity.
#ifndef CPN_LAB_SIM_POLICIES_LATENCY_CUTOFF_H_
#define CPN_LAB_SIM_POLICIES_LATENCY_CUTOFF_H_

#include "lab/sim/policy.h"

namespace cpn::lab::sim {

class LatencyCutoffPolicy : public Policy {
 public:
  explicit LatencyCutoffPolicy(double cutoff = 0.8) : cutoff_(cutoff) {}
  std::string name() const override { return "latency-cutoff"; }
  bool flow_affinity() const override { return false; }
  absl::Status Decide(const PolicyView& view, Weights* weights) override;

 private:
  double cutoff_;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_POLICIES_LATENCY_CUTOFF_H_
