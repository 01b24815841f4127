#include "dataplane/pipeline/steer_stage.h"

#include <rte_prefetch.h>

#include <cstring>

#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {
namespace {

bool IsMember(const ForwardingState& s, const RuleEntry& rule, uint32_t policy_slot) {
  const uint32_t* m = s.rule_members.data() + rule.members_offset;
  for (uint32_t i = 0; i < rule.members_count; ++i) {
    if (m[i] == policy_slot) return true;
  }
  return false;
}

// A live member of `rule` that ends at `destination` (a stale flow's site),
// chosen by the flow hash when there are several (paths to one site);
// MaglevTable::kNoBackend when the rule has none. Weight-0 members count:
// they are how a draining site keeps its existing flows.
uint32_t SameDestination(const ForwardingState& s, const RuleEntry& rule, uint32_t destination,
                         uint32_t hash) {
  if (destination == 0) return MaglevTable::kNoBackend;
  const uint32_t* m = s.rule_members.data() + rule.members_offset;
  auto matches = [&](uint32_t slot) {
    return slot < s.policies.size() && s.policies[slot].live &&
           s.policies[slot].destination == destination;
  };
  uint32_t count = 0;
  for (uint32_t i = 0; i < rule.members_count; ++i) count += matches(m[i]);
  if (count == 0) return MaglevTable::kNoBackend;
  uint32_t k = hash % count;
  for (uint32_t i = 0; i < rule.members_count; ++i) {
    if (matches(m[i]) && k-- == 0) return m[i];
  }
  return MaglevTable::kNoBackend;
}

// Builds the affinity key of a non-five-tuple mode into `key`. Returns false
// when the packet uses the five-tuple after all (flow label on IPv4).
bool BuildKey(AffinityMode mode, uint32_t rule_slot, rte_mbuf* m, const PacketMeta& meta,
              FlowKey* key) {
  if (mode == AffinityMode::kFlowLabel && meta.l3_type != L3Type::kIpv6) return false;
  std::memset(key, 0, sizeof(*key));
  std::memcpy(key->src, meta.flow.src, 16);
  key->is_ipv4 = meta.flow.is_ipv4;
  if (mode == AffinityMode::kFlowLabel) {
    const uint32_t label = wire::Load32(rte_pktmbuf_mtod(m, const uint8_t*)) & 0xfffff;
    std::memcpy(key->dst, meta.flow.dst, 16);
    key->src_port = static_cast<uint16_t>(label & 0xffff);
    key->dst_port = static_cast<uint16_t>(label >> 16);
    key->pad[0] = 1;
  } else {
    wire::Store32(key->dst + 12, rule_slot);
    key->pad[0] = 2;
  }
  return true;
}

}  // namespace

