#include "dataplane/agent/installed_state.h"

#include "absl/strings/str_cat.h"

namespace cpn::dataplane::agent {

std::string KeyText(const NeighborKey& k) {
  return absl::StrCat(k.port_id, " ", ToString(k.address));
}

std::string KeyText(const RouteKey& k) { return absl::StrCat(k.table_id, " ", ToString(k.prefix)); }

const char* KindName(v1::EntityType type) {
  switch (type) {
    case v1::ENTITY_TYPE_PORT:
      return "port";
    case v1::ENTITY_TYPE_NEIGHBOR:
      return "neighbor";
    case v1::ENTITY_TYPE_ROUTE:
      return "route";
    case v1::ENTITY_TYPE_LOCAL_SID:
      return "local SID";
    case v1::ENTITY_TYPE_SRV6_POLICY:
      return "SRv6 policy";
    case v1::ENTITY_TYPE_STEERING_RULE:
      return "steering rule";
    default:
      return "entity";
  }
}

}  // namespace cpn::dataplane::agent
