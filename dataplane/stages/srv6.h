// srv6: local SID behaviours (RFC 8986 section 4) for packets whose IPv6
// destination is one of this router's SIDs.
//
// Input: IPv6 packets from parse with meta.local_sid set by the local SID
// lookup (the table layer maps each SID to a LocalSidAction, srv6_types.h).
//
//   End     SL > 0: hop limit check and decrement, SL -= 1, DA = SL[SL],
//           -> kIpv6Lookup in action.table_id. SL == 0 or no SRH: dropped
//           (kSrv6SegmentsLeftZero / kSrv6NoSrh) unless flavour USD.
//   End.X   as End, then -> kAdjacency (action.next_hop).
//   End.DX6 SL == 0 (or no SRH, i.e. H.Encaps.Red with one SID): remove the
//           outer IPv6 header and all its extension headers; the inner IPv6
//           -> kAdjacency (action.next_hop). SL != 0: kSrv6SegmentsLeftNonZero.
//   End.DX4 as End.DX6 for an IPv4 payload.
//   End.DT6 as End.DX6, then -> kIpv6Lookup in action.table_id.
//   Flavours (End, End.X): PSP removes the SRH when SL becomes 0; USD
//   decapsulates an IPv6 (-> kIpv6Lookup / End.X adjacency) or IPv4
//   (-> kIpv4Lookup / End.X adjacency) payload when SL is 0 on arrival.
//
// Hop limit: End and End.X drop packets with hop limit <= 1
// (kHopLimitExceeded; counted, no ICMP Time Exceeded is sent) and decrement
// it, then set kMetaHopLimitDone so the FIB does not decrement again
// (RFC 8986 4.1 S05/S12; the FIB lookup that follows is "egress"). Decap
// behaviours consume the outer packet and leave the inner one unchanged.
// A payload of the wrong family is dropped as kSrv6WrongInnerProtocol; one
// too short to hold its IP header as kSrv6InnerMalformed.
//
// After a decap the packet starts at the inner L3 header and meta holds
// l3_type and l3_len of the inner packet; l4_*, srh_* and flow are cleared
// (parse does not look inside tunnels). After End/End.X meta still
// describes the same (outer) packet, with the SRH gone after PSP.
//
// Threading: const after construction; share one stage between workers.
#ifndef CPN_DATAPLANE_STAGES_SRV6_H_
#define CPN_DATAPLANE_STAGES_SRV6_H_

#include <rte_mbuf.h>

#include <cstdint>

#include "dataplane/stages/burst.h"
#include "dataplane/stages/drop_reason.h"
#include "dataplane/stages/srv6_types.h"

namespace cpn::dataplane {

enum class Srv6Edge : uint8_t {
  kIpv6Lookup = 0,  // FIB lookup of the IPv6 DA in meta.fib_table.
  kIpv4Lookup,      // FIB lookup of the IPv4 DA in meta.fib_table (USD).
  kAdjacency,       // Straight to rewrite with meta.next_hop.
  kCount,
};

class Srv6LocalSidStage {
 public:
  void ProcessBurst(rte_mbuf** pkts, uint16_t n, EdgeBuffers<Srv6Edge>& out,
                    DropCounters& drops) const;
  // ProcessBurst for one packet, for callers that fuse stages into one
  // per-packet loop (the worker): true with the edge `m` leaves on, or false
  // with *why when it must be dropped.
  bool ProcessOne(rte_mbuf* m, Srv6Edge* edge, DropReason* why) const;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_SRV6_H_