void SteerStage::ProcessBurst(const ForwardingState& s, rte_mbuf** pkts, uint16_t n,
                              uint64_t now_tsc, EdgeBuffers<SteerEdge>& out, WorkerCounters& c,
                              bool mark_cache_fills) {
  PipelineDropList dropped(c);
  const SteeringClassifier* classifier = s.tables.Classifier();
  if (classifier == nullptr) {
    for (uint16_t i = 0; i < n; ++i) out.Push(SteerEdge::kUnsteered, pkts[i]);
    return;
  }
  const FlowKey* keys[kMaxBurst];
  uint32_t rule_of[kMaxBurst];
  for (uint16_t i = 0; i < n; ++i) keys[i] = &Meta(pkts[i])->flow;
  classifier->ClassifyBulk(keys, n, rule_of);
  // Rule entries and their counters are scattered lines of arrays far
  // larger than L1 (profiled: the packet loops stalled on them); start all
  // their loads before the first is needed.
  const uint32_t rules = static_cast<uint32_t>(s.rules.size());
  for (uint16_t i = 0; i < n; ++i) {
    const uint32_t r = rule_of[i];
    if (r >= rules || r >= c.sizes.rules) continue;
    rte_prefetch0(&s.rules[r]);
    PrefetchForWrite(&c.rules[r]);
  }

  // Packets of weighted rules, with their affinity keys and hashes.
  rte_mbuf* steered[kMaxBurst];
  uint32_t rule_slot[kMaxBurst];
  FlowKey built[kMaxBurst];
  const FlowKey* akey[kMaxBurst];
  uint32_t hash[kMaxBurst];
  uint16_t m = 0;
  const uint32_t rule_limit = c.sizes.rules;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* pkt = pkts[i];
    const uint32_t r = rule_of[i];
    if (r == kNoRule || r >= s.rules.size() || r >= rule_limit ||
        s.rules[r].kind == RuleKind::kUnused) {
      out.Push(SteerEdge::kUnsteered, pkt);
      continue;
    }
    const PacketMeta* meta = Meta(pkt);
    RuleCounters& rc = c.rules[r];
    rc.packets.Add(1);
    rc.bytes.Add(meta->l3_len);
    const RuleEntry& rule = s.rules[r];
    // Read after the affinity lookup (IsMember); that lookup leaves time
    // for the line to arrive.
    rte_prefetch0(s.rule_members.data() + rule.members_offset);
    if (rule.kind == RuleKind::kDrop) {
      rc.not_steered.Add(1);
      dropped.Drop(pkt, PipelineDrop::kNotSteered);
      continue;
    }
    if (rule.mode != AffinityMode::kFiveTuple && BuildKey(rule.mode, r, pkt, *meta, &built[m])) {
      akey[m] = &built[m];
      hash[m] = affinity_->Hash(built[m]);
    } else {
      akey[m] = &meta->flow;
      hash[m] = meta->flow_hash;
    }
    steered[m] = pkt;
    rule_slot[m] = r;
    ++m;
  }
  if (m == 0) return;

  AffinityValue found[kMaxBurst];
  const uint64_t hits = affinity_->LookupBulk(akey, hash, m, now_tsc, found);
  const uint32_t policy_limit = c.sizes.policies;
  // As above, for the policies the flows are pinned to: their liveness and
  // generation (checked next), their headers (read by encap) and counters.
  for (uint16_t j = 0; j < m; ++j) {
    if (((hits >> j) & 1) == 0) continue;
    const uint32_t p = found[j].policy;
    if (p >= s.policies.size() || p >= policy_limit) continue;
    const PolicyEntry* e = &s.policies[p];
    rte_prefetch0(e);  // See PolicyEntry's layout.
    rte_prefetch0(reinterpret_cast<const char*>(e) + RTE_CACHE_LINE_SIZE);
    PrefetchForWrite(&c.policies[p]);
  }
  for (uint16_t j = 0; j < m; ++j) {
    rte_mbuf* pkt = steered[j];
    PacketMeta* meta = Meta(pkt);
    const uint32_t r = rule_slot[j];
    const RuleEntry& rule = s.rules[r];
    RuleCounters& rc = c.rules[r];
    uint32_t slot = MaglevTable::kNoBackend;
    uint32_t position = 0;  // Of the flow's entry (flow record counts).
    bool stale = false;
    if ((hits >> j) & 1) {
      const AffinityValue v = found[j];
      if (v.policy < s.policies.size() && s.policies[v.policy].live &&
          s.policies[v.policy].generation == v.generation && IsMember(s, rule, v.policy)) {
        slot = v.policy;
        position = v.position;
      } else {
        stale = true;
      }
    }
    if (slot == MaglevTable::kNoBackend) {
      // A stale flow stays on its site when the rule still goes there (its
      // path changed, e.g. around a failed link); otherwise, and for new
      // flows, the weights pick.
      uint32_t pick = stale ? SameDestination(s, rule, found[j].destination, hash[j])
                            : MaglevTable::kNoBackend;
      const bool kept_site = pick != MaglevTable::kNoBackend;
      if (!kept_site) {
        const MaglevTable* selector = s.tables.Selector(r);
        pick = selector != nullptr ? selector->Select(hash[j]) : MaglevTable::kNoBackend;
      }
      if (pick >= s.policies.size() || pick >= policy_limit || !s.policies[pick].live) {
        rc.not_steered.Add(1);
        dropped.Drop(pkt, PipelineDrop::kNotSteered);
        continue;
      }
      const PolicyEntry& chosen = s.policies[pick];
      const UpsertResult res = affinity_->Upsert(
          *akey[j], hash[j], AffinityValue{pick, chosen.generation, 0, chosen.destination}, now_tsc,
          &position);
      if (res == UpsertResult::kFailed) {
        dropped.Drop(pkt, PipelineDrop::kAffinityTableFull);
        continue;
      }
      slot = pick;
      if (res != UpsertResult::kUnchanged) {  // Else pinned earlier in this burst.
        if (kept_site) {
          rc.rerouted_flows.Add(1);
        } else {
          rc.new_flows.Add(1);
          if (stale) rc.repicked_flows.Add(1);
        }
        c.policies[slot].new_flows.Add(1);
      }
    }
    if (slot >= policy_limit) {  // Cannot happen: slots are below the capacity.
      dropped.Drop(pkt, PipelineDrop::kNotSteered);
      continue;
    }
    PolicyCounters& pc = c.policies[slot];
    pc.packets.Add(1);
    pc.bytes.Add(meta->l3_len);
    affinity_->Count(position, meta->l3_len, now_tsc);  // A null test when export is off.
    meta->encap_policy = &s.policies[slot].encap;
    if (mark_cache_fills && akey[j] == &meta->flow) {  // Five-tuple affinity: cacheable.
      meta->flags |= kMetaFlowCacheFill;
      meta->steer_rule = r;
      meta->affinity_position = position;
      meta->affinity_incarnation = affinity_->incarnation(position);
    }
    out.Push(SteerEdge::kEncap, pkt);
  }
}

}  // namespace cpn::dataplane
