#include "dataplane/stages/encap.h"

#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>

#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {
namespace {

// Makes `hdr` bytes of headroom, preferably leaving kL2Reserve more for the
// Ethernet header. Returns the new start of data or nullptr.
uint8_t* PrependHeaders(rte_mbuf* m, uint16_t hdr) {
  const uint16_t headroom = rte_pktmbuf_headroom(m);
  const uint32_t want = uint32_t{hdr} + kL2Reserve;
  if (unlikely(headroom < want)) {
    // Long segment lists outgrow the default 128-byte headroom. Slide the
    // (single-segment) payload towards the tail rather than chain a header
    // mbuf: no allocation, and every later stage keeps a linear packet.
    const uint32_t shift = want - headroom;
    if (m->nb_segs == 1 && rte_pktmbuf_tailroom(m) >= shift) {
      uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
      std::memmove(data + shift, data, rte_pktmbuf_data_len(m));
      m->data_off = static_cast<uint16_t>(m->data_off + shift);
    } else if (headroom < hdr) {
      return nullptr;
    }
  }
  return reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, hdr));
}

inline void Copy16(uint8_t* dst, const uint8_t* src) { std::memcpy(dst, src, 16); }

// Copies the policy's `hdr` bytes of headers (40, or 48 + 16 per listed SID;
// EncapOne checks hdr >= 40) in 16-byte moves, the last one ending at `hdr`
// (overlapping the one before when hdr is 40). rte_memcpy's size dispatch
// cost more than the copy itself at these sizes, and a loop over an unknown
// size half the copy again, so the usual sizes (reduced encap with one SID,
// an SRH of one to three SIDs) are unrolled.
inline void CopyRewrite(uint8_t* dst, const uint8_t* src, uint16_t hdr) {
  Copy16(dst, src);
  Copy16(dst + 16, src + 16);
  switch (hdr) {
    case 40:
      Copy16(dst + 24, src + 24);
      return;
    case 96:
      Copy16(dst + 80, src + 80);
      [[fallthrough]];
    case 80:
      Copy16(dst + 64, src + 64);
      [[fallthrough]];
    case 64:
      Copy16(dst + 48, src + 48);
      [[fallthrough]];
    case 48:
      Copy16(dst + 32, src + 32);
      return;
    default:
      for (uint32_t i = 32; i + 16 < hdr; i += 16) Copy16(dst + i, src + i);
      Copy16(dst + hdr - 16, src + hdr - 16);
  }
}

}  // namespace

void EncapStage::ProcessBurst(rte_mbuf** pkts, uint16_t n, EdgeBuffers<EncapEdge>& out,
                              DropCounters& drops) const {
  DropList dropped(drops);
  for (uint16_t i = 0; i < std::min<uint16_t>(n, kPrefetchAhead); ++i) {
    rte_prefetch0(rte_mbuf_to_priv(pkts[i]));
  }
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      rte_mbuf* ahead = pkts[i + kPrefetchAhead];
      rte_prefetch0(rte_mbuf_to_priv(ahead));
      // The cache line in front of the data is where the headers land.
      PrefetchForWrite(rte_pktmbuf_mtod_offset(ahead, uint8_t*, -RTE_CACHE_LINE_SIZE));
      rte_prefetch0(rte_pktmbuf_mtod(ahead, void*));
    }
    rte_mbuf* m = pkts[i];
    DropReason why;
    if (unlikely(!EncapOne(m, &why))) {
      dropped.Drop(m, why);
    } else if (unlikely(!out.Push(EncapEdge::kIpv6Lookup, m))) {
      dropped.Drop(m, DropReason::kEdgeOverflow);
    }
  }
}

bool EncapStage::EncapOne(rte_mbuf* m, DropReason* why, uint8_t hop_limit,
                          MetaUpdate meta_update) const {
  PacketMeta* meta = Meta(m);
  const Srv6EncapPolicy* policy = meta->encap_policy;
  if (unlikely(policy == nullptr)) {
    *why = DropReason::kEncapNoPolicy;
    return false;
  }
  if (unlikely(policy->num_sids == 0 || policy->num_sids > kMaxSids ||
               policy->rewrite_len < wire::kIpv6HeaderLen ||
               policy->rewrite_len > sizeof(policy->rewrite))) {
    *why = DropReason::kEncapBadPolicy;
    return false;
  }
  const uint8_t* inner = rte_pktmbuf_mtod(m, const uint8_t*);
  uint8_t inner_proto;
  uint32_t tclass;
  if (meta->l3_type == L3Type::kIpv6) {
    inner_proto = kProtoIpv6;
    tclass = (wire::Load32(inner) >> 20) & 0xff;
  } else if (meta->l3_type == L3Type::kIpv4) {
    inner_proto = kProtoIpv4;
    tclass = inner[1];  // TOS: DSCP and ECN, as RFC 2473 / 6040 copy them.
  } else {
    *why = DropReason::kEncapNotIp;
    return false;
  }
  const uint16_t hdr = policy->rewrite_len;
  const uint32_t inner_len = rte_pktmbuf_pkt_len(m);
  const uint32_t payload = hdr - wire::kIpv6HeaderLen + inner_len;
  if (unlikely(payload > 0xffff)) {
    *why = DropReason::kEncapTooBig;
    return false;
  }
  uint8_t* outer = PrependHeaders(m, hdr);
  if (unlikely(outer == nullptr)) {
    *why = DropReason::kEncapNoRoom;
    return false;
  }
  CopyRewrite(outer, policy->rewrite, hdr);
  wire::Store32(outer, (6u << 28) | (tclass << 20) | FlowLabelFromHash(meta->flow_hash));
  wire::Store16(outer + 4, static_cast<uint16_t>(payload));
  outer[7] = hop_limit;
  outer[policy->inner_nh_offset()] = inner_proto;

  meta->l3_type = L3Type::kIpv6;
  if (meta_update == MetaUpdate::kForTx) return true;
  const bool has_srh = hdr != wire::kIpv6HeaderLen;
  meta->l3_len = hdr + inner_len;
  meta->l4_offset = hdr;
  meta->l4_proto = inner_proto;
  meta->srh_offset = has_srh ? static_cast<uint16_t>(wire::kIpv6HeaderLen) : 0;
  meta->srh_nh_offset = has_srh ? 6 : 0;
  meta->flags = static_cast<uint8_t>((meta->flags & ~kMetaSrh) | (has_srh ? kMetaSrh : 0) |
                                     kMetaHopLimitDone);
  return true;
}

}  // namespace cpn::dataplane
