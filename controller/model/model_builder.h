// Internal to cpn_model: validates a Topology and fills a NetworkModel.
// Used only by NetworkModel::Build; one builder per Build call, one thread.
//
// The builder walks the topology once per entity kind, in dependency order
// (routers, optical layer, links, SRLGs, services, sites, address space,
// arcs). Each step records every problem it finds and carries on with what
// it could resolve, so one Build reports all errors (up to a cap).
#ifndef CPN_CONTROLLER_MODEL_MODEL_BUILDER_H_
#define CPN_CONTROLLER_MODEL_MODEL_BUILDER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "controller/model/entities.h"
#include "controller/model/network_model.h"
#include "cpn/common/v1/types.pb.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::model {

// Names one entity of the topology in error messages: `router "r1"`, or
// `routers[3]` when its id is empty.
struct EntityRef {
  const char* kind;    // "router"
  const char* plural;  // "routers", the Topology field
  absl::string_view id;
  int index;

  std::string ToString() const;
};

// Quotes an operator-given string for an error message, escaping anything
// unprintable.
std::string Quote(absl::string_view s);

// Collects validation errors; formats them only when there are some.
class ErrorList {
 public:
  static constexpr size_t kMaxReported = 50;

  // Records `<entity>: <message>`.
  void Add(const EntityRef& entity, absl::string_view message);
  bool empty() const { return total_ == 0; }
  size_t total() const { return total_; }
  // OK when empty; else INVALID_ARGUMENT with every recorded message.
  absl::Status ToStatus(absl::string_view topology_name) const;

 private:
  std::vector<std::string> messages_;
  size_t total_ = 0;
};

class ModelBuilder {
 public:
  // Takes the topology; the snapshot keeps it for ToProto().
  explicit ModelBuilder(cpn::topology::v1::Topology topology);
  absl::StatusOr<std::shared_ptr<const NetworkModel>> Build() &&;

 private:
  // An IPv6 or IPv4 prefix that is routed somewhere, for the overlap check.
  template <typename Prefix>
  struct RoutedPrefix {
    Prefix prefix;
    EntityRef owner;
    std::string field;  // "srv6_locator", "attachment.site_prefixes[1]"
  };

  // model_builder.cc
  void BuildRouters();
  void BuildLinks();
  void ResolveLinkEnd(const EntityRef& e, const char* end, const cpn::topology::v1::LinkEndpoint& p,
                      LinkEnd* out);
  void CheckLinkOptics();
  void DeriveSrlgs();
  void BuildArcs();
  // Registers `id` of `e`; reports empty, malformed and duplicate ids.
  template <typename Index>
  void RegisterId(const EntityRef& e, absl::flat_hash_map<std::string, Index>& by_id, Index index) {
    if (!CheckIdSyntax(e)) return;
    auto [it, inserted] = by_id.try_emplace(e.id, index);
    if (!inserted) ReportDuplicateId(e, it->second.value());
  }
  bool CheckIdSyntax(const EntityRef& e);
  void ReportDuplicateId(const EntityRef& e, uint32_t first_index);
  std::optional<GeoPoint> CheckLocation(const EntityRef& e,
                                        const cpn::common::v1::GeoLocation& loc);
  bool CheckAdminState(const EntityRef& e, cpn::common::v1::AdminState state);
  void CheckSrlgIds(const EntityRef& e, const google::protobuf::RepeatedField<uint32_t>& ids);
  // Claims interface `name` of `router` for `owner`; reports a second claim.
  void ClaimInterface(RouterIndex router, absl::string_view name, const EntityRef& owner,
                      std::string field);
  // Checks an interface name: 1..64 printable characters, no spaces.
  void CheckInterfaceName(const EntityRef& e, absl::string_view field, absl::string_view name);
  std::string RouterName(RouterIndex r) const;

  // model_builder_optical.cc
  void BuildOpticalNodes();
  void BuildFibers();
  void BuildLightpaths();
  // The optical node `id` names in `field`; invalid (and reported) if none.
  OpticalNodeIndex ResolveOpticalNode(const EntityRef& e, const char* field, const std::string& id);

  // model_builder_compute.cc
  void BuildServices();
  void BuildSites();
  void CheckAddressSpace();
  template <typename Prefix>
  void CheckOverlaps(std::vector<RoutedPrefix<Prefix>>& prefixes);

  std::shared_ptr<NetworkModel> m_;
  const cpn::topology::v1::Topology& t_;  // m_->proto_
  ErrorList errors_;

  // Who uses each (router, interface name).
  struct InterfaceOwner {
    EntityRef owner;
    std::string field;
  };
  absl::flat_hash_map<std::pair<uint32_t, absl::string_view>, InterfaceOwner> interfaces_;
  std::vector<RoutedPrefix<Ipv6Prefix>> routed_ipv6_;
  std::vector<RoutedPrefix<Ipv4Prefix>> routed_ipv4_;
};

}  // namespace cpn::model

#endif  // CPN_CONTROLLER_MODEL_MODEL_BUILDER_H_
