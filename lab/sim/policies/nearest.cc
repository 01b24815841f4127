#include "lab/sim/policies/nearest.h"

namespace cpn::lab::sim {

absl::Status NearestPolicy::Decide(const PolicyView& view, Weights* weights) {
  weights->assign(view.demands->size(), {});
  for (size_t d = 0; d < view.demands->size(); ++d) {
    const size_t n = view.candidates->by_demand[d].size();
    const LiveSite* best = nullptr;
    const std::vector<LiveSite> live = LiveSites(view, d);
    for (const LiveSite& s : live) {
      if (best == nullptr || s.delay_us < best->delay_us) best = &s;
    }
    (*weights)[d] = best ? OneHot(n, best->candidate) : std::vector<double>(n, 0.0);
  }
  return absl::OkStatus();
}

}  // namespace cpn::lab::sim
