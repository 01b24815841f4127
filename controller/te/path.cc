#include "controller/te/path.h"

#include <algorithm>
#include <utility>

namespace cpn::te {

std::vector<model::RouterIndex> PathRouters(const model::NetworkModel& model, const Path& path) {
  std::vector<model::RouterIndex> routers;
  routers.reserve(path.arcs.size() + 1);
  routers.push_back(path.source);
  for (model::ArcIndex a : path.arcs) routers.push_back(model.arc_head(a));
  return routers;
}

Path MakePath(const model::NetworkModel& model, model::RouterIndex source,
              std::vector<model::ArcIndex> arcs) {
  Path p;
  p.source = source;
  p.target = arcs.empty() ? source : model.arc_head(arcs.back());
  const std::span<const uint64_t> delay = model.arc_delay_us();
  const std::span<const uint64_t> igp = model.arc_igp_metric();
  const std::span<const uint64_t> capacity = model.arc_capacity_bps();
  size_t srlg_count = 0;
  for (model::ArcIndex a : arcs) {
    p.delay_us += delay[a.value()];
    p.igp_cost += igp[a.value()];
    p.bottleneck_bps = std::min(p.bottleneck_bps, capacity[a.value()]);
    srlg_count += model.link(model::LinkOf(a)).srlg_ids.size();
  }
  if (srlg_count > 0) {
    p.srlg_ids.reserve(srlg_count);
    for (model::ArcIndex a : arcs) {
      const std::vector<uint32_t>& ids = model.link(model::LinkOf(a)).srlg_ids;
      p.srlg_ids.insert(p.srlg_ids.end(), ids.begin(), ids.end());
    }
    std::sort(p.srlg_ids.begin(), p.srlg_ids.end());
    p.srlg_ids.erase(std::unique(p.srlg_ids.begin(), p.srlg_ids.end()), p.srlg_ids.end());
  }
  p.arcs = std::move(arcs);
  return p;
}

}  // namespace cpn::te
