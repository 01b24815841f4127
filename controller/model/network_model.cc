#include "controller/model/network_model.h"

#include <utility>

#include "absl/strings/string_view.h"
#include "controller/model/model_builder.h"

namespace cpn::model {
namespace {

template <typename Index>
std::optional<Index> Find(const absl::flat_hash_map<std::string, Index>& by_id,
                          std::string_view id) {
  auto it = by_id.find(absl::string_view(id.data(), id.size()));
  if (it == by_id.end()) return std::nullopt;
  return it->second;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const NetworkModel>> NetworkModel::Build(
    const cpn::topology::v1::Topology& topology) {
  return ModelBuilder(topology).Build();
}

absl::StatusOr<std::shared_ptr<const NetworkModel>> NetworkModel::Build(
    cpn::topology::v1::Topology&& topology) {
  return ModelBuilder(std::move(topology)).Build();
}

std::optional<RouterIndex> NetworkModel::FindRouter(std::string_view id) const {
  return Find(router_by_id_, id);
}
std::optional<LinkIndex> NetworkModel::FindLink(std::string_view id) const {
  return Find(link_by_id_, id);
}
std::optional<OpticalNodeIndex> NetworkModel::FindOpticalNode(std::string_view id) const {
  return Find(optical_node_by_id_, id);
}
std::optional<FiberIndex> NetworkModel::FindFiber(std::string_view id) const {
  return Find(fiber_by_id_, id);
}
std::optional<LightpathIndex> NetworkModel::FindLightpath(std::string_view id) const {
  return Find(lightpath_by_id_, id);
}
std::optional<SiteIndex> NetworkModel::FindSite(std::string_view id) const {
  return Find(site_by_id_, id);
}
std::optional<ServiceIndex> NetworkModel::FindService(std::string_view id) const {
  return Find(service_by_id_, id);
}

std::optional<SrlgIndex> NetworkModel::FindSrlg(uint32_t srlg_id) const {
  auto it = srlg_by_id_.find(srlg_id);
  if (it == srlg_by_id_.end()) return std::nullopt;
  return it->second;
}

std::optional<FiberIndex> NetworkModel::FiberOfSrlg(uint32_t srlg_id) const {
  if (srlg_id < kFirstDerivedSrlg || srlg_id - kFirstDerivedSrlg >= fibers_.size()) {
    return std::nullopt;
  }
  return FiberIndex(srlg_id - kFirstDerivedSrlg);
}

std::optional<PlacementIndex> NetworkModel::FindPlacement(SiteIndex site,
                                                          ServiceIndex service) const {
  const Site& s = sites_[site.value()];
  for (uint32_t p = s.first_placement; p < s.first_placement + s.num_placements; ++p) {
    if (placements_[p].service == service) return PlacementIndex(p);
  }
  return std::nullopt;
}

}  // namespace cpn::model
