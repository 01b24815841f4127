#include "dataplane/stages/drop_reason.h"

namespace cpn::dataplane {

const char* DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kEdgeOverflow:
      return "edge_overflow";
    case DropReason::kNoMetadataRoom:
      return "no_metadata_room";
    case DropReason::kHeadersNotContiguous:
      return "headers_not_contiguous";
    case DropReason::kEthTruncated:
      return "eth_truncated";
    case DropReason::kVlanTruncated:
      return "vlan_truncated";
    case DropReason::kIpv4Truncated:
      return "ipv4_truncated";
    case DropReason::kIpv4BadVersion:
      return "ipv4_bad_version";
    case DropReason::kIpv4BadIhl:
      return "ipv4_bad_ihl";
    case DropReason::kIpv4BadTotalLength:
      return "ipv4_bad_total_length";
    case DropReason::kIpv4BadChecksum:
      return "ipv4_bad_checksum";
    case DropReason::kIpv6Truncated:
      return "ipv6_truncated";
    case DropReason::kIpv6BadVersion:
      return "ipv6_bad_version";
    case DropReason::kIpv6BadPayloadLength:
      return "ipv6_bad_payload_length";
    case DropReason::kIpv6ExtTruncated:
      return "ipv6_ext_truncated";
    case DropReason::kIpv6ExtChainTooLong:
      return "ipv6_ext_chain_too_long";
    case DropReason::kIpv6HopByHopNotFirst:
      return "ipv6_hop_by_hop_not_first";
    case DropReason::kIpv6DuplicateExtHeader:
      return "ipv6_duplicate_ext_header";
    case DropReason::kSrhBadLength:
      return "srh_bad_length";
    case DropReason::kSrhBadSegmentsLeft:
      return "srh_bad_segments_left";
    case DropReason::kTcpTruncated:
      return "tcp_truncated";
    case DropReason::kUdpTruncated:
      return "udp_truncated";
    case DropReason::kUdpBadLength:
      return "udp_bad_length";
    case DropReason::kIcmpTruncated:
      return "icmp_truncated";
    case DropReason::kEncapNoPolicy:
      return "encap_no_policy";
    case DropReason::kEncapBadPolicy:
      return "encap_bad_policy";
    case DropReason::kEncapNotIp:
      return "encap_not_ip";
    case DropReason::kEncapNoRoom:
      return "encap_no_room";
    case DropReason::kEncapTooBig:
      return "encap_too_big";
    case DropReason::kSrv6NoAction:
      return "srv6_no_action";
    case DropReason::kSrv6NotIpv6:
      return "srv6_not_ipv6";
    case DropReason::kSrv6NoSrh:
      return "srv6_no_srh";
    case DropReason::kSrv6SegmentsLeftZero:
      return "srv6_segments_left_zero";
    case DropReason::kSrv6SegmentsLeftNonZero:
      return "srv6_segments_left_nonzero";
    case DropReason::kSrv6WrongInnerProtocol:
      return "srv6_wrong_inner_protocol";
    case DropReason::kSrv6UnsupportedBehaviour:
      return "srv6_unsupported_behaviour";
    case DropReason::kSrv6InnerMalformed:
      return "srv6_inner_malformed";
    case DropReason::kHopLimitExceeded:
      return "hop_limit_exceeded";
    case DropReason::kNoAdjacency:
      return "no_adjacency";
    case DropReason::kRewriteNoHeadroom:
      return "rewrite_no_headroom";
    case DropReason::kRewriteNotIp:
      return "rewrite_not_ip";
    case DropReason::kTxRingFull:
      return "tx_ring_full";
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace cpn::dataplane
