// steer: classify + affinity + select, the ingress half of compute-aware
// steering. For each packet (data at L3, PacketMeta filled by parse):
//
//   classify  SteeringClassifier on meta.flow -> rule slot, or none
//             (-> kUnsteered: the FIB forwards it unchanged).
//   drop rule -> dropped (NOT_STEERED).
//   affinity  the worker's AffinityTable, keyed by the rule's affinity mode.
//             A hit keeps its policy while that policy is alive with the
//             generation the flow was pinned with AND still a member of the
//             rule (weight 0 included: draining keeps existing flows).
//   reroute   a stale flow (its policy died, left the rule or changed path)
//             whose rule still has a live policy ending at the flow's
//             destination (PolicyEntry::destination, the site's decap SID)
//             moves to it -- the same site on a new path -- chosen by the
//             flow hash among several ("rerouted").
//   select    otherwise (new flow, expired, or stale with its site gone ->
//             "re-picked"): the rule's Maglev table picks a policy by the
//             flow hash, and the flow is pinned to (policy slot, generation,
//             destination). All weights 0 -> NOT_STEERED; the table cannot
//             store it -> AFFINITY_TABLE_FULL.
//
// Steered packets leave on kEncap with meta.encap_policy set (the policy's
// prebuilt headers in the ForwardingState). Counts per rule (packets, bytes,
// new / re-picked / rerouted flows, not steered) and per policy (packets,
// bytes, new flows), bytes being the L3 bytes before encapsulation. With
// IPFIX export on, each steered packet is also counted on its flow's
// affinity entry (AffinityTable::Count; a null test when export is off).
//
// FLOW CACHE (optional, the worker's; flow_cache.h). The worker first asks
// SteerCachedOne for each packet: a hit whose affinity entry is still the
// cached incarnation (AffinityTable::Touch) is counted as the full path
// would count it, with meta.encap_policy AND meta.next_hop set (the FIB
// result of the encapsulated packet), and the worker encapsulates and sends
// it in the same pass. Misses take ProcessBurst; with `mark_cache_fills`,
// those it steers with five-tuple affinity leave on kEncap marked
// kMetaFlowCacheFill, with steer_rule and affinity_* set, for the worker to
// cache once the FIB has resolved them.
//
// AFFINITY KEYS: five-tuple = meta.flow itself (hash = meta.flow_hash, no
// rehash). Flow label = src, dst and the IPv6 flow label (IPv4 packets fall
// back to the five-tuple). Source address = src and the rule slot, so one
// client's flows to two services stay independent. The non-five-tuple keys
// set FlowKey.pad[0] to the mode so they never equal a five-tuple key.
//
// THREADS: one SteerStage per worker (it uses that worker's AffinityTable).
#ifndef CPN_DATAPLANE_PIPELINE_STEER_STAGE_H_
#define CPN_DATAPLANE_PIPELINE_STEER_STAGE_H_

#include <rte_mbuf.h>

#include <algorithm>

#include <cstdint>

#include "dataplane/pipeline/forwarding_state.h"
#include "dataplane/pipeline/worker_counters.h"
#include "dataplane/stages/burst.h"
#include "dataplane/stages/packet_meta.h"
#include "dataplane/tables/affinity.h"
#include "dataplane/tables/flow_cache.h"

namespace cpn::dataplane {

enum class SteerEdge : uint8_t { kEncap = 0, kUnsteered, kCount };

class SteerStage {
 public:
  explicit SteerStage(AffinityTable* affinity) : affinity_(affinity) {}

  // n <= kMaxBurst. `now_tsc` stamps affinity entries. `mark_cache_fills`:
  // the worker has a flow cache (see FLOW CACHE).
  void ProcessBurst(const ForwardingState& s, rte_mbuf** pkts, uint16_t n, uint64_t now_tsc,
                    EdgeBuffers<SteerEdge>& out, WorkerCounters& c, bool mark_cache_fills = false);

  // Bounds a cached slot must be within (this state's and the counters').
  struct CacheLimits {
    uint32_t rules;
    uint32_t policies;
  };
  static CacheLimits Limits(const ForwardingState& s, const WorkerCounters& c) {
    return {std::min<uint32_t>(static_cast<uint32_t>(s.rules.size()), c.sizes.rules),
            std::min<uint32_t>(static_cast<uint32_t>(s.policies.size()), c.sizes.policies)};
  }

  // The flow cache's answer for `m` (parsed, data at L3): true for a hit --
  // counted, meta.encap_policy and meta.next_hop set -- false for a miss
  // (nothing changed). `cache` holds nothing older than `s` (the worker
  // clears it when the published state changes).
  bool SteerCachedOne(const ForwardingState& s, rte_mbuf* m, uint64_t now_tsc, WorkerCounters& c,
                      const FlowCache& cache, CacheLimits limits) {
    PacketMeta* meta = Meta(m);
    const FlowCacheValue* v = cache.Find(meta->flow, meta->flow_hash);
    // Slots are in range (cached from this state); checked all the same,
    // as cheap insurance against a cache bug reading past the arrays.
    if (v == nullptr || v->rule >= limits.rules || v->policy >= limits.policies ||
        !affinity_->Touch(v->affinity_position, v->affinity_incarnation, now_tsc)) {
      return false;
    }
    RuleCounters& rc = c.rules[v->rule];
    rc.packets.Add(1);
    rc.bytes.Add(meta->l3_len);
    PolicyCounters& pc = c.policies[v->policy];
    pc.packets.Add(1);
    pc.bytes.Add(meta->l3_len);
    affinity_->Count(v->affinity_position, meta->l3_len, now_tsc);
    meta->encap_policy = &s.policies[v->policy].encap;
    meta->next_hop = v->next_hop;
    return true;
  }

 private:
  AffinityTable* const affinity_;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PIPELINE_STEER_STAGE_H_
