// parse: the first stage after rx. Validates Ethernet / 802.1Q / IPv4 / IPv6
// (with its extension-header chain, SRH included) / TCP / UDP / ICMP and
// fills PacketMeta (see packet_meta.h) for the later stages.
//
// Edges:
//   kIpv4  - a valid IPv4 packet; data now starts at the IPv4 header.
//   kIpv6  - a valid IPv6 packet; data now starts at the IPv6 header.
//   kOther - not IP (ARP, LLDP, stacked VLANs, ...); left untouched with the
//            Ethernet header in place, for a slow path or to be dropped.
// Everything malformed is freed and counted by DropReason (kEth*, kVlan*,
// kIpv4*, kIpv6*, kSrh*, kTcp*, kUdp*, kIcmp*, kNoMetadataRoom,
// kHeadersNotContiguous).
//
// What parse does to a passing packet: strips the L2 header (meta.l2_len
// says how much), trims Ethernet padding past the IP length so that later
// stages (encap above all) never carry it, and writes meta. It reads only
// the first segment for headers; headers that continue into a second segment
// are dropped as kHeadersNotContiguous (PMDs with 2 KiB buffers never split
// headers of MTU-sized frames).
//
// Tunnelled payloads are not parsed: for IPv6 carrying IPv6/IPv4 (41/4,
// SRv6 among them) meta.l4_proto is 41/4, meta.l4_offset points at the inner
// header and the FlowKey is the outer one with ports 0.
//
// Threading: const after construction; any number of workers may share one
// ParseStage, each with its own EdgeBuffers and DropCounters.
#ifndef CPN_DATAPLANE_STAGES_PARSE_H_
#define CPN_DATAPLANE_STAGES_PARSE_H_

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <cstdint>

#include "dataplane/stages/burst.h"
#include "dataplane/stages/drop_reason.h"

namespace cpn::dataplane {

enum class ParseEdge : uint8_t { kIpv4 = 0, kIpv6, kOther, kCount };

struct ParseConfig {
  // Verify the IPv4 header checksum in software unless the PMD already marked
  // it good or bad in ol_flags.
  bool verify_ipv4_checksum = true;
  // Upper bound of the IPv6 extension-header walk. RFC 8200 allows each
  // header once (destination options twice), so 8 leaves room for all of them.
  uint8_t max_ipv6_ext_headers = 8;
  // Try the common frames' short path first (untagged IPv6 + TCP/UDP, or +
  // SRH + encapsulated packet; parse.cc ParseCommonIpv6). Same result either
  // way; off only to compare the two (parse_test).
  bool common_frame_fast_path = true;
};

class ParseStage {
 public:
  explicit ParseStage(const ParseConfig& config = {}) : config_(config) {}

  // Classifies pkts[0..n) onto `out` or drops them. n <= kMaxBurst.
  void ProcessBurst(rte_mbuf** pkts, uint16_t n, EdgeBuffers<ParseEdge>& out,
                    DropCounters& drops) const;
  // ProcessBurst for one packet, for callers that fuse parse into their own
  // per-packet loop (the worker): true with the edge `m` leaves on, or false
  // with *why when it must be dropped. The caller prefetches (Prefetch, a
  // few packets ahead).
  bool ParseOne(rte_mbuf* m, ParseEdge* edge, DropReason* why) const;

  // What ParseOne touches first: the frame's first line (read) and the
  // packet's metadata in the mbuf's private area (written: both its lines,
  // parse clears the later stages' fields too).
  static void Prefetch(rte_mbuf* m) {
    rte_prefetch0(rte_pktmbuf_mtod(m, void*));
    char* meta = static_cast<char*>(rte_mbuf_to_priv(m));
    PrefetchForWrite(meta);
    PrefetchForWrite(meta + RTE_CACHE_LINE_MIN_SIZE);
  }

 private:
  const ParseConfig config_;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_PARSE_H_
