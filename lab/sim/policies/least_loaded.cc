#include "lab/sim/policies/least_loaded.h"

namespace cpn::lab::sim {

double ReportedLoad(const PolicyView& view, model::PlacementIndex p, double unknown) {
  const size_t i = p.value();
  if (i >= view.reported_load.size() || view.reported_load[i] < 0) return unknown;
  return view.reported_load[i];
}

absl::Status LeastLoadedPolicy::Decide(const PolicyView& view, Weights* weights) {
  weights->assign(view.demands->size(), {});
  for (size_t d = 0; d < view.demands->size(); ++d) {
    const size_t n = view.candidates->by_demand[d].size();
    const std::vector<LiveSite> live = LiveSites(view, d);
    const LiveSite* best = nullptr;
    double best_load = 0;
    for (const LiveSite& s : live) {
      const double load = ReportedLoad(view, s.placement);
      if (best == nullptr || load < best_load ||
          (load == best_load && s.delay_us < best->delay_us)) {
        best = &s;
        best_load = load;
      }
    }
    (*weights)[d] = best ? OneHot(n, best->candidate) : std::vector<double>(n, 0.0);
  }
  return absl::OkStatus();
}

}  // namespace cpn::lab::sim
