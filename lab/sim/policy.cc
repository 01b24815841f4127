#include "lab/sim/policy.h"

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lab/sim/policies/capacity_weighted.h"
#include "lab/sim/policies/cpn_policy.h"
#include "lab/sim/policies/ideal.h"
#include "lab/sim/policies/latency_cutoff.h"
#include "lab/sim/policies/least_loaded.h"
#include "lab/sim/policies/nearest.h"

namespace cpn::lab::sim {

std::vector<std::string> PolicyNames() {
  return {"cpn",
          "cpn-busy",
          "nearest",
          "least-loaded",
          "capacity-weighted",
          "latency-cutoff",
          "ideal-affinity",
          "ideal"};
}

bool IsReferencePolicy(const std::string& name) {
  return name == "ideal" || name == "ideal-affinity";
}

absl::StatusOr<std::unique_ptr<Policy>> MakePolicy(const std::string& name) {
  if (name == "cpn") return std::make_unique<CpnPolicy>();
  if (name == "cpn-busy") return std::make_unique<CpnPolicy>(/*in_system=*/true);
  if (name == "nearest") return std::make_unique<NearestPolicy>();
  if (name == "least-loaded") return std::make_unique<LeastLoadedPolicy>();
  if (name == "capacity-weighted") return std::make_unique<CapacityWeightedPolicy>();
  if (name == "latency-cutoff") return std::make_unique<LatencyCutoffPolicy>();
  if (name == "ideal-affinity") return std::make_unique<IdealPolicy>(/*affinity=*/true);
  if (name == "ideal") return std::make_unique<IdealPolicy>(/*affinity=*/false);
  return absl::InvalidArgumentError(absl::StrFormat("unknown policy \"%s\" (known: %s)", name,
                                                    absl::StrJoin(PolicyNames(), ", ")));
}

std::vector<LiveSite> LiveSites(const PolicyView& view, size_t d) {
  const model::NetworkModel& m = *view.model;
  const std::vector<te::Candidate>& cands = view.candidates->by_demand[d];
  std::vector<LiveSite> out;
  for (uint32_t i = 0; i < cands.size(); ++i) {
    const te::Candidate& c = cands[i];
    if (c.path == te::kNoPath) continue;
    const model::Placement& p = m.placement(c.placement);
    if (!m.site(p.site).up) continue;
    const te::Path& path = view.candidates->paths[c.path];
    bool live = true;
    for (model::ArcIndex a : path.arcs) live = live && m.arc_in_service()[a.value()];
    if (!live) continue;
    bool found = false;
    for (LiveSite& s : out) {
      if (s.placement != c.placement) continue;
      found = true;
      if (path.delay_us < s.delay_us) {
        s.candidate = i;
        s.delay_us = path.delay_us;
      }
    }
    if (!found) out.push_back(LiveSite{c.placement, i, path.delay_us});
  }
  return out;
}

std::vector<double> OneHot(size_t n, uint32_t candidate) {
  std::vector<double> w(n, 0.0);
  if (candidate < n) w[candidate] = 1.0;
  return w;
}

}  // namespace cpn::lab::sim
