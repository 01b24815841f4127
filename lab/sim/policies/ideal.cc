#include "lab/sim/policies/ideal.h"

#include <algorithm>

namespace cpn::lab::sim {

absl::Status IdealPolicy::Decide(const PolicyView& view, Weights* weights) {
  weights->assign(view.demands->size(), {});
  for (size_t d = 0; d < view.demands->size(); ++d) {
    (*weights)[d].assign(view.candidates->by_demand[d].size(), 0.0);
  }
  return absl::OkStatus();
}

double ExpectedDelayS(const DispatchOption& option, const SiteNow& site) {
  const double ahead = static_cast<double>(site.in_system) + site.en_route + 1.0;
  const double c = std::max(1u, site.servers);
  return 2 * option.one_way_s + std::max(0.0, ahead - c) * site.mean_service_s / c;
}

size_t IdealPolicy::Dispatch(const std::vector<DispatchOption>& options,
                             const std::vector<SiteNow>& sites) {
  size_t best = 0;
  double best_s = ExpectedDelayS(options[0], sites[options[0].site]);
  for (size_t i = 1; i < options.size(); ++i) {
    const double s = ExpectedDelayS(options[i], sites[options[i].site]);
    if (s < best_s) {
      best = i;
      best_s = s;
    }
  }
  return best;
}

}  // namespace cpn::lab::sim
