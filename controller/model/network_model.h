// NetworkModel: an immutable, validated snapshot of the network (routers,
// links, optical layer) and its compute (sites, services), indexed densely for
// the decision code.
//
// Ownership and threads: a snapshot is created only by NetworkModel::Build
// and handed out as std::shared_ptr<const NetworkModel>. It never changes
// after Build returns, so any number of threads may read one snapshot at once
// without locks; a writer (the API) builds the next snapshot from a modified
// Topology and publishes the new pointer. Everything a snapshot returns by
// reference or span lives as long as the snapshot.
//
// Pure: no I/O, no clocks, no logging; the same Topology always gives the
// same snapshot (same indices, same derived values).
#ifndef CPN_CONTROLLER_MODEL_NETWORK_MODEL_H_
#define CPN_CONTROLLER_MODEL_NETWORK_MODEL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "controller/model/entities.h"
#include "controller/model/index.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::model {

class ModelBuilder;

class NetworkModel {
 public:
  // Validates `topology` and builds a snapshot of it. Entities are numbered
  // in the order they appear in `topology`. On any error returns
  // INVALID_ARGUMENT listing every problem found (up to a cap), each naming
  // the entity kind, its id and the field, e.g.
  //   link "bj--sh": b.router_id names unknown router "shx"
  static absl::StatusOr<std::shared_ptr<const NetworkModel>> Build(
      const cpn::topology::v1::Topology& topology);
  // The same, taking the topology without copying it (the API, which builds
  // a new Topology per change, should move it in).
  static absl::StatusOr<std::shared_ptr<const NetworkModel>> Build(
      cpn::topology::v1::Topology&& topology);

  NetworkModel(const NetworkModel&) = delete;
  NetworkModel& operator=(const NetworkModel&) = delete;

  // The topology this snapshot was built from, exactly as given (every
  // field, including those the model does not interpret). Build(ToProto())
  // gives an identical snapshot.
  cpn::topology::v1::Topology ToProto() const { return proto_; }
  // The same without a copy; entity i of a kind is proto().<kind>(i).
  const cpn::topology::v1::Topology& proto() const { return proto_; }
  const std::string& name() const { return proto_.name(); }

  // --- Entities, dense and in Topology order. -----------------------------
  std::span<const Router> routers() const { return routers_; }
  std::span<const Link> links() const { return links_; }
  std::span<const OpticalNode> optical_nodes() const { return optical_nodes_; }
  std::span<const Fiber> fibers() const { return fibers_; }
  std::span<const Lightpath> lightpaths() const { return lightpaths_; }
  std::span<const Site> sites() const { return sites_; }
  std::span<const Service> services() const { return services_; }
  // Every (site, service) pair, grouped by site in site order.
  std::span<const Placement> placements() const { return placements_; }
  // Every SRLG used by a link, ascending by id.
  std::span<const Srlg> srlgs() const { return srlgs_; }

  size_t num_routers() const { return routers_.size(); }
  size_t num_links() const { return links_.size(); }
  size_t num_arcs() const { return 2 * links_.size(); }

  const Router& router(RouterIndex i) const { return routers_[i.value()]; }
  const Link& link(LinkIndex i) const { return links_[i.value()]; }
  const OpticalNode& optical_node(OpticalNodeIndex i) const { return optical_nodes_[i.value()]; }
  const Fiber& fiber(FiberIndex i) const { return fibers_[i.value()]; }
  const Lightpath& lightpath(LightpathIndex i) const { return lightpaths_[i.value()]; }
  const Site& site(SiteIndex i) const { return sites_[i.value()]; }
  const Service& service(ServiceIndex i) const { return services_[i.value()]; }
  const Placement& placement(PlacementIndex i) const { return placements_[i.value()]; }
  const Srlg& srlg(SrlgIndex i) const { return srlgs_[i.value()]; }
  std::span<const Placement> placements_of(SiteIndex i) const {
    const Site& s = site(i);
    return std::span<const Placement>(placements_).subspan(s.first_placement, s.num_placements);
  }

