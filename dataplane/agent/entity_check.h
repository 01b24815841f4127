// Checks of one entity on its own (no other entity consulted): key fields,
// field ranges, address syntax; and canonical text forms (RFC 5952 IPv6,
// dotted-quad IPv4, lower-case MACs) so Read returns what a controller can
// diff against. Errors name the field, e.g.
//   segments[2]: 'fcbb::zz' is not an IPv4 or IPv6 address
// Cross-entity checks (references, uniqueness, capacity) are in batch.h.
//
// Pure functions; any thread.
#ifndef CPN_DATAPLANE_AGENT_ENTITY_CHECK_H_
#define CPN_DATAPLANE_AGENT_ENTITY_CHECK_H_

#include <rte_ether.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cpn/dataplane/v1/entities.pb.h"
#include "dataplane/agent/installed_state.h"

namespace cpn::dataplane::agent {

struct Capacities {
  uint32_t ports = 32;
  uint32_t neighbors = 65536;
  uint32_t ipv6_routes = 200000;
  uint32_t ipv4_routes = 200000;
  uint32_t tables = 4;  // Each IPv6 FIB table costs >= 32 MiB of DPDK memory.
  uint32_t local_sids = 16384;
  uint32_t srv6_policies = 16384;
  uint32_t steering_rules = 16384;
};

struct Limits {
  Capacities capacities;
  uint32_t max_segments = 8;  // kMaxSids of the encap stage.
  uint32_t max_ecmp_next_hops = 16;
  uint32_t max_policies_per_rule = 64;
  // Lab link emulation (--lab-emulation): non-zero Port.emulation and
  // SetPortEmulation are accepted only then.
  bool lab_emulation = false;
};

// The key of an entity, whatever the update type.
struct EntityKey {
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  uint32_t id = 0;  // Port, policy, rule.
  NeighborKey neighbor;
  RouteKey route;
  IpAddress sid;
  std::string text;  // KeyText form.
};

// Parses only the key fields (what a DELETE needs).
absl::StatusOr<EntityKey> KeyOf(const v1::Entity& entity);

// Checks every field of an INSERT/MODIFY and rewrites addresses and MACs in
// canonical form. Port.status is cleared (read-only). Port.devargs may be
// empty here (MODIFY keeps the installed one; batch.h decides).
//
// `installed_prefix`: for a MODIFY of a steering rule, the installed rule's
// match.destination_prefix (valid and canonical). A new one equal to it is
// neither parsed nor re-formatted: formatting an IPv6 prefix costs more than
// all the other checks of a rule, and a weight change keeps the prefix.
absl::Status Canonicalize(v1::Entity* entity, const Limits& limits,
                          const std::string* installed_prefix = nullptr);

// "aa:bb:cc:dd:ee:ff" (any case) -> MAC.
absl::StatusOr<rte_ether_addr> ParseMac(absl::string_view text);
std::string MacText(const rte_ether_addr& mac);

// IPv6 address that is not IPv4-mapped.
absl::StatusOr<IpAddress> ParseIpv6(absl::string_view text);

v1::EntityType TypeOf(const v1::Entity& entity);

// ToString(prefix), the canonical text, formatted here rather than through
// inet_ntop (a printf per 16-bit group): a 16,000-rule INSERT spent more
// time formatting prefixes than on all its other checks. The same text as
// ToString for every prefix (embedded-IPv4 forms and IPv4 prefixes are
// handed to ToString).
std::string CanonicalText(const IpPrefix& prefix);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_ENTITY_CHECK_H_
