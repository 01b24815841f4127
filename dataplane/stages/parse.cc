#include "dataplane/stages/parse.h"

#include <rte_ip.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>

#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/srv6_types.h"
#include "dataplane/stages/wire.h"

namespace cpn::dataplane {
namespace {

using wire::Load16;

// Reads are bounded twice: by the logical limit of the layer (the frame, or
// the IP length once known) and by the first segment, which is all we read.
// A header inside the frame but past the first segment is not "truncated",
// it is split; the two are counted apart so a misconfigured pool shows up.
class Reader {
 public:
  Reader(const uint8_t* data, uint32_t linear) : data_(data), linear_(linear) {}

  // True when bytes [0, end) are readable and within `limit`; otherwise sets
  // *why and returns false.
  bool Fits(uint32_t end, uint32_t limit, DropReason truncated, DropReason* why) const {
    if (likely(end <= limit && end <= linear_)) return true;
    *why = end > limit ? truncated : DropReason::kHeadersNotContiguous;
    return false;
  }

  const uint8_t* data() const { return data_; }

 private:
  const uint8_t* data_;
  uint32_t linear_;
};

// What the L3 parsers hand to the L4 parser and to the metadata writer.
// Offsets are from the start of the frame here; converted to L3-relative at
// the end, when the L2 header is stripped.
struct L3Result {
  uint32_t l3_len = 0;  // IP total length (v4) / 40 + payload length (v6).
  uint32_t l4 = 0;      // Upper-layer header, from the frame start.
  uint32_t srh = 0;     // From the frame start; 0 = none.
  uint32_t srh_nh = 0;  // From the frame start.
  // The FlowKey's address words (FlowKeyWords 0-3), read straight from the
  // header; parse stores the key once, at the end, with its hash.
  uint64_t addr[4] = {0, 0, 0, 0};
  uint16_t src_port = 0;  // TCP/UDP only.
  uint16_t dst_port = 0;
  uint8_t proto = 0;
  bool fragment = false;   // Ports must be 0 (see kMetaFragment).
  bool l4_absent = false;  // Non-first fragment: no upper-layer header here.
};

// An 8-byte word of the packet as it lies in memory (FlowKeyWords order).
inline uint64_t LoadWord(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

bool ParseIpv4(const Reader& r, uint32_t l2, uint32_t frame, const rte_mbuf* m,
               const ParseConfig& cfg, L3Result& res, DropReason* why) {
  const uint8_t* ip = r.data() + l2;
  if (!r.Fits(l2 + wire::kIpv4HeaderLen, frame, DropReason::kIpv4Truncated, why)) return false;
  if (unlikely((ip[0] >> 4) != 4)) {
    *why = DropReason::kIpv4BadVersion;
    return false;
  }
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  if (unlikely(ihl < wire::kIpv4HeaderLen)) {
    *why = DropReason::kIpv4BadIhl;
    return false;
  }
  const uint32_t total = Load16(ip + 2);
  if (unlikely(total < wire::kIpv4HeaderLen || l2 + total > frame)) {
    *why = DropReason::kIpv4BadTotalLength;
    return false;
  }
  if (unlikely(ihl > total)) {
    *why = DropReason::kIpv4BadIhl;
    return false;
  }
  if (!r.Fits(l2 + ihl, l2 + total, DropReason::kIpv4BadIhl, why)) return false;
  if (cfg.verify_ipv4_checksum) {
    // Trust the NIC's verdict when it gave one; NONE means "wrong in the
    // packet but verified" (e.g. after offloaded reassembly).
    const uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    const bool bad = ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
                     (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && rte_raw_cksum(ip, ihl) != 0xffff);
    if (unlikely(bad)) {
      *why = DropReason::kIpv4BadChecksum;
      return false;
    }
  }
  const uint16_t frag = Load16(ip + 6);
  res.l3_len = total;
  res.l4 = l2 + ihl;
  res.proto = ip[9];
  res.fragment = (frag & 0x3fff) != 0;  // MF set or offset != 0.
  res.l4_absent = (frag & 0x1fff) != 0;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d), so one key type serves both families:
  // the second word of each address is bytes 00 00 ff ff a b c d.
  uint32_t src, dst;
  std::memcpy(&src, ip + 12, 4);
  std::memcpy(&dst, ip + 16, 4);
  res.addr[0] = 0;
  res.addr[1] = 0xffff0000u | uint64_t{src} << 32;
  res.addr[2] = 0;
  res.addr[3] = 0xffff0000u | uint64_t{dst} << 32;
  return true;
}

bool ParseIpv6(const Reader& r, uint32_t l2, uint32_t frame, const ParseConfig& cfg, L3Result& res,
               DropReason* why) {
  const uint8_t* p = r.data();
  const uint8_t* ip = p + l2;
  if (!r.Fits(l2 + wire::kIpv6HeaderLen, frame, DropReason::kIpv6Truncated, why)) return false;
  if (unlikely((ip[0] >> 4) != 6)) {
    *why = DropReason::kIpv6BadVersion;
    return false;
  }
  const uint32_t l3_len = wire::kIpv6HeaderLen + Load16(ip + 4);
  if (unlikely(l2 + l3_len > frame)) {
    *why = DropReason::kIpv6BadPayloadLength;
    return false;
  }
  const uint32_t end = l2 + l3_len;
  uint8_t nh = ip[6];
  uint32_t nh_byte = l2 + 6;  // Where `nh` was read from.
  uint32_t off = l2 + wire::kIpv6HeaderLen;
  uint32_t count = 0;
  bool seen_routing = false;
  bool seen_fragment = false;
  // Bounded walk: each step consumes >= 8 bytes and at most
  // max_ipv6_ext_headers steps run, whatever the packet claims.
  for (;;) {
    if (nh != kProtoHopByHop && nh != kProtoRouting && nh != kProtoDestOpts &&
        nh != kProtoFragment) {
      break;  // Upper layer (or ESP/AH/No Next Header: opaque to us).
    }
    if (unlikely(count == cfg.max_ipv6_ext_headers)) {
      *why = DropReason::kIpv6ExtChainTooLong;
      return false;
    }
    ++count;
    if (unlikely(nh == kProtoHopByHop && off != l2 + wire::kIpv6HeaderLen)) {
      *why = DropReason::kIpv6HopByHopNotFirst;
      return false;
    }
    // Every extension header is at least 8 bytes; its first byte is the
    // next header and (except Fragment) its second the length in 8-octets.
    if (!r.Fits(off + 8, end, DropReason::kIpv6ExtTruncated, why)) return false;
    const uint8_t* h = p + off;
    uint32_t len = 8;
    if (nh == kProtoFragment) {
      if (unlikely(seen_fragment)) {
        *why = DropReason::kIpv6DuplicateExtHeader;
        return false;
      }
      seen_fragment = true;
      const uint16_t fo = Load16(h + 2);
      // An atomic fragment (offset 0, M 0; RFC 6946) is a whole packet.
      if ((fo & 0xfff9) != 0) res.fragment = true;
      if ((fo & 0xfff8) != 0) {
        // Not the first fragment: what follows is payload, not a header.
        res.l4_absent = true;
        nh_byte = off;
        nh = h[0];
        off += len;
        break;
      }
    } else {
      len = (h[1] + 1u) * 8u;
      if (!r.Fits(off + len, end, DropReason::kIpv6ExtTruncated, why)) return false;
      if (nh == kProtoRouting) {
        if (unlikely(seen_routing)) {
          *why = DropReason::kIpv6DuplicateExtHeader;
          return false;
        }
        seen_routing = true;
        if (h[2] == kRoutingTypeSrh) {
          // RFC 8986 4.1 S08-S09: max_LE = (Hdr Ext Len / 2) - 1; the list
          // must fit the header and Segments Left may be at most LE + 1 (it
          // is LE + 1 right after a reduced encapsulation).
          const SrhHeader* srh = reinterpret_cast<const SrhHeader*>(h);
          const int max_le = srh->hdr_ext_len / 2 - 1;
          if (unlikely(srh->hdr_ext_len < 2 || srh->last_entry > max_le)) {
            *why = DropReason::kSrhBadLength;
            return false;
          }
          if (unlikely(srh->segments_left > srh->last_entry + 1)) {
            *why = DropReason::kSrhBadSegmentsLeft;
            return false;
          }
          res.srh = off;
          res.srh_nh = nh_byte;
        }
      }
    }
    nh_byte = off;
    nh = h[0];
    off += len;
  }
  res.l3_len = l3_len;
  res.l4 = off;
  res.proto = nh;
  for (int i = 0; i < 4; ++i) res.addr[i] = LoadWord(ip + 8 + 8 * i);
  return true;
}

// Validates the transport header and reads the ports into `res`.
bool ParseL4(const Reader& r, uint32_t end, bool ipv4, L3Result& res, DropReason* why) {
  const uint8_t* l4 = r.data() + res.l4;
  switch (res.proto) {
    case wire::kProtoTcp: {
      if (!r.Fits(res.l4 + 20, end, DropReason::kTcpTruncated, why)) return false;
      const uint32_t doff = (l4[12] >> 4) * 4u;
      if (unlikely(doff < 20 || res.l4 + doff > end)) {
        *why = DropReason::kTcpTruncated;
        return false;
      }
      res.src_port = Load16(l4);
      res.dst_port = Load16(l4 + 2);
      return true;
    }
    case wire::kProtoUdp: {
      if (!r.Fits(res.l4 + 8, end, DropReason::kUdpTruncated, why)) return false;
      const uint32_t ulen = Load16(l4 + 4);
      if (unlikely(ulen < 8 || res.l4 + ulen > end)) {
        *why = DropReason::kUdpBadLength;
        return false;
      }
      res.src_port = Load16(l4);
      res.dst_port = Load16(l4 + 2);
      return true;
    }
    case wire::kProtoIcmp:
      if (ipv4 && !r.Fits(res.l4 + 8, end, DropReason::kIcmpTruncated, why)) return false;
      return true;
    case wire::kProtoIcmpv6:
      if (!ipv4 && !r.Fits(res.l4 + 4, end, DropReason::kIcmpTruncated, why)) return false;
      return true;
    default:
      return true;  // Other protocols: no ports, nothing to check.
  }
}

// Strips the L2 header and writes what parse found into `meta` (the fields
// after l2_len; the caller wrote vlan_tci, in_port and l2_len). The caller
// has checked that the L3 header lies in the first segment (so, unlike
// rte_pktmbuf_adj, this does not test it) and gives the SRH's offsets from
// L3 (0, 0 without one): the fast path knows them, where computing them
// from `res` took ~6 instructions a packet.
inline void FinishFrame(rte_mbuf* m, PacketMeta* meta, const L3Result& res, uint32_t l2,
                        uint8_t flags, bool ipv4, uint16_t srh_offset, uint16_t srh_nh_offset) {
  m->data_off = static_cast<uint16_t>(m->data_off + l2);
  m->data_len = static_cast<uint16_t>(m->data_len - l2);
  m->pkt_len -= l2;
  const FlowKeyWords key = {res.addr[0], res.addr[1], res.addr[2], res.addr[3],
                            FlowKeyTailWord(res.src_port, res.dst_port, res.proto, ipv4)};
  std::memcpy(&meta->flow, key, sizeof(key));
  meta->flow_hash = FlowHashWords(key);
  meta->l3_type = ipv4 ? L3Type::kIpv4 : L3Type::kIpv6;
  meta->l3_len = res.l3_len;
  meta->l4_offset = static_cast<uint16_t>(res.l4 - l2);
  meta->l4_proto = res.proto;
  meta->srh_offset = srh_offset;
  meta->srh_nh_offset = srh_nh_offset;
  meta->flags = flags;
  meta->encap_policy = nullptr;
  meta->local_sid = nullptr;
  meta->next_hop = 0;
  meta->fib_table = 0;
}

// Parses one frame. On success writes meta, strips L2, sets *edge.
inline bool ParseFrame(rte_mbuf* m, const ParseConfig& cfg, ParseEdge* edge, DropReason* why) {
  if (unlikely(!HasMetaRoom(m))) {
    *why = DropReason::kNoMetadataRoom;
    return false;
  }
  const Reader r(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
  const uint32_t frame = rte_pktmbuf_pkt_len(m);
  const uint8_t* p = r.data();
  PacketMeta* meta = Meta(m);

  if (!r.Fits(wire::kEthHeaderLen, frame, DropReason::kEthTruncated, why)) return false;
  uint16_t ethertype = Load16(p + 12);
  uint32_t l2 = wire::kEthHeaderLen;
  uint8_t flags = 0;
  uint16_t tci = 0;
  if (ethertype == wire::kEtherTypeVlan) {
    if (!r.Fits(l2 + wire::kVlanTagLen, frame, DropReason::kVlanTruncated, why)) return false;
    tci = Load16(p + 14);
    ethertype = Load16(p + 16);
    l2 += wire::kVlanTagLen;
    flags |= kMetaVlan;
  }
  meta->vlan_tci = tci;
  meta->in_port = m->port;
  meta->l2_len = static_cast<uint8_t>(l2);

  L3Result res;
  bool ipv4;
  if (ethertype == wire::kEtherTypeIpv6) {
    if (!ParseIpv6(r, l2, frame, cfg, res, why)) return false;
    ipv4 = false;
  } else if (ethertype == wire::kEtherTypeIpv4) {
    if (!ParseIpv4(r, l2, frame, m, cfg, res, why)) return false;
    ipv4 = true;
  } else {
    // Not ours to judge: ARP, LLDP, a second VLAN tag... Left intact.
    meta->l3_type = L3Type::kNone;
    meta->flags = flags;
    *edge = ParseEdge::kOther;
    return true;
  }

  if (res.fragment) {
    // Later fragments carry no ports, so no fragment gets any: all fragments
    // of one datagram hash to the same flow and reach the same site.
    flags |= kMetaFragment;
  } else if (!ParseL4(r, l2 + res.l3_len, ipv4, res, why)) {
    return false;
  } else if (res.proto == wire::kProtoTcp || res.proto == wire::kProtoUdp) {
    flags |= kMetaPorts;
  }
  if (res.srh != 0) flags |= kMetaSrh;

  // Ethernet pads frames to 60 bytes; the padding is not part of the IP
  // packet and must not be carried inside a tunnel.
  const uint32_t excess = frame - (l2 + res.l3_len);
  if (excess != 0 && unlikely(rte_pktmbuf_trim(m, static_cast<uint16_t>(excess)) != 0)) {
    *why = DropReason::kHeadersNotContiguous;  // Padding spread over segments.
    return false;
  }
  FinishFrame(m, meta, res, l2, flags, ipv4,
              res.srh != 0 ? static_cast<uint16_t>(res.srh - l2) : uint16_t{0},
              res.srh != 0 ? static_cast<uint16_t>(res.srh_nh - l2) : uint16_t{0});
  *edge = ipv4 ? ParseEdge::kIpv4 : ParseEdge::kIpv6;
  return true;
}

// The frames a CPN router mostly sees, parsed with the fewest tests:
// untagged Ethernet, one segment, IPv6 exactly filling the frame, then TCP or
// UDP, or an SRH (RFC 8754) followed by an encapsulated packet or nothing.
// Returns false when the frame is anything else or anything is doubtful
// (truncated, bad lengths, other extension headers...): ParseFrame then
// parses it from the start and names what is wrong. What it accepts it
// describes exactly as ParseFrame would (parse_test checks both on the same
// frames).
inline bool ParseCommonIpv6(rte_mbuf* m, const ParseConfig& cfg, ParseEdge* edge) {
  constexpr uint32_t l2 = wire::kEthHeaderLen;
  constexpr uint32_t l3 = l2 + wire::kIpv6HeaderLen;
  const uint32_t frame = rte_pktmbuf_pkt_len(m);
  if (unlikely(rte_pktmbuf_data_len(m) != frame || frame < l3 + 8 || !HasMetaRoom(m))) {
    return false;
  }
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  if (unlikely(Load16(p + 12) != wire::kEtherTypeIpv6 || (p[l2] >> 4) != 6)) return false;
  L3Result res;
  res.l3_len = wire::kIpv6HeaderLen + Load16(p + l2 + 4);
  if (unlikely(l2 + res.l3_len != frame)) return false;  // Padding, or a bad length.
  const uint8_t* upper = p + l3;
  uint8_t flags;
  uint16_t srh_offset = 0;     // From L3, as FinishFrame wants them.
  uint16_t srh_nh_offset = 0;
  switch (p[l2 + 6]) {
    case wire::kProtoUdp: {
      const uint32_t ulen = Load16(upper + 4);
      if (unlikely(ulen < 8 || l3 + ulen > frame)) return false;
      res.proto = wire::kProtoUdp;
      res.l4 = l3;
      flags = kMetaPorts;
      break;
    }
    case wire::kProtoTcp: {
      if (unlikely(l3 + 20 > frame)) return false;
      const uint32_t doff = (upper[12] >> 4) * 4u;
      if (unlikely(doff < 20 || l3 + doff > frame)) return false;
      res.proto = wire::kProtoTcp;
      res.l4 = l3;
      flags = kMetaPorts;
      break;
    }
    case kProtoRouting: {
      const SrhHeader* srh = reinterpret_cast<const SrhHeader*>(upper);
      const uint32_t len = (srh->hdr_ext_len + 1u) * 8u;
      const uint8_t inner = upper[0];
      // As ParseIpv6 checks them (RFC 8986 4.1 S08-S09).
      if (unlikely(cfg.max_ipv6_ext_headers == 0 || upper[2] != kRoutingTypeSrh ||
                   l3 + len > frame || srh->hdr_ext_len < 2 ||
                   srh->last_entry > srh->hdr_ext_len / 2 - 1 ||
                   srh->segments_left > srh->last_entry + 1 ||
                   (inner != kProtoIpv6 && inner != kProtoIpv4 && inner != kProtoNoNext))) {
        return false;
      }
      res.proto = inner;
      res.l4 = l3 + len;
      srh_offset = wire::kIpv6HeaderLen;
      srh_nh_offset = 6;  // The IPv6 header's Next Header.
      flags = kMetaSrh;
      break;
    }
    default:
      return false;
  }
  if (flags == kMetaPorts) {
    res.src_port = Load16(upper);
    res.dst_port = Load16(upper + 2);
  }
  for (int i = 0; i < 4; ++i) res.addr[i] = LoadWord(p + l2 + 8 + 8 * i);
  PacketMeta* meta = Meta(m);
  meta->vlan_tci = 0;
  meta->in_port = m->port;
  meta->l2_len = static_cast<uint8_t>(l2);
  FinishFrame(m, meta, res, l2, flags, /*ipv4=*/false, srh_offset, srh_nh_offset);
  *edge = ParseEdge::kIpv6;
  return true;
}

}  // namespace

void ParseStage::ProcessBurst(rte_mbuf** pkts, uint16_t n, EdgeBuffers<ParseEdge>& out,
                              DropCounters& drops) const {
  DropList dropped(drops);
  // Warm the headers of the first packets; inside the loop keep
  // kPrefetchAhead packets in flight (headers to read, metadata to write).
  for (uint16_t i = 0; i < std::min<uint16_t>(n, kPrefetchAhead); ++i) {
    rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  }
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) Prefetch(pkts[i + kPrefetchAhead]);
    rte_mbuf* m = pkts[i];
    ParseEdge edge;
    DropReason why;
    if (unlikely(!ParseOne(m, &edge, &why))) {
      dropped.Drop(m, why);
    } else if (unlikely(!out.Push(edge, m))) {
      dropped.Drop(m, DropReason::kEdgeOverflow);
    }
  }
}

bool ParseStage::ParseOne(rte_mbuf* m, ParseEdge* edge, DropReason* why) const {
  if (likely(config_.common_frame_fast_path) && likely(ParseCommonIpv6(m, config_, edge))) {
    return true;
  }
  return ParseFrame(m, config_, edge, why);
}

}  // namespace cpn::dataplane