  // --- Lookup by id (or SRLG number); nullopt when absent. ---------------
  std::optional<RouterIndex> FindRouter(std::string_view id) const;
  std::optional<LinkIndex> FindLink(std::string_view id) const;
  std::optional<OpticalNodeIndex> FindOpticalNode(std::string_view id) const;
  std::optional<FiberIndex> FindFiber(std::string_view id) const;
  std::optional<LightpathIndex> FindLightpath(std::string_view id) const;
  std::optional<SiteIndex> FindSite(std::string_view id) const;
  std::optional<ServiceIndex> FindService(std::string_view id) const;
  std::optional<SrlgIndex> FindSrlg(uint32_t srlg_id) const;
  // The fibre a derived SRLG id stands for; nullopt for operator SRLGs and
  // ids past the last fibre.
  std::optional<FiberIndex> FiberOfSrlg(uint32_t srlg_id) const;
  // The placement of `service` at `site`, if the site hosts it.
  std::optional<PlacementIndex> FindPlacement(SiteIndex site, ServiceIndex service) const;

  // --- Directed arcs, for path computation. -------------------------------
  // Arcs leaving router r, ascending by arc index. The arcs entering r are
  // exactly ReverseOf(a) for each a in out_arcs(r).
  std::span<const ArcIndex> out_arcs(RouterIndex r) const {
    return std::span<const ArcIndex>(out_arcs_).subspan(
        out_arc_begin_[r.value()], out_arc_begin_[r.value() + 1] - out_arc_begin_[r.value()]);
  }
  RouterIndex arc_tail(ArcIndex a) const { return arc_head_[ReverseOf(a).value()]; }
  RouterIndex arc_head(ArcIndex a) const { return arc_head_[a.value()]; }
  // Dense per-arc arrays of num_arcs() elements, indexed by ArcIndex::value().
  std::span<const RouterIndex> arc_heads() const { return arc_head_; }
  std::span<const uint64_t> arc_delay_us() const { return arc_delay_us_; }
  std::span<const uint64_t> arc_igp_metric() const { return arc_igp_metric_; }
  std::span<const uint64_t> arc_capacity_bps() const { return arc_capacity_bps_; }
  // 1 when the arc can carry traffic: its link and both routers are up.
  std::span<const uint8_t> arc_in_service() const { return arc_in_service_; }

 private:
  friend class ModelBuilder;
  NetworkModel() = default;

  cpn::topology::v1::Topology proto_;

  std::vector<Router> routers_;
  std::vector<Link> links_;
  std::vector<OpticalNode> optical_nodes_;
  std::vector<Fiber> fibers_;
  std::vector<Lightpath> lightpaths_;
  std::vector<Site> sites_;
  std::vector<Service> services_;
  std::vector<Placement> placements_;
  std::vector<Srlg> srlgs_;

  absl::flat_hash_map<std::string, RouterIndex> router_by_id_;
  absl::flat_hash_map<std::string, LinkIndex> link_by_id_;
  absl::flat_hash_map<std::string, OpticalNodeIndex> optical_node_by_id_;
  absl::flat_hash_map<std::string, FiberIndex> fiber_by_id_;
  absl::flat_hash_map<std::string, LightpathIndex> lightpath_by_id_;
  absl::flat_hash_map<std::string, SiteIndex> site_by_id_;
  absl::flat_hash_map<std::string, ServiceIndex> service_by_id_;
  absl::flat_hash_map<uint32_t, SrlgIndex> srlg_by_id_;

  // Adjacency in CSR form: out_arcs_[out_arc_begin_[r] .. out_arc_begin_[r+1]).
  std::vector<uint32_t> out_arc_begin_;
  std::vector<ArcIndex> out_arcs_;
  std::vector<RouterIndex> arc_head_;
  std::vector<uint64_t> arc_delay_us_;
  std::vector<uint64_t> arc_igp_metric_;
  std::vector<uint64_t> arc_capacity_bps_;
  std::vector<uint8_t> arc_in_service_;
};

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_NETWORK_MODEL_H_
