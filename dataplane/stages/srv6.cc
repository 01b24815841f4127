#include "dataplane/stages/srv6.h"

#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>

#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {
namespace {

constexpr uint8_t kFlavourUsp = 1 << 1;  // Recognised only to be refused.

// A behaviour's outcome in one register: the edge, or kDropped plus the
// reason (a struct of a flag and a union cost ~10 instructions a packet to
// build and take apart).
struct Verdict {
  static constexpr uint32_t kDropped = 1u << 16;
  uint32_t bits;
  bool ok() const { return (bits & kDropped) == 0; }
  Srv6Edge edge() const { return static_cast<Srv6Edge>(bits); }
  DropReason why() const { return static_cast<DropReason>(bits & 0xffff); }
};

inline Verdict Drop(DropReason why) {
  return Verdict{Verdict::kDropped | static_cast<uint32_t>(why)};
}

inline Verdict Pass(Srv6Edge edge) { return Verdict{static_cast<uint32_t>(edge)}; }

// Removes the outer IPv6 header and its extension headers (RFC 8986 4.4
// S02): the payload starts at meta.l4_offset. Checks that the payload is an
// IP header of the expected family.
bool Decapsulate(rte_mbuf* m, PacketMeta* meta, uint8_t proto, DropReason* why) {
  const uint32_t outer = meta->l4_offset;
  const uint32_t inner_len = rte_pktmbuf_pkt_len(m) - outer;
  const uint8_t* inner = rte_pktmbuf_mtod_offset(m, const uint8_t*, outer);
  const bool v6 = proto == kProtoIpv6;
  const uint32_t min_len = v6 ? wire::kIpv6HeaderLen : wire::kIpv4HeaderLen;
  if (unlikely(inner_len < min_len || rte_pktmbuf_data_len(m) < outer + min_len ||
               (inner[0] >> 4) != (v6 ? 6 : 4))) {
    *why = DropReason::kSrv6InnerMalformed;
    return false;
  }
  rte_pktmbuf_adj(m, static_cast<uint16_t>(outer));
  meta->l3_type = v6 ? L3Type::kIpv6 : L3Type::kIpv4;
  meta->l3_len = inner_len;
  meta->l4_offset = 0;
  meta->l4_proto = 0;
  meta->srh_offset = 0;
  meta->srh_nh_offset = 0;
  std::memset(&meta->flow, 0, sizeof(meta->flow));
  meta->flags = static_cast<uint8_t>(meta->flags & kMetaVlan);
  return true;
}

// RFC 8986 4.16.1 PSP S14.1-S14.4: splice the SRH out of the header chain.
void PopSrh(rte_mbuf* m, PacketMeta* meta) {
  uint8_t* ip = rte_pktmbuf_mtod(m, uint8_t*);
  const SrhHeader* srh = reinterpret_cast<const SrhHeader*>(ip + meta->srh_offset);
  const uint16_t len = static_cast<uint16_t>((srh->hdr_ext_len + 1u) * 8u);
  ip[meta->srh_nh_offset] = srh->next_header;
  wire::Store16(ip + 4, static_cast<uint16_t>(wire::Load16(ip + 4) - len));
  // Everything in front of the SRH slides back over it.
  std::memmove(ip + len, ip, meta->srh_offset);
  rte_pktmbuf_adj(m, len);
  meta->l3_len -= len;
  meta->l4_offset = static_cast<uint16_t>(meta->l4_offset - len);
  meta->srh_offset = 0;
  meta->srh_nh_offset = 0;
  meta->flags = static_cast<uint8_t>(meta->flags & ~kMetaSrh);
}

// End and End.X (RFC 8986 4.1, 4.2) with their PSP and USD flavours.
Verdict EndBehaviour(rte_mbuf* m, PacketMeta* meta, const LocalSidAction& a, bool x) {
  uint8_t* ip = rte_pktmbuf_mtod(m, uint8_t*);
  const bool has_srh = (meta->flags & kMetaSrh) != 0;
  SrhHeader* srh = reinterpret_cast<SrhHeader*>(ip + meta->srh_offset);
  if (!has_srh || srh->segments_left == 0) {
    // 4.1.1 upper-layer processing: nothing local to hand it to, unless USD.
    const uint8_t proto = meta->l4_proto;
    if ((a.flavours & kFlavourUsd) != 0 && (proto == kProtoIpv6 || proto == kProtoIpv4)) {
      DropReason why;
      if (!Decapsulate(m, meta, proto, &why)) return Drop(why);
      if (x) {
        meta->next_hop = a.next_hop;
        return Pass(Srv6Edge::kAdjacency);
      }
      meta->fib_table = a.table_id;
      return Pass(proto == kProtoIpv6 ? Srv6Edge::kIpv6Lookup : Srv6Edge::kIpv4Lookup);
    }
    return Drop(has_srh ? DropReason::kSrv6SegmentsLeftZero : DropReason::kSrv6NoSrh);
  }
  // S05: hop limit first; S08-S09 (Last Entry / Segments Left sanity) were
  // checked by parse, which is what makes the segment read below in bounds.
  if (unlikely(ip[7] <= 1)) return Drop(DropReason::kHopLimitExceeded);
  ip[7] = static_cast<uint8_t>(ip[7] - 1);  // S12
  const uint8_t sl = static_cast<uint8_t>(srh->segments_left - 1);
  srh->segments_left = sl;  // S13
  std::memcpy(ip + 24, reinterpret_cast<const uint8_t*>(srh) + wire::kSrhFixedLen + 16u * sl,
              16);  // S14
  if (sl == 0 && (a.flavours & kFlavourPsp) != 0) PopSrh(m, meta);
  meta->flags |= kMetaHopLimitDone;
  if (x) {
    meta->next_hop = a.next_hop;
    return Pass(Srv6Edge::kAdjacency);
  }
  meta->fib_table = a.table_id;
  return Pass(Srv6Edge::kIpv6Lookup);  // S15
}

// End.DX6 / End.DX4 / End.DT6 (RFC 8986 4.4, 4.5, 4.6).
Verdict DecapBehaviour(rte_mbuf* m, PacketMeta* meta, const LocalSidAction& a) {
  if ((meta->flags & kMetaSrh) != 0) {
    const SrhHeader* srh = rte_pktmbuf_mtod_offset(m, const SrhHeader*, meta->srh_offset);
    if (unlikely(srh->segments_left != 0)) return Drop(DropReason::kSrv6SegmentsLeftNonZero);
  }
  const uint8_t want = a.behaviour == Srv6Behaviour::kEndDx4 ? kProtoIpv4 : kProtoIpv6;
  if (unlikely(meta->l4_proto != want)) return Drop(DropReason::kSrv6WrongInnerProtocol);
  DropReason why;
  if (!Decapsulate(m, meta, want, &why)) return Drop(why);
  if (a.behaviour == Srv6Behaviour::kEndDt6) {
    meta->fib_table = a.table_id;
    return Pass(Srv6Edge::kIpv6Lookup);
  }
  meta->next_hop = a.next_hop;
  return Pass(Srv6Edge::kAdjacency);
}

Verdict RunBehaviour(rte_mbuf* m) {
  PacketMeta* meta = Meta(m);
  const LocalSidAction* a = meta->local_sid;
  if (unlikely(a == nullptr)) return Drop(DropReason::kSrv6NoAction);
  if (unlikely(meta->l3_type != L3Type::kIpv6)) return Drop(DropReason::kSrv6NotIpv6);
  if (unlikely((a->flavours & kFlavourUsp) != 0)) {
    return Drop(DropReason::kSrv6UnsupportedBehaviour);
  }
  switch (a->behaviour) {
    case Srv6Behaviour::kEnd:
      return EndBehaviour(m, meta, *a, false);
    case Srv6Behaviour::kEndX:
      return EndBehaviour(m, meta, *a, true);
    case Srv6Behaviour::kEndDx6:
    case Srv6Behaviour::kEndDx4:
    case Srv6Behaviour::kEndDt6:
      return DecapBehaviour(m, meta, *a);
    case Srv6Behaviour::kUnspecified:
      break;
  }
  return Drop(DropReason::kSrv6UnsupportedBehaviour);
}

}  // namespace

