// The entities installed in one dataplane, as the southbound API sees them:
// canonical protos keyed the way entities.proto keys them, and the version
// of the last applied Write. Read returns exactly this; Write builds the
// next one (batch.h) and compiles it into a ForwardingState (compiler.h).
//
// Plain data, no locking; AgentState (agent_state.h) guards the live copy.
#ifndef CPN_DATAPLANE_AGENT_INSTALLED_STATE_H_
#define CPN_DATAPLANE_AGENT_INSTALLED_STATE_H_

#include <compare>
#include <cstdint>
#include <map>
#include <string>

#include "cpn/dataplane/v1/entities.pb.h"
#include "dataplane/tables/ip_address.h"

namespace cpn::dataplane::agent {

struct NeighborKey {
  uint32_t port_id = 0;
  IpAddress address;
  friend auto operator<=>(const NeighborKey&, const NeighborKey&) = default;
  friend bool operator==(const NeighborKey&, const NeighborKey&) = default;
};

struct RouteKey {
  uint32_t table_id = 0;
  IpPrefix prefix;
  friend auto operator<=>(const RouteKey&, const RouteKey&) = default;
  friend bool operator==(const RouteKey&, const RouteKey&) = default;
};

struct InstalledState {
  uint64_t version = 0;
  std::map<uint32_t, v1::Port> ports;
  std::map<NeighborKey, v1::Neighbor> neighbors;
  std::map<RouteKey, v1::Route> routes;
  std::map<IpAddress, v1::LocalSid> local_sids;
  std::map<uint32_t, v1::Srv6Policy> policies;
  std::map<uint32_t, v1::SteeringRule> rules;
};

// Text forms of keys, as UpdateError.entity_key and messages show them:
// "3", "3 fe80::1", "0 2001:db8::/32", "fc00:1::e".
std::string KeyText(const NeighborKey& k);
std::string KeyText(const RouteKey& k);

// "port", "neighbor", "route", "local SID", "SRv6 policy", "steering rule".
const char* KindName(v1::EntityType type);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_INSTALLED_STATE_H_
