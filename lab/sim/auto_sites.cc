#include "lab/sim/auto_sites.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/model/network_model.h"
#include "controller/topology/site_attach.h"
#include "lab/sim/setup.h"

namespace cpn::lab::sim {

namespace tv1 = cpn::topology::v1;

absl::Status AddAutoSites(tv1::Topology& topology, int n) {
  if (n < 1) return absl::InvalidArgumentError("auto sites: the count must be >= 1");
  if (topology.services_size() == 0) {
    *topology.add_services() = cpn::topology::DefaultLlmInferenceService();
  }
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> built =
      model::NetworkModel::Build(topology);
  if (!built.ok()) return built.status();
  const model::NetworkModel& m = **built;
  if (m.num_routers() == 0)
    return absl::InvalidArgumentError("auto sites: the network has no router");
  // Start at the router with the most links (ties: the first).
  uint32_t start = 0;
  for (uint32_t r = 0; r < m.num_routers(); ++r) {
    if (m.out_arcs(model::RouterIndex(r)).size() > m.out_arcs(model::RouterIndex(start)).size()) {
      start = r;
    }
  }
  std::vector<uint32_t> chosen = {start};
  std::vector<double> nearest = OneWayDelaysMs(m, model::RouterIndex(start));
  while (static_cast<int>(chosen.size()) < std::min<int>(n, static_cast<int>(m.num_routers()))) {
    uint32_t far = start;
    double best = -1;
    for (uint32_t r = 0; r < m.num_routers(); ++r) {
      if (std::isfinite(nearest[r]) && nearest[r] > best) {
        best = nearest[r];
        far = r;
      }
    }
    if (best <= 0) break;  // every reachable router is a site already
    chosen.push_back(far);
    const std::vector<double> d = OneWayDelaysMs(m, model::RouterIndex(far));
    for (uint32_t r = 0; r < m.num_routers(); ++r) nearest[r] = std::min(nearest[r], d[r]);
  }
  std::vector<topology::SiteSeed> seeds;
  const size_t demand_hubs =
      std::max<size_t>(1, static_cast<size_t>(std::ceil(0.6 * chosen.size())));
  for (size_t i = 0; i < chosen.size(); ++i) {
    const model::Router& r = m.router(model::RouterIndex(chosen[i]));
    if (!r.location) {
      return absl::InvalidArgumentError(
          absl::StrFormat("auto sites: router \"%s\" has no location", r.id));
    }
    topology::SiteSeed seed;
    seed.id = "site-" + r.id;
    seed.name = absl::StrFormat("%s cluster", r.name.empty() ? r.id : r.name);
    seed.location = {r.location->latitude_deg, r.location->longitude_deg};
    seed.place = r.name;
    seed.hub_kind = i < demand_hubs ? topology::HubKind::kDemand : topology::HubKind::kResource;
    seeds.push_back(seed);
  }
  absl::StatusOr<std::vector<topology::AttachedSite>> attached =
      topology::AttachSitesNearest(topology, seeds, topology::SiteDefaults{});
  return attached.ok() ? absl::OkStatus() : attached.status();
}

}  // namespace cpn::lab::sim