void Srv6LocalSidStage::ProcessBurst(rte_mbuf** pkts, uint16_t n, EdgeBuffers<Srv6Edge>& out,
                                     DropCounters& drops) const {
  DropList dropped(drops);
  for (uint16_t i = 0; i < std::min<uint16_t>(n, kPrefetchAhead); ++i) {
    rte_prefetch0(rte_mbuf_to_priv(pkts[i]));
    PrefetchForWrite(rte_pktmbuf_mtod(pkts[i], void*));
  }
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      rte_mbuf* ahead = pkts[i + kPrefetchAhead];
      rte_prefetch0(rte_mbuf_to_priv(ahead));
      // IPv6 header and the start of the SRH share the first 64 bytes; the
      // next segment may sit in the second line.
      PrefetchForWrite(rte_pktmbuf_mtod(ahead, void*));
      PrefetchForWrite(rte_pktmbuf_mtod_offset(ahead, uint8_t*, RTE_CACHE_LINE_SIZE));
    }
    rte_mbuf* m = pkts[i];
    const Verdict v = RunBehaviour(m);
    if (unlikely(!v.ok())) {
      dropped.Drop(m, v.why());
    } else if (unlikely(!out.Push(v.edge(), m))) {
      dropped.Drop(m, DropReason::kEdgeOverflow);
    }
  }
}

bool Srv6LocalSidStage::ProcessOne(rte_mbuf* m, Srv6Edge* edge, DropReason* why) const {
  const Verdict v = RunBehaviour(m);
  if (unlikely(!v.ok())) {
    *why = v.why();
    return false;
  }
  *edge = v.edge();
  return true;
}

}  // namespace cpn::dataplane
