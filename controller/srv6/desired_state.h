// Desired state of dataplanes: per router, the southbound entities
// (cpn.dataplane.v1.Entity) it should hold, in a map sorted by entity key.
// The diff (diff.h) compares two such maps; installed state read back from a
// dataplane (DataplaneService.Read) goes through MakeEntityMap to be compared
// the same way.
//
// Value types; no shared state, safe to move between threads.
#ifndef CPN_CONTROLLER_SRV6_DESIRED_STATE_H_
#define CPN_CONTROLLER_SRV6_DESIRED_STATE_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/entities.h"
#include "controller/model/index.h"
#include "controller/srv6/segment_list.h"
#include "controller/srv6/sid_allocator.h"
#include "controller/te/path.h"
#include "cpn/dataplane/v1/entities.pb.h"

namespace cpn::srv6 {

// The key of an entity (proto/cpn/dataplane/v1/README.md, "Keys"). Ordered
// by kind (EntityType order, as Read returns), then number, then text.
struct EntityKey {
  cpn::dataplane::v1::EntityType type = cpn::dataplane::v1::ENTITY_TYPE_UNSPECIFIED;
  // Port.id, Neighbor.port_id, Route.table_id, Srv6Policy.id,
  // SteeringRule.id; 0 for local SIDs.
  uint32_t number = 0;
  // Neighbor.address, Route.prefix, LocalSid.sid; empty otherwise.
  std::string text;

  // As the dataplane names keys in errors: "2", "2 fe80::1",
  // "0 2001:db8::/32", "fcbb:bb00:1:1::".
  std::string ToString() const;
  // The same with the kind first: "route 0 2001:db8::/32".
  std::string DebugString() const;

  friend auto operator<=>(const EntityKey&, const EntityKey&) = default;
};

// The key of `entity`; a key with ENTITY_TYPE_UNSPECIFIED when none is set.
EntityKey KeyOf(const cpn::dataplane::v1::Entity& entity);

using EntityMap = std::map<EntityKey, cpn::dataplane::v1::Entity>;

// Entities (e.g. from Read) as a map; INVALID_ARGUMENT for an entity with no
// kind set or a key given twice.
absl::StatusOr<EntityMap> MakeEntityMap(std::span<const cpn::dataplane::v1::Entity> entities);

// What a policy of the desired state stands for, so that per-policy
// counters can be traced back to decisions.
struct PolicyInfo {
  model::SiteIndex site;
  // False: IPv6 payloads (End.DX6/DT6); true: IPv4 payloads (End.DX4).
  bool ipv4 = false;
  te::Path path;
  SegmentList segments;
  // Services whose steering rules use the policy, ascending.
  std::vector<model::ServiceIndex> services;
};

// What a steering rule of the desired state stands for.
struct RuleInfo {
  model::ServiceIndex service;
  bool ipv4 = false;  // matches the service's IPv4 anycast prefix
  // The service's port range the rule matches; unset: any port.
  std::optional<model::PortRange> ports;
};

// The desired state of one router's dataplane.
struct RouterState {
  model::RouterIndex router;
  std::string router_id;
  EntityMap entities;
  std::map<uint32_t, PolicyInfo> policies;  // by Srv6Policy.id
  std::map<uint32_t, RuleInfo> rules;       // by SteeringRule.id
};

// The desired state of every dataplane of a snapshot.
struct DesiredState {
  // Indexed by RouterIndex::value().
  std::vector<RouterState> routers;
  // The SIDs the state was compiled with.
  std::optional<SidPlan> sids;
  // Things an operator should know that did not stop compilation (an
  // interface without a port binding, a neighbor without a MAC, an IPv4
  // service no site of an intent can take), sorted.
  std::vector<std::string> warnings;

  const RouterState* Find(std::string_view router_id) const;
};

}  // namespace cpn::srv6

#endif  // CPN_CONTROLLER_SRV6_DESIRED_STATE_H_
