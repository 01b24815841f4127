// ForwardingState: everything a worker reads to forward one burst -- one
// immutable snapshot per Write batch, published with ONE RcuPublished store.
//
// It embeds the TableSet (FIBs, local SID table, steering classifier, Maglev
// selectors; unchanged tables are shared with the previous snapshot through
// shared_ptr) and adds the per-batch arrays the tables' values index:
//
//   Lpm6/Lpm4 value      -> routes[route slot]       (kind, ECMP members)
//   LocalSidTable value  -> sids[sid slot]           (LocalSidAction)
//   classifier index     -> rules[rule slot]         (kind, affinity mode,
//                                                     member policy slots)
//   Maglev backend       -> policies[policy slot]    (prebuilt encap headers,
//                                                     generation)
//   route/SID next hop   -> adjacencies[id]          (ports, MACs)
//
// Slots of routes, SIDs, policies and rules are STABLE across snapshots (the
// agent allocates them per key), so a batch that only changes weights shares
// every FIB and the classifier, and per-slot counters survive a MODIFY.
// Adjacency ids are renumbered by every build (they are only used inside one
// snapshot).
//
// Port plumbing (which worker polls which rx queue, which tx queue or
// hand-off ring a worker sends on) is part of the snapshot too, so inserting
// or deleting a port is just another publication.
//
// THREADS: built on the control thread; immutable once published; read by
// every worker through RcuPublished<ForwardingState>::Get() once per loop.
#ifndef CPN_DATAPLANE_PIPELINE_FORWARDING_STATE_H_
#define CPN_DATAPLANE_PIPELINE_FORWARDING_STATE_H_

#include <rte_ring.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "dataplane/stages/link_emulation.h"
#include "dataplane/stages/srv6_types.h"
#include "dataplane/stages/tx.h"
#include "dataplane/tables/table_set.h"

namespace cpn::dataplane {

// Most workers a pipeline runs.
inline constexpr uint32_t kMaxWorkers = 16;

// What a FIB value (a route slot) does.
enum class RouteKind : uint8_t { kUnused = 0, kForward, kLocal, kBlackhole };

struct RouteAction {
  RouteKind kind = RouteKind::kUnused;
  uint16_t ecmp_count = 0;   // kForward: members in `ecmp`.
  uint32_t ecmp_offset = 0;  // kForward: first member (adjacency ids).
};

// One SRv6 policy. PacketMeta carries a pointer to `encap`, and PolicyOf()
// recovers the entry from that pointer.
//
// Layout: a steered packet reads generation and live (affinity check),
// hop_limit, and encap's rewrite; they come first and the entry starts a
// cache line, so that with up to two SIDs in the SRH (96 bytes of headers)
// a packet touches two adjacent lines of its policy, not three.
struct alignas(64) PolicyEntry {
  uint32_t generation = 0;  // Bumped when the policy dies or its path changes.
  uint8_t hop_limit = 64;   // Outer hop limit (Srv6Policy.hop_limit).
  bool live = false;        // False for unused slots.
  // Id of its last segment, the site's decapsulation SID (DestinationIds):
  // policies with the same one end at the same site, so a flow whose
  // policy goes away (a new path after a failure) keeps its site on
  // another of them. > 0 for live policies.
  uint32_t destination = 0;
  Srv6EncapPolicy encap;
};
static_assert(std::is_standard_layout_v<PolicyEntry>);
static_assert(offsetof(PolicyEntry, encap) + offsetof(Srv6EncapPolicy, rewrite) + 96 <= 128,
              "the headers of a two-SID policy must stay in the entry's first two lines");

inline const PolicyEntry* PolicyOf(const Srv6EncapPolicy* p) {
  return reinterpret_cast<const PolicyEntry*>(reinterpret_cast<const char*>(p) -
                                              offsetof(PolicyEntry, encap));
}

enum class RuleKind : uint8_t { kUnused = 0, kWeighted, kDrop };
// What identifies a flow for affinity (SteeringRule.affinity_key).
enum class AffinityMode : uint8_t { kFiveTuple = 0, kFlowLabel, kSourceAddress };

struct RuleEntry {
  RuleKind kind = RuleKind::kUnused;
  AffinityMode mode = AffinityMode::kFiveTuple;
  uint32_t members_offset = 0;  // Policy slots of the rule in rule_members
  uint32_t members_count = 0;   // (weight-0 members included: they keep flows).
};

// One local SID. `action` MUST stay the first member (see PolicyEntry).
// 16 bytes (alignas), indexed by a shift (12 bytes took a multiply).
struct alignas(16) SidEntry {
  LocalSidAction action;
};
static_assert(std::is_standard_layout_v<SidEntry>);
static_assert(sizeof(SidEntry) == 16);

// Per DPDK port id.
struct PortState {
  bool present = false;
  bool admin_up = false;
  bool emulated = false;  // Lab link emulation in effect: see emulation[port].
  uint16_t mtu = 1500;    // Largest L3 packet sent (after encapsulation).
};

// One rx queue a worker polls. `spread`: the port does not spread flows over
// the workers by itself (one queue, or no RSS), so the polling worker parses
// and hands every packet to the worker its flow hash names.
struct RxQueue {
  uint16_t port = 0;
  uint16_t queue = 0;
  bool spread = false;
};

// How workers transmit on one port: on their own tx queue when they have one
// (queue[w] >= 0), else through `handoff`, an MP/SC ring drained by worker
// `drainer` on its own queue.
struct TxRoute {
  int16_t queue[kMaxWorkers];
  rte_ring* handoff = nullptr;
  uint16_t drainer = 0;
};

struct ForwardingState {
  uint64_t version = 0;  // The controller's (Write) version; states may share it.
  // Stamped by Pipeline::Publish, unique per published state: what a worker
  // compares to know the state changed (its flow cache is cleared then). Not
  // the address: a new state may be allocated where a freed one was.
  uint64_t publication = 0;
  TableSet tables;  // fib6/fib4 by table id, local_sids, classifier, selectors.

  std::vector<RouteAction> routes;     // By route slot (FIB value).
  std::vector<uint32_t> ecmp;          // Adjacency ids of ECMP groups.
  std::vector<Adjacency> adjacencies;  // meta.next_hop indexes this.
  std::vector<SidEntry> sids;          // By SID slot (LocalSidTable value).
  std::vector<PolicyEntry> policies;   // By policy slot (Maglev backend).
  std::vector<RuleEntry> rules;        // By rule slot (classifier index).
  std::vector<uint32_t> rule_members;  // Policy slots.

  std::array<PortState, kMaxTxPorts> ports{};
  std::array<TxRoute, kMaxTxPorts> tx{};
  // Lab link emulation by DPDK port id (read only when ports[p].emulated).
  std::array<LinkEmulationParams, kMaxTxPorts> emulation{};
  std::array<std::vector<RxQueue>, kMaxWorkers> rx;  // By worker.
  // By worker: the ports whose `handoff` ring it drains (tx[p].drainer), so
  // a loop iteration visits those alone, not every port id (that scan was
  // ~10 instructions a packet).
  std::array<std::vector<uint16_t>, kMaxWorkers> drains;

  uint32_t PolicySlot(const Srv6EncapPolicy* p) const {
    return static_cast<uint32_t>(PolicyOf(p) - policies.data());
  }
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_FORWARDING_STATE_H_
