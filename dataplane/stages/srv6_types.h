// SRv6 data shared by the encap and srv6 stages and the tables that feed them.
//
// Srv6EncapPolicy and LocalSidAction are plain, immutable-once-published
// data: the table layer builds them on the control thread (with
// MakeSrv6EncapPolicy for policies), publishes them with the rest of a table
// snapshot, and workers only read them through PacketMeta pointers.
#ifndef CPN_DATAPLANE_STAGES_SRV6_TYPES_H_
#define CPN_DATAPLANE_STAGES_SRV6_TYPES_H_

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"

namespace cpn::dataplane {

// IP protocol numbers used by the SRv6 code (RFC 8200, RFC 8754).
inline constexpr uint8_t kProtoHopByHop = 0;
inline constexpr uint8_t kProtoIpv4 = 4;  // IPv4-in-IPv6 (RFC 2473).
inline constexpr uint8_t kProtoIpv6 = 41;
inline constexpr uint8_t kProtoRouting = 43;
inline constexpr uint8_t kProtoFragment = 44;
inline constexpr uint8_t kProtoNoNext = 59;
inline constexpr uint8_t kProtoDestOpts = 60;
inline constexpr uint8_t kRoutingTypeSrh = 4;

// The fixed part of a Segment Routing Header (RFC 8754 section 2); the
// segment list follows, Segment List[0] (the LAST segment) first.
struct __attribute__((packed)) SrhHeader {
  uint8_t next_header;
  uint8_t hdr_ext_len;    // Length in 8-octet units, excluding the first 8.
  uint8_t routing_type;   // 4.
  uint8_t segments_left;  // Index of the active segment in the list.
  uint8_t last_entry;     // Index of the last element of the list.
  uint8_t flags;
  rte_be16_t tag;
};
static_assert(sizeof(SrhHeader) == 8);

inline constexpr int kMaxSids = 8;

using Ipv6Addr = uint8_t[16];

// RFC 8986 section 5: H.Encaps pushes all n SIDs in an SRH; H.Encaps.Red
// leaves the first SID out of the SRH (it is only in the outer DA) and omits
// the SRH entirely when the policy has a single SID.
enum class EncapMode : uint8_t { kEncaps = 0, kEncapsRed = 1 };

// One SR policy's segment list, with the outer headers prebuilt (VPP keeps
// the same "rewrite string" per segment list): per packet the encap stage
// copies `rewrite` and patches only payload length, traffic class, flow
// label, hop limit and next header. Build with MakeSrv6EncapPolicy.
//
// Layout: what encap reads per packet (num_sids, rewrite_len, rewrite) comes
// first, so that for short segment lists it lies in the policy's first two
// cache lines; source and sids are only read by the control plane.
struct Srv6EncapPolicy {
  uint8_t num_sids;  // 1..kMaxSids.
  EncapMode mode;
  uint16_t rewrite_len;  // 40 (no SRH) or 40 + 8 + 16 * listed SIDs.
  // Outer IPv6 header + SRH, network order. Payload length, traffic class,
  // flow label, hop limit and the inner next header are filled per packet.
  alignas(16) uint8_t rewrite[sizeof(rte_ipv6_hdr) + sizeof(SrhHeader) + 16 * kMaxSids];
  uint8_t source[16];          // Outer IPv6 source: this router's address.
  uint8_t sids[kMaxSids][16];  // In travel order: sids[0] is visited first.

  // Where the next-header byte that names the inner packet sits in rewrite:
  // the outer IPv6 header's (6) when there is no SRH, else the SRH's (40).
  uint16_t inner_nh_offset() const { return rewrite_len == sizeof(rte_ipv6_hdr) ? 6 : 40; }
};

// Validates the SIDs (1..kMaxSids) and builds the rewrite. Control thread.
absl::StatusOr<Srv6EncapPolicy> MakeSrv6EncapPolicy(const uint8_t (&source)[16],
                                                    std::span<const Ipv6Addr> sids, EncapMode mode);

// RFC 8986 section 4 endpoint behaviours handled by Srv6LocalSidStage.
enum class Srv6Behaviour : uint8_t {
  kUnspecified = 0,
  kEnd,     // 4.1: next segment, FIB lookup on the new DA (table_id).
  kEndX,    // 4.2: next segment, forward to adjacency next_hop.
  kEndDx6,  // 4.4: decapsulate, forward inner IPv6 to adjacency next_hop.
  kEndDx4,  // 4.5: decapsulate, forward inner IPv4 to adjacency next_hop.
  kEndDt6,  // 4.6: decapsulate, FIB lookup of inner IPv6 in table_id.
};

// RFC 8986 section 4.16 flavours (bit set), for End and End.X.
enum Srv6Flavour : uint8_t {
  kFlavourPsp = 1 << 0,  // 4.16.1 Penultimate Segment Pop: drop the SRH when
                         // Segments Left becomes 0.
  kFlavourUsd = 1 << 2,  // 4.16.3 Ultimate Segment Decapsulation: at SL == 0
                         // decapsulate an IPv6/IPv4 payload.
  // USP (4.16.2, bit 1) is not supported: it hands the payload to the local
  // stack, which this dataplane does not have. Tables must reject it; the
  // stage drops such packets as kSrv6UnsupportedBehaviour.
};

// What to do with a packet whose DA is one of our SIDs. The table layer maps
// each local SID to one of these.
struct LocalSidAction {
  Srv6Behaviour behaviour = Srv6Behaviour::kUnspecified;
  uint8_t flavours = 0;   // Srv6Flavour bits.
  uint32_t next_hop = 0;  // End.X, End.DX6, End.DX4: adjacency index.
  uint32_t table_id = 0;  // End, End.DT6: FIB table of the next lookup.
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_SRV6_TYPES_H_
