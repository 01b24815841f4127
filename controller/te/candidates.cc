#include "controller/te/candidates.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/te/path_cache.h"

namespace cpn::te {

size_t CandidateSet::num_candidates() const {
  size_t n = 0;
  for (const auto& v : by_demand) n += v.size();
  return n;
}

absl::Status ValidateCandidates(const model::NetworkModel& model, std::span<const Demand> demands,
                                const CandidateSet& candidates) {
  if (candidates.by_demand.size() != demands.size()) {
    return absl::InvalidArgumentError(absl::StrFormat("candidates for %d demands, but %d demands",
                                                      candidates.by_demand.size(), demands.size()));
  }
  for (size_t p = 0; p < candidates.paths.size(); ++p) {
    const Path& path = candidates.paths[p];
    if (!path.source.valid() || path.source.value() >= model.num_routers()) {
      return absl::InvalidArgumentError(absl::StrFormat("path #%d: bad source", p));
    }
    model::RouterIndex at = path.source;
    for (model::ArcIndex a : path.arcs) {
      if (!a.valid() || a.value() >= model.num_arcs() || model.arc_tail(a) != at) {
        return absl::InvalidArgumentError(
            absl::StrFormat("path #%d: arc %d does not continue the path", p, a.value()));
      }
      at = model.arc_head(a);
    }
    if (at != path.target) {
      return absl::InvalidArgumentError(absl::StrFormat("path #%d: does not end at its target", p));
    }
  }
  for (size_t d = 0; d < demands.size(); ++d) {
    for (size_t i = 0; i < candidates.by_demand[d].size(); ++i) {
      const Candidate& c = candidates.by_demand[d][i];
      auto bad = [&](const std::string& what) {
        return absl::InvalidArgumentError(
            absl::StrFormat("demand #%d candidate #%d: %s", d, i, what));
      };
      if (!c.placement.valid() || c.placement.value() >= model.placements().size()) {
        return bad("placement out of range");
      }
      const model::Placement& pl = model.placement(c.placement);
      if (pl.service != demands[d].service) return bad("placement of another service");
      if (c.path == kNoPath) continue;
      if (c.path >= candidates.paths.size()) return bad("path index out of range");
      const Path& path = candidates.paths[c.path];
      if (path.source != demands[d].ingress) return bad("path does not start at the ingress");
      if (path.target != model.site(pl.site).attachment.router) {
        return bad("path does not end at the site's router");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CandidateSet> BuildCandidates(PathCache& cache, std::span<const Demand> demands,
                                             const CandidateOptions& options) {
  std::vector<CandidateDemand> keys;
  keys.reserve(demands.size());
  for (const Demand& d : demands) keys.push_back(CandidateDemand{d.ingress, d.service});
  ASSIGN_OR_RETURN(std::vector<std::vector<SiteCandidate>> sites, CandidatePaths(cache, keys));

  CandidateSet out;
  out.by_demand.resize(demands.size());
  // Paths shared through the cache are pooled once: key = address of the
  // cache entry's first path (stable until the next non-const cache call).
  absl::flat_hash_map<const Path*, uint32_t> pooled;
  std::vector<uint32_t> order;
  for (size_t d = 0; d < demands.size(); ++d) {
    std::vector<SiteCandidate>& sc = sites[d];
    order.resize(sc.size());
    std::iota(order.begin(), order.end(), 0u);
    if (options.max_sites_per_demand > 0 &&
        sc.size() > static_cast<size_t>(options.max_sites_per_demand)) {
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return sc[a].shortest_delay_us < sc[b].shortest_delay_us;
      });
      order.resize(options.max_sites_per_demand);
      std::sort(order.begin(), order.end());
    }
    std::vector<Candidate>& list = out.by_demand[d];
    for (uint32_t i : order) {
      const SiteCandidate& s = sc[i];
      if (s.paths.empty()) {
        list.push_back(Candidate{s.placement, kNoPath, s.shortest_delay_us});
        continue;
      }
      for (size_t k = 0; k < s.paths.size(); ++k) {
        const Path* key = &s.paths[k];
        auto [it, inserted] = pooled.emplace(key, static_cast<uint32_t>(out.paths.size()));
        if (inserted) out.paths.push_back(*key);
        list.push_back(Candidate{s.placement, it->second, s.paths[k].delay_us});
      }
    }
  }
  return out;
}

}  // namespace cpn::te
