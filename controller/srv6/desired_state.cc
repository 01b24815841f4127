#include "controller/srv6/desired_state.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cpn::srv6 {

namespace dpv1 = cpn::dataplane::v1;

std::string EntityKey::ToString() const {
  switch (type) {
    case dpv1::ENTITY_TYPE_NEIGHBOR:
    case dpv1::ENTITY_TYPE_ROUTE:
      return absl::StrCat(number, " ", text);
    case dpv1::ENTITY_TYPE_LOCAL_SID:
      return text;
    default:
      return absl::StrCat(number);
  }
}

std::string EntityKey::DebugString() const {
  std::string kind;
  switch (type) {
    case dpv1::ENTITY_TYPE_PORT:
      kind = "port";
      break;
    case dpv1::ENTITY_TYPE_NEIGHBOR:
      kind = "neighbor";
      break;
    case dpv1::ENTITY_TYPE_ROUTE:
      kind = "route";
      break;
    case dpv1::ENTITY_TYPE_LOCAL_SID:
      kind = "local_sid";
      break;
    case dpv1::ENTITY_TYPE_SRV6_POLICY:
      kind = "srv6_policy";
      break;
    case dpv1::ENTITY_TYPE_STEERING_RULE:
      kind = "steering_rule";
      break;
    default:
      kind = "unspecified";
      break;
  }
  return absl::StrCat(kind, " ", ToString());
}

EntityKey KeyOf(const dpv1::Entity& entity) {
  EntityKey key;
  switch (entity.entity_case()) {
    case dpv1::Entity::kPort:
      key.type = dpv1::ENTITY_TYPE_PORT;
      key.number = entity.port().id();
      break;
    case dpv1::Entity::kNeighbor:
      key.type = dpv1::ENTITY_TYPE_NEIGHBOR;
      key.number = entity.neighbor().port_id();
      key.text = entity.neighbor().address();
      break;
    case dpv1::Entity::kRoute:
      key.type = dpv1::ENTITY_TYPE_ROUTE;
      key.number = entity.route().table_id();
      key.text = entity.route().prefix();
      break;
    case dpv1::Entity::kLocalSid:
      key.type = dpv1::ENTITY_TYPE_LOCAL_SID;
      key.text = entity.local_sid().sid();
      break;
    case dpv1::Entity::kSrv6Policy:
      key.type = dpv1::ENTITY_TYPE_SRV6_POLICY;
      key.number = entity.srv6_policy().id();
      break;
    case dpv1::Entity::kSteeringRule:
      key.type = dpv1::ENTITY_TYPE_STEERING_RULE;
      key.number = entity.steering_rule().id();
      break;
    case dpv1::Entity::ENTITY_NOT_SET:
      break;
  }
  return key;
}

absl::StatusOr<EntityMap> MakeEntityMap(std::span<const dpv1::Entity> entities) {
  EntityMap map;
  for (size_t i = 0; i < entities.size(); ++i) {
    EntityKey key = KeyOf(entities[i]);
    if (key.type == dpv1::ENTITY_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrFormat("entities[%d] has no entity set", i));
    }
    auto [it, inserted] = map.emplace(std::move(key), entities[i]);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrFormat("entities[%d]: %s appears twice", i, it->first.DebugString()));
    }
  }
  return map;
}

const RouterState* DesiredState::Find(std::string_view router_id) const {
  for (const RouterState& r : routers) {
    if (r.router_id == router_id) return &r;
  }
  return nullptr;
}

}  // namespace cpn::srv6
