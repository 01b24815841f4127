// encap: SRv6 headend, H.Encaps and H.Encaps.Red (RFC 8986 5.1, 5.2) with
// an SRH per RFC 8754, for IPv6 and IPv4 payloads.
//
// Input: packets from parse (data at the inner L3 header) with
// meta.encap_policy set by an earlier stage (select). Per packet it pushes
// the policy's prebuilt outer IPv6 header + SRH and patches:
//   payload length  = SRH + inner packet;
//   next header     = 43 with an SRH (whose next header is 41 / 4), else 41 / 4;
//   hop limit       = EncapConfig::hop_limit (default 64);
//   traffic class   = the inner IPv6 traffic class / IPv4 TOS byte (DSCP+ECN);
//   flow label      = FlowLabelFromHash(meta.flow_hash): 20 bits, never 0 (RFC 6437).
// The inner packet is not modified (its hop limit / TTL is left alone).
//
// Edges:
//   kIpv6Lookup - encapsulated; the egress IPv6 FIB looks up the outer DA
//                 (the first SID). meta.flags has kMetaHopLimitDone set: the
//                 outer header is ours, its hop limit must not be decremented.
// Drops: kEncapNoPolicy, kEncapBadPolicy, kEncapNotIp, kEncapNoRoom,
//        kEncapTooBig.
//
// After encap meta describes the outer packet: l3_type kIpv6, l4_offset =
// the inner header, l4_proto 41/4, srh_offset 40 when an SRH was pushed.
// meta.flow stays the inner flow (for per-flow counters).
//
// Room: the headers go into the headroom (128 bytes plus the stripped L2
// header). When that cannot also leave room for the Ethernet header that
// rewrite adds, the payload is moved towards the tail instead (one memmove,
// only for long segment lists); no mbuf is ever allocated.
//
// Threading: const after construction; share one stage between workers.
#ifndef CPN_DATAPLANE_STAGES_ENCAP_H_
#define CPN_DATAPLANE_STAGES_ENCAP_H_

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/stages/burst.h"
#include "dataplane/stages/drop_reason.h"
#include "dataplane/stages/srv6_types.h"

namespace cpn::dataplane {

enum class EncapEdge : uint8_t { kIpv6Lookup = 0, kCount };

struct EncapConfig {
  uint8_t hop_limit = 64;  // Outer IPv6 hop limit.
};

// RFC 6437 flow label from a flow hash: fold the 12 bits that do not fit
// into the 20 that do, and never 0 (0 means "no label").
inline uint32_t FlowLabelFromHash(uint32_t hash) {
  const uint32_t label = (hash ^ (hash >> 20)) & 0xfffff;
  return label != 0 ? label : 1;
}

// Bytes rewrite needs in front of the L3 header (Ethernet + one VLAN tag).
inline constexpr uint16_t kL2Reserve = 18;

class EncapStage {
 public:
  explicit EncapStage(const EncapConfig& config = {}) : config_(config) {}

  void ProcessBurst(rte_mbuf** pkts, uint16_t n, EdgeBuffers<EncapEdge>& out,
                    DropCounters& drops) const;
  // ProcessBurst for one packet, for callers that fuse stages into one
  // per-packet loop (the worker): true when `m` is encapsulated (it would
  // leave on kIpv6Lookup), false with *why when it must be dropped.
  bool EncapOne(rte_mbuf* m, DropReason* why) const { return EncapOne(m, why, config_.hop_limit); }
  // What EncapOne writes into the metadata. kFull: the encapsulated packet
  // as parse would describe it (l3_type, l3_len, l4_*, SRH offsets, flags),
  // for the FIB and local SID passes after it. kForTx: l3_type only, for a
  // packet that goes straight to rewrite and tx, which read nothing else
  // (the worker's flow cache hits; ~10 instructions a packet less).
  enum class MetaUpdate : uint8_t { kFull, kForTx };
  // With this outer hop limit instead of the configured one (the worker
  // passes its policy's).
  bool EncapOne(rte_mbuf* m, DropReason* why, uint8_t hop_limit,
                MetaUpdate meta_update = MetaUpdate::kFull) const;

 private:
  const EncapConfig config_;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_ENCAP_H_
