// Why the fast path dropped a packet, and the per-worker counters.
//
// Every stage drops by pushing the packet onto a DropList with a reason; the
// list frees its packets in bulk at the end of the stage's burst and bumps one
// counter per reason. Counters are plain uint64_t: each worker lcore owns its
// DropCounters and is its only writer; telemetry on the main lcore reads them
// racily (torn reads are impossible for aligned 64-bit loads on x86-64 and the
// values are monotonic), so the hot path needs no atomics.
#ifndef CPN_DATAPLANE_STAGES_DROP_REASON_H_
#define CPN_DATAPLANE_STAGES_DROP_REASON_H_

#include <rte_mbuf.h>

#include <cstddef>
#include <cstdint>

#include "dataplane/stages/burst.h"

namespace cpn::dataplane {

// Append only: the numeric values are exported as counter labels. Keep
// DropReasonName() in drop_reason.cc and docs/dataplane-stages.md in step.
enum class DropReason : uint16_t {
  // Any stage.
  kEdgeOverflow = 0,      // More than kMaxBurst packets pushed to one edge.
  kNoMetadataRoom,        // mbuf private area smaller than PacketMeta.
  kHeadersNotContiguous,  // Headers continue past the first segment.
  // parse: L2.
  kEthTruncated,   // Shorter than an Ethernet header.
  kVlanTruncated,  // 802.1Q tag cut short.
  // parse: IPv4.
  kIpv4Truncated,       // Less than 20 bytes of IPv4 header.
  kIpv4BadVersion,      // Version field is not 4.
  kIpv4BadIhl,          // IHL < 5, or options beyond the packet.
  kIpv4BadTotalLength,  // Total length < IHL*4 or beyond the frame.
  kIpv4BadChecksum,     // Header checksum wrong (when verification is on).
  // parse: IPv6 and its extension headers.
  kIpv6Truncated,           // Less than 40 bytes of IPv6 header.
  kIpv6BadVersion,          // Version field is not 6.
  kIpv6BadPayloadLength,    // Payload length beyond the frame.
  kIpv6ExtTruncated,        // An extension header runs past the payload.
  kIpv6ExtChainTooLong,     // More extension headers than the walk allows.
  kIpv6HopByHopNotFirst,    // Hop-by-Hop header not right after IPv6 (RFC 8200 4.1).
  kIpv6DuplicateExtHeader,  // Second routing or fragment header.
  kSrhBadLength,            // SRH Hdr Ext Len odd, or Last Entry beyond it.
  kSrhBadSegmentsLeft,      // SRH Segments Left > Last Entry + 1.
  // parse: L4.
  kTcpTruncated,   // TCP header cut short or data offset < 5.
  kUdpTruncated,   // UDP header cut short.
  kUdpBadLength,   // UDP length < 8 or beyond the IP payload.
  kIcmpTruncated,  // ICMP/ICMPv6 header cut short.
  // encap.
  kEncapNoPolicy,   // No Srv6EncapPolicy attached to the packet.
  kEncapBadPolicy,  // Policy with 0 or more than kMaxSids SIDs.
  kEncapNotIp,      // Packet's L3 is neither IPv4 nor IPv6.
  kEncapNoRoom,     // Neither headroom nor tailroom fits the headers.
  kEncapTooBig,     // Outer payload length would exceed 65535.
  // srv6 local SID behaviours.
  kSrv6NoAction,             // No LocalSidAction attached to the packet.
  kSrv6NotIpv6,              // Packet addressed to a SID is not IPv6.
  kSrv6NoSrh,                // End/End.X packet without an SRH.
  kSrv6SegmentsLeftZero,     // End/End.X with Segments Left == 0.
  kSrv6SegmentsLeftNonZero,  // Decap behaviour with Segments Left != 0.
  kSrv6WrongInnerProtocol,   // Decap behaviour and the payload is not 41/4.
  kSrv6UnsupportedBehaviour,
  kSrv6InnerMalformed,  // Decapsulated payload is not a whole IPv6/IPv4 header.
  kHopLimitExceeded,    // Hop limit <= 1 when forwarding (no ICMP is sent).
  // rewrite and tx.
  kNoAdjacency,        // Next-hop index unknown or not resolved.
  kRewriteNoHeadroom,  // No headroom for the Ethernet header.
  kRewriteNotIp,       // Packet given to rewrite is neither IPv4 nor IPv6.
  kTxRingFull,         // The port's tx queue did not take the packet.
  kCount,
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::kCount);

// A stable snake_case name, e.g. "ipv4_bad_ihl". Never null. (const char*, not
// string_view: Debian's absl::string_view is not std::string_view, and the
// names go straight into absl::StrCat and metric labels.)
const char* DropReasonName(DropReason reason);

struct DropCounters {
  uint64_t packets[kDropReasonCount] = {};

  uint64_t operator[](DropReason r) const { return packets[static_cast<size_t>(r)]; }
  uint64_t Total() const {
    uint64_t t = 0;
    for (uint64_t v : packets) t += v;
    return t;
  }
};

// Packets a stage decided to drop during one burst. Flush() frees them with
// one rte_pktmbuf_free_bulk (cheaper than freeing one at a time, and keeps the
// per-packet path free of mempool calls) after counting each reason.
class DropList {
 public:
  explicit DropList(DropCounters& counters) : counters_(counters) {}
  DropList(const DropList&) = delete;
  DropList& operator=(const DropList&) = delete;
  ~DropList() { Flush(); }

  void Drop(rte_mbuf* m, DropReason reason) {
    ++counters_.packets[static_cast<size_t>(reason)];
    // A stage never drops more packets than it was given (<= kMaxBurst), but
    // a stage may reuse one DropList across two bursts; flush then.
    if (unlikely(n_ == kMaxBurst)) Flush();
    pkts_[n_++] = m;
  }

  void Flush() {
    if (n_ != 0) rte_pktmbuf_free_bulk(pkts_, n_);
    n_ = 0;
  }

  DropCounters& counters() { return counters_; }

 private:
  DropCounters& counters_;
  uint16_t n_ = 0;
  rte_mbuf* pkts_[kMaxBurst];
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_STAGES_DROP_REASON_H_
