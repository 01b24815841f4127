#include "lab/sim/policies/latency_cutoff.h"

#include "lab/sim/policies/least_loaded.h"

namespace cpn::lab::sim {

absl::Status LatencyCutoffPolicy::Decide(const PolicyView& view, Weights* weights) {
  weights->assign(view.demands->size(), {});
  for (size_t d = 0; d < view.demands->size(); ++d) {
    const size_t n = view.candidates->by_demand[d].size();
    const std::vector<LiveSite> live = LiveSites(view, d);
    const LiveSite* nearest_ok = nullptr;
    const LiveSite* least = nullptr;
    double least_load = 0;
    for (const LiveSite& s : live) {
      const double load = ReportedLoad(view, s.placement);
      if (load < cutoff_ && (nearest_ok == nullptr || s.delay_us < nearest_ok->delay_us)) {
        nearest_ok = &s;
      }
      if (least == nullptr || load < least_load) {
        least = &s;
        least_load = load;
      }
    }
    const LiveSite* pick = nearest_ok ? nearest_ok : least;
    (*weights)[d] = pick ? OneHot(n, pick->candidate) : std::vector<double>(n, 0.0);
  }
  return absl::OkStatus();
}

}  // namespace cpn::lab::sim
