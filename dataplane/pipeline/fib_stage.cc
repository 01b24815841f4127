#include "dataplane/pipeline/fib_stage.h"

#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include <cstring>

#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {
namespace {

// Picks the ECMP member; `hash` spreads flows, one flow keeps one member.
inline uint32_t PickMember(const ForwardingState& s, const RouteAction& a, uint32_t hash) {
  const uint32_t i =
      a.ecmp_count == 1 ? 0 : static_cast<uint32_t>((uint64_t{hash} * a.ecmp_count) >> 32);
  return s.ecmp[a.ecmp_offset + i];
}

// The bulk lookup in table 0 of the k packets at `idx` (of n), gathered in
// `addrs`; a missing table misses. When all n are in table 0 (the usual
// case) the answers land in `values` in place, else they are scattered.
template <typename Fib, typename Addrs>
void LookupMainTable(const Fib* fib, Addrs addrs, uint16_t k, const uint16_t* idx, uint16_t n,
                     uint32_t* values) {
  uint32_t found[kMaxBurst];
  uint32_t* const into = k == n ? values : found;
  if (fib != nullptr) {
    fib->LookupBulk(addrs, into, k);
  } else {
    for (uint16_t j = 0; j < k; ++j) into[j] = kLpmMiss;
  }
  if (into == found) {
    for (uint16_t j = 0; j < k; ++j) values[idx[j]] = found[j];
  }
}

}  // namespace

FibVerdict FibStage::Resolve(const ForwardingState& s, rte_mbuf* m, uint32_t value, bool v6,
                             PipelineDropList& dropped) {
  if (unlikely(value >= s.routes.size())) {
    dropped.Drop(m, PipelineDrop::kNoRoute);
    return FibVerdict::kDropped;
  }
  const RouteAction& a = s.routes[value];
  PacketMeta* meta = Meta(m);
  uint8_t* ip = rte_pktmbuf_mtod(m, uint8_t*);
  switch (a.kind) {
    case RouteKind::kForward:
      break;
    case RouteKind::kLocal:
      if (v6) return FibVerdict::kLocal;
      dropped.Drop(m, PipelineDrop::kLocalDelivery);
      return FibVerdict::kDropped;
    case RouteKind::kBlackhole:
      dropped.Drop(m, PipelineDrop::kBlackhole);
      return FibVerdict::kDropped;
    case RouteKind::kUnused:
      dropped.Drop(m, PipelineDrop::kNoRoute);
      return FibVerdict::kDropped;
  }
  uint32_t hash = 0;
  if (v6) {
    if ((meta->flags & kMetaHopLimitDone) == 0) {
      if (unlikely(ip[7] <= 1)) {
        dropped.Drop(m, PipelineDrop::kHopLimitExpired);
        return FibVerdict::kDropped;
      }
      ip[7] = static_cast<uint8_t>(ip[7] - 1);
    }
    if (a.ecmp_count > 1) {
      // Outer addresses and flow label (the encapsulating router derived
      // the label from the inner flow), plus ports when parse saw them.
      hash = rte_hash_crc(ip + 8, 32, wire::Load32(ip) & 0xfffff);
      if ((meta->flags & kMetaPorts) != 0) hash ^= meta->flow_hash;
    }
  } else {
    if (unlikely(ip[8] <= 1)) {
      dropped.Drop(m, PipelineDrop::kHopLimitExpired);
      return FibVerdict::kDropped;
    }
    // RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').
    const uint16_t old_word = wire::Load16(ip + 8);
    ip[8] = static_cast<uint8_t>(ip[8] - 1);
    const uint16_t new_word = wire::Load16(ip + 8);
    uint32_t sum = static_cast<uint16_t>(~wire::Load16(ip + 10));
    sum += static_cast<uint16_t>(~old_word);
    sum += new_word;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    wire::Store16(ip + 10, static_cast<uint16_t>(~sum));
    if (a.ecmp_count > 1) {
      hash = (meta->flags & kMetaPorts) != 0 ? meta->flow_hash : rte_hash_crc(ip + 12, 8, ip[9]);
    }
  }
  meta->next_hop = PickMember(s, a, hash);
  return FibVerdict::kTx;
}

FibStage::MainTableLookups FibStage::LookupIpv6(const ForwardingState& s, rte_mbuf* const* pkts,
                                                uint16_t n, uint32_t* values,
                                                RouteCache6* cache) const {
  // Table 0 from the cache, the rest of it in bulk (nearly everything);
  // other tables one at a time.
  uint8_t addrs[kMaxBurst][16];
  uint16_t idx[kMaxBurst];
  uint16_t k = 0;
  MainTableLookups done;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const uint8_t* ip = rte_pktmbuf_mtod(m, const uint8_t*);
    const uint32_t table = Meta(m)->fib_table;
    if (likely(table == 0)) {
      if (cache != nullptr) {
        const Ipv6Key key = Ipv6Key::Of(ip + 24);
        if (const uint32_t* v = cache->Find(key, RouteCacheHash(key)); v != nullptr) {
          values[i] = *v;
          ++done.cached;
          continue;
        }
      }
      std::memcpy(addrs[k], ip + 24, 16);
      idx[k++] = i;
      continue;
    }
    const Lpm6* fib = s.tables.Fib6(table);
    uint8_t da[16];
    std::memcpy(da, ip + 24, 16);
    values[i] = fib != nullptr ? fib->Lookup(da) : kLpmMiss;
  }
  done.trie = k;
  if (k == 0) return done;
  LookupMainTable(s.tables.Fib6(0), addrs, k, idx, n, values);
  if (cache != nullptr) {
    for (uint16_t j = 0; j < k; ++j) {
      // The hash again, rather than kept from the probe: keeping it cost
      // every hit 2 instructions, and misses are rare.
      const Ipv6Key key = Ipv6Key::Of(addrs[j]);
      cache->Insert(key, RouteCacheHash(key), values[idx[j]]);
    }
  }
  return done;
}

void FibStage::LookupIpv4(const ForwardingState& s, rte_mbuf* const* pkts, uint16_t n,
                          uint32_t* values) const {
  uint32_t addrs[kMaxBurst];
  uint16_t idx[kMaxBurst];
  uint16_t k = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    const uint32_t da = wire::Load32(rte_pktmbuf_mtod(m, const uint8_t*) + 16);
    const uint32_t table = Meta(m)->fib_table;
    if (likely(table == 0)) {
      addrs[k] = da;
      idx[k++] = i;
      continue;
    }
    const Lpm4* fib = s.tables.Fib4(table);
    values[i] = fib != nullptr ? fib->Lookup(da) : kLpmMiss;
  }
  if (k != 0) LookupMainTable(s.tables.Fib4(0), addrs, k, idx, n, values);
}

}  // namespace cpn::dataplane
