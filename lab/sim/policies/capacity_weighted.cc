#include "lab/sim/policies/capacity_weighted.h"

namespace cpn::lab::sim {

absl::Status CapacityWeightedPolicy::Decide(const PolicyView& view, Weights* weights) {
  weights->assign(view.demands->size(), {});
  for (size_t d = 0; d < view.demands->size(); ++d) {
    std::vector<double> w(view.candidates->by_demand[d].size(), 0.0);
    double total = 0;
    for (const LiveSite& s : LiveSites(view, d)) {
      const model::Placement& p = view.model->placement(s.placement);
      w[s.candidate] = p.servers * 1000.0 / p.mean_service_time_ms;
      total += w[s.candidate];
    }
    if (total > 0) {
      for (double& x : w) x /= total;
    }
    (*weights)[d] = std::move(w);
  }
  return absl::OkStatus();
}

}  // namespace cpn::lab::sim
