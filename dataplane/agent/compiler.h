// Compiles the installed entities into the ForwardingState the workers read,
// beside the live one, reusing from it whatever did not change:
//
//   FIB per (table, family)  rebuilt only when its set of (prefix -> route
//                            slot) changed; a MODIFY of a route's next hops
//                            only rewrites the route action array.
//   local SID table          rebuilt only when the set of SIDs changed.
//   classifier               rebuilt only when rule matches changed.
//   Maglev per rule          shared when (policy slot, weight) pairs are
//                            unchanged, else built AS DELTAS from the rule's
//                            previous table (fewest flows move); rules with
//                            the same previous table and new weights share
//                            one table built once per batch.
//   arrays (routes, ECMP, adjacencies, SID actions, policies, rules, ports)
//                            rebuilt every time (cheap).
//
// Policy generations: a policy keeps its generation while its path (source,
// segments, mode) is unchanged; a new path or a deleted policy bumps it, so
// the flows pinned to it are re-picked at their next packet.
//
// THREADS: the control thread that owns the Write (under the agent's write
// lock). Builds DPDK tables (allocates DPDK memory) but publishes nothing.
#ifndef CPN_DATAPLANE_AGENT_COMPILER_H_
#define CPN_DATAPLANE_AGENT_COMPILER_H_

#include <rte_ether.h>
#include <rte_ring.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/agent/entity_check.h"
#include "dataplane/agent/installed_state.h"
#include "dataplane/agent/slot_allocator.h"
#include "dataplane/pipeline/forwarding_state.h"

namespace cpn::dataplane::agent {

// What the compiler needs to know about an open port.
struct PortBinding {
  uint16_t dpdk_id = 0;
  uint16_t rx_queues = 0;
  uint16_t tx_queues = 0;
  bool rss = false;
  rte_ring* handoff = nullptr;
  rte_ether_addr device_mac{};
  // SetPortEmulation's override; wins over Port.emulation (lab emulation).
  std::optional<v1::LinkEmulation> emulation_override;
  // Left out of the workers' view while its device is stopped and started
  // again (OpenPort::quiesced).
  bool quiesced = false;
};

// Ids of policies' last segments (PolicyEntry::destination), 1, 2, ... in
// order of first sight, never reused: an id names one SID for the life of
// the process, so a flow pinned under it recognises its site in any later
// state. Grows with the distinct site SIDs ever installed (a few).
class DestinationIds {
 public:
  uint32_t IdOf(const IpAddress& last_segment) {
    return ids_.try_emplace(last_segment, static_cast<uint32_t>(ids_.size() + 1)).first->second;
  }

 private:
  std::map<IpAddress, uint32_t> ids_;
};

struct SlotMaps {
  explicit SlotMaps(const Capacities& c = {})
      : routes(c.ipv6_routes + c.ipv4_routes, /*reuse_lowest=*/true),
        sids(c.local_sids),
        policies(c.srv6_policies),
        rules(c.steering_rules) {}
  SlotAllocator<RouteKey> routes;
  SlotAllocator<IpAddress> sids;
  SlotAllocator<uint32_t> policies;
  SlotAllocator<uint32_t> rules;
  DestinationIds destinations;
};

struct CompileResult {
  std::unique_ptr<ForwardingState> state;
  // Slots handed to new entities (their counters are rebased).
  std::vector<uint32_t> new_rule_slots, new_policy_slots, new_sid_slots;
  // Which entity kind a build failure concerns (for blaming an update).
  v1::EntityType failed_kind = v1::ENTITY_TYPE_UNSPECIFIED;
};

// `slots` is updated in place (pass a copy; keep it only if the Write
// succeeds). On error, result.failed_kind says which table failed.
absl::Status Compile(const InstalledState& state, const ForwardingState* previous,
                     const std::map<uint32_t, PortBinding>& ports, uint32_t workers,
                     SlotMaps* slots, CompileResult* result);

}  // namespace cpn::dataplane::agent

#endif  // CPN_DATAPLANE_AGENT_COMPILER_H_
