// Table-driven tests of the parse stage: every malformed case is dropped
// with its own reason; good packets get correct metadata and lose their L2.
#include "dataplane/stages/parse.h"

#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"
#include "tests/dataplane/stages/packet_builder.h"
#include "tests/dataplane/stages/stage_harness.h"

namespace cpn::dataplane {
namespace {

using testing::Bytes;
using testing::Ip6;
using testing::PacketBuilder;
using ParseOutcome = testing::Outcome<ParseEdge>;

ParseOutcome Parse(const Bytes& b, const ParseConfig& cfg = {}, uint64_t ol_flags = 0) {
  rte_mbuf* m = testing::ToMbuf(b);
  EXPECT_NE(m, nullptr);
  m->ol_flags = ol_flags;
  const ParseStage stage(cfg);
  return testing::RunStage<ParseEdge>({m}, [&](rte_mbuf** p, uint16_t n, auto& out, auto& d) {
    stage.ProcessBurst(p, n, out, d);
  })[0];
}

// Helpers that build a valid packet, then break one field.
Bytes V4Udp(size_t payload = 16) {
  return PacketBuilder()
      .Eth()
      .Ipv4("10.0.0.1", "10.0.0.2")
      .Udp(1000, 2000)
      .Payload(payload)
      .Build();
}
Bytes V6Udp(size_t payload = 16) {
  return PacketBuilder()
      .Eth()
      .Ipv6("2001:db8::1", "2001:db8::2")
      .Udp(1000, 2000)
      .Payload(payload)
      .Build();
}
constexpr size_t kL3 = 14;  // Offset of L3 in an untagged frame.

void Set16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}

struct MalformedCase {
  std::string name;
  std::function<Bytes()> make;
  DropReason reason;
};

std::vector<MalformedCase> MalformedCases() {
  return {
      {"eth_13_bytes", [] { return Bytes(13, 0); }, DropReason::kEthTruncated},
      {"vlan_tag_cut",
       [] {
         Bytes b = PacketBuilder().Eth().Vlan(5).Ipv6("::1", "::2").Build();
         b.resize(16);
         return b;
       },
       DropReason::kVlanTruncated},
      {"ipv4_19_bytes",
       [] {
         Bytes b = V4Udp();
         b.resize(kL3 + 19);
         return b;
       },
       DropReason::kIpv4Truncated},
      {"ipv4_version_5",
       [] {
         Bytes b = V4Udp();
         b[kL3] = 0x55;
         return b;
       },
       DropReason::kIpv4BadVersion},
      {"ipv4_version_6_in_ipv4_frame",
       [] {
         Bytes b = V6Udp();
         b[12] = 0x08;
         b[13] = 0x00;
         return b;
       },
       DropReason::kIpv4BadVersion},
      {"ipv4_ihl_4",
       [] {
         Bytes b = V4Udp();
         b[kL3] = 0x44;
         return b;
       },
       DropReason::kIpv4BadIhl},
      {"ipv4_ihl_beyond_total_length",
       [] {
         Bytes b = V4Udp(60);
         b[kL3] = 0x4f;          // 60-byte header...
         Set16(b, kL3 + 2, 40);  // ...in a 40-byte datagram.
         return b;
       },
       DropReason::kIpv4BadIhl},
      {"ipv4_total_length_beyond_frame",
       [] {
         Bytes b = V4Udp();
         Set16(b, kL3 + 2, 1000);
         return b;
       },
       DropReason::kIpv4BadTotalLength},
      {"ipv4_total_length_below_20",
       [] {
         Bytes b = V4Udp();
         Set16(b, kL3 + 2, 19);
         return b;
       },
       DropReason::kIpv4BadTotalLength},
      {"ipv4_bad_checksum",
       [] {
         Bytes b = V4Udp();
         b[kL3 + 10] ^= 0x01;
         return b;
       },
       DropReason::kIpv4BadChecksum},
      {"ipv6_39_bytes",
       [] {
         Bytes b = V6Udp();
         b.resize(kL3 + 39);
         return b;
       },
       DropReason::kIpv6Truncated},
      {"ipv6_version_4",
       [] {
         Bytes b = V6Udp();
         b[kL3] = 0x40;
         return b;
       },
       DropReason::kIpv6BadVersion},
      {"ipv6_payload_length_beyond_frame",
       [] {
         Bytes b = V6Udp();
         Set16(b, kL3 + 4, 25);
         return b;
       },
       DropReason::kIpv6BadPayloadLength},
      {"ipv6_ext_header_beyond_payload",
       [] {
         Bytes b = PacketBuilder().Eth().Ipv6("::1", "::2").HopByHop(0).Udp(1, 2).Build();
         b[kL3 + 40 + 1] = 3;  // HBH claims 32 bytes; only 16 follow.
         return b;
       },
       DropReason::kIpv6ExtTruncated},
      {"ipv6_ext_header_cut_below_8_bytes",
       [] {
         Bytes b = PacketBuilder().Eth().Ipv6("::1", "::2").DestOpts(0).Build();
         b.resize(kL3 + 44);
         Set16(b, kL3 + 4, 4);  // Payload is 4 bytes of a destination options header.
         return b;
       },
       DropReason::kIpv6ExtTruncated},
      {"ipv6_payload_length_zero_with_ext_header",
       [] {
         Bytes b = PacketBuilder().Eth().Ipv6("::1", "::2").HopByHop(0).Udp(1, 2).Build();
         Set16(b, kL3 + 4, 0);  // A jumbogram claim: not supported, the chain is "outside".
         return b;
       },
       DropReason::kIpv6ExtTruncated},
      {"ipv6_nine_extension_headers",
       [] {
         PacketBuilder p;
         p.Eth().Ipv6("::1", "::2");
         for (int i = 0; i < 9; ++i) p.DestOpts(0);
         return p.Udp(1, 2).Build();
       },
       DropReason::kIpv6ExtChainTooLong},
      {"ipv6_hop_by_hop_second",
       [] {
         return PacketBuilder().Eth().Ipv6("::1", "::2").DestOpts(0).HopByHop(0).Udp(1, 2).Build();
       },
       DropReason::kIpv6HopByHopNotFirst},
      {"ipv6_two_routing_headers",
       [] {
         return PacketBuilder()
             .Eth()
             .Ipv6("::1", "fc00::1")
             .Srh({"fc00::2", "fc00::1"}, 1)
             .Srh({"fc00::2", "fc00::1"}, 1)
             .Udp(1, 2)
             .Build();
       },
       DropReason::kIpv6DuplicateExtHeader},
      {"ipv6_two_fragment_headers",
       [] {
         return PacketBuilder()
             .Eth()
             .Ipv6("::1", "::2")
             .Fragment(0, true)
             .Fragment(0, true)
             .Udp(1, 2)
             .Build();
       },
       DropReason::kIpv6DuplicateExtHeader},
      {"srh_last_entry_beyond_header",
       [] {
         // One segment (Hdr Ext Len 2, max_LE 0) but Last Entry 1.
         return PacketBuilder()
             .Eth()
             .Ipv6("::1", "fc00::1")
             .Srh({"fc00::1"}, 0, 1)
             .Udp(1, 2)
             .Build();
       },
       DropReason::kSrhBadLength},
      {"srh_without_segments",
       [] {
         Bytes b = PacketBuilder().Eth().Ipv6("::1", "fc00::1").Srh({}, 0, 0).Udp(1, 2).Build();
         return b;  // Hdr Ext Len 0: not even one segment.
       },
       DropReason::kSrhBadLength},
      {"srh_segments_left_beyond_last_entry_plus_one",
       [] {
         return PacketBuilder()
             .Eth()
             .Ipv6("::1", "fc00::1")
             .Srh({"fc00::2", "fc00::1"}, 3)
             .Udp(1, 2)
             .Build();
       },
       DropReason::kSrhBadSegmentsLeft},
      {"tcp_10_bytes",
       [] { return PacketBuilder().Eth().Ipv6("::1", "::2").Raw(Bytes(10, 0), 6).Build(); },
       DropReason::kTcpTruncated},
      {"tcp_data_offset_4",
       [] {
         Bytes b = PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").Tcp(1, 2).Build();
         b[kL3 + 20 + 12] = 4 << 4;
         return b;
       },
       DropReason::kTcpTruncated},
      {"tcp_options_beyond_packet",
       [] {
         Bytes b = PacketBuilder().Eth().Ipv6("::1", "::2").Tcp(1, 2).Build();
         b[kL3 + 40 + 12] = 15 << 4;  // 60-byte header in a 20-byte segment.
         return b;
       },
       DropReason::kTcpTruncated},
      {"udp_4_bytes",
       [] {
         return PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").Raw(Bytes(4, 0), 17).Build();
       },
       DropReason::kUdpTruncated},
      {"udp_length_7",
       [] {
         Bytes b = V6Udp();
         Set16(b, kL3 + 40 + 4, 7);
         return b;
       },
       DropReason::kUdpBadLength},
      {"udp_length_beyond_ip_payload",
       [] {
         Bytes b = V4Udp();
         Set16(b, kL3 + 20 + 4, 200);
         return b;
       },
       DropReason::kUdpBadLength},
      {"icmp_4_bytes",
       [] {
         return PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").Raw(Bytes(4, 0), 1).Build();
       },
       DropReason::kIcmpTruncated},
      {"icmpv6_3_bytes",
       [] { return PacketBuilder().Eth().Ipv6("::1", "::2").Raw(Bytes(3, 0), 58).Build(); },
       DropReason::kIcmpTruncated},
  };
}

class DpParseMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(DpParseMalformed, DroppedWithReason) {
  const ParseOutcome o = Parse(GetParam().make());
  EXPECT_FALSE(o.edge.has_value());
  EXPECT_EQ(testing::ReasonName(o.drop), DropReasonName(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(All, DpParseMalformed, ::testing::ValuesIn(MalformedCases()),
                         [](const auto& info) { return info.param.name; });

TEST(DpParse, Ipv6UdpMetadataAndL2Stripped) {
  const Bytes in =
      PacketBuilder().Eth().Ipv6("2001:db8::1", "2001:db8::2").Udp(1000, 2000).Payload(16).Build();
  const ParseOutcome o = Parse(in);
  ASSERT_EQ(o.edge, ParseEdge::kIpv6) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, Bytes(in.begin() + 14, in.end()));
  EXPECT_EQ(o.meta.l3_type, L3Type::kIpv6);
  EXPECT_EQ(o.meta.l2_len, 14);
  EXPECT_EQ(o.meta.l3_len, 40 + 8 + 16);
  EXPECT_EQ(o.meta.l4_offset, 40);
  EXPECT_EQ(o.meta.l4_proto, 17);
  EXPECT_EQ(o.meta.flags, kMetaPorts);
  EXPECT_EQ(0, std::memcmp(o.meta.flow.src, Ip6("2001:db8::1").data(), 16));
  EXPECT_EQ(0, std::memcmp(o.meta.flow.dst, Ip6("2001:db8::2").data(), 16));
  EXPECT_EQ(o.meta.flow.src_port, 1000);
  EXPECT_EQ(o.meta.flow.dst_port, 2000);
  EXPECT_EQ(o.meta.flow.protocol, 17);
  EXPECT_EQ(o.meta.flow.is_ipv4, 0);
  EXPECT_EQ(o.meta.flow_hash, FlowHash(o.meta.flow));
  EXPECT_EQ(o.meta.encap_policy, nullptr);
}

TEST(DpParse, VlanIpv4TcpIsV4MappedAndPaddingTrimmed) {
  const Bytes in = PacketBuilder()
                       .Eth()
                       .Vlan(0x2064)
                       .Ipv4("192.0.2.1", "198.51.100.7")
                       .Tcp(40000, 443)
                       .Build(/*min_size=*/64);
  const ParseOutcome o = Parse(in);
  ASSERT_EQ(o.edge, ParseEdge::kIpv4) << testing::ReasonName(o.drop);
  // 18 bytes of L2 gone, and the Ethernet padding behind the 40-byte datagram.
  EXPECT_EQ(o.bytes, Bytes(in.begin() + 18, in.begin() + 18 + 40));
  EXPECT_EQ(o.meta.l2_len, 18);
  EXPECT_EQ(o.meta.vlan_tci, 0x2064);
  EXPECT_EQ(o.meta.flags, kMetaVlan | kMetaPorts);
  EXPECT_EQ(o.meta.l3_len, 40);
  EXPECT_EQ(o.meta.l4_offset, 20);
  const uint8_t src[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  const uint8_t dst[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7};
  EXPECT_EQ(0, std::memcmp(o.meta.flow.src, src, 16));
  EXPECT_EQ(0, std::memcmp(o.meta.flow.dst, dst, 16));
  EXPECT_EQ(o.meta.flow.is_ipv4, 1);
  EXPECT_EQ(o.meta.flow.protocol, 6);
  EXPECT_EQ(o.meta.flow.src_port, 40000);
  EXPECT_EQ(o.meta.flow.dst_port, 443);
  // Parse hashes the key from registers; it must equal the hash of the key
  // it stored (the affinity table looks keys up with this hash), padding
  // included.
  EXPECT_EQ(o.meta.flow.pad[0], 0);
  EXPECT_EQ(o.meta.flow.pad[1], 0);
  EXPECT_EQ(o.meta.flow_hash, FlowHash(o.meta.flow));
}

TEST(DpParse, Ipv4OptionsAndIcmp) {
  testing::Ipv4Opts opts;
  opts.options = {1, 1, 1, 0};  // NOP NOP NOP EOL.
  const ParseOutcome o =
      Parse(PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2", opts).IcmpEcho(1, 2).Build());
  ASSERT_EQ(o.edge, ParseEdge::kIpv4) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.meta.l4_offset, 24);
  EXPECT_EQ(o.meta.l4_proto, 1);
  EXPECT_EQ(o.meta.flags & kMetaPorts, 0);
}

TEST(DpParse, ExtensionChainWithSrhRecordsOffsets) {
  const Bytes in = PacketBuilder()
                       .Eth()
                       .Ipv6("2001:db8::1", "fc00::1")
                       .HopByHop(0)
                       .Srh({"fc00::3", "fc00::2", "fc00::1"}, 2)
                       .DestOpts(1)
                       .Udp(53, 53)
                       .Payload(4)
                       .Build();
  const ParseOutcome o = Parse(in);
  ASSERT_EQ(o.edge, ParseEdge::kIpv6) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.meta.flags, kMetaSrh | kMetaPorts);
  EXPECT_EQ(o.meta.srh_offset, 48);     // After IPv6 (40) + HBH (8).
  EXPECT_EQ(o.meta.srh_nh_offset, 40);  // The HBH's next header byte names it.
  EXPECT_EQ(o.meta.l4_offset, 48 + 56 + 16);
  EXPECT_EQ(o.meta.l4_proto, 17);
  EXPECT_EQ(o.meta.flow.dst_port, 53);
}

TEST(DpParse, SrhWithTlvAndReducedSegmentsLeftAccepted) {
  // Hdr Ext Len 3 (one SID + 8 bytes of TLV) is odd and valid; SL = LE + 1
  // is what H.Encaps.Red produces.
  const ParseOutcome o = Parse(
      PacketBuilder().Eth().Ipv6("::1", "fc00::1").Srh({"fc00::2"}, 1, -1, 0, 8).Udp(1, 2).Build());
  ASSERT_EQ(o.edge, ParseEdge::kIpv6) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.meta.srh_offset, 40);
  EXPECT_EQ(o.meta.srh_nh_offset, 6);
  EXPECT_EQ(o.meta.l4_offset, 40 + 32);
}

TEST(DpParse, EightExtensionHeadersIsTheLimit) {
  PacketBuilder p;
  p.Eth().Ipv6("::1", "::2");
  for (int i = 0; i < 8; ++i) p.DestOpts(0);
  const ParseOutcome o = Parse(p.Udp(1, 2).Build());
  EXPECT_EQ(o.edge, ParseEdge::kIpv6) << testing::ReasonName(o.drop);
  ParseConfig tight;
  tight.max_ipv6_ext_headers = 7;
  EXPECT_EQ(Parse(p.Build(), tight).drop, DropReason::kIpv6ExtChainTooLong);
}

TEST(DpParse, SrTunnelPayloadIsNotParsed) {
  const Bytes inner = PacketBuilder().Ipv6("2001:db8::1", "2001:db8::2").Udp(1, 2).Build();
  const ParseOutcome o = Parse(PacketBuilder()
                                   .Eth()
                                   .Ipv6("fc00::a", "fc00::1")
                                   .Srh({"fc00::2", "fc00::1"}, 1)
                                   .Raw(inner, 41)
                                   .Build());
  ASSERT_EQ(o.edge, ParseEdge::kIpv6);
  EXPECT_EQ(o.meta.l4_proto, 41);
  EXPECT_EQ(o.meta.l4_offset, 40 + 40);
  EXPECT_EQ(o.meta.flow.protocol, 41);
  EXPECT_EQ(o.meta.flow.src_port, 0);
}

TEST(DpParse, FragmentsGetNoPorts) {
  // First fragment: L4 header present but ports are left out so that it
  // hashes like the later fragments.
  ParseOutcome first = Parse(
      PacketBuilder().Eth().Ipv6("::1", "::2").Fragment(0, true).Udp(1, 2).Payload(8).Build());
  ASSERT_EQ(first.edge, ParseEdge::kIpv6);
  EXPECT_EQ(first.meta.flags, kMetaFragment);
  EXPECT_EQ(first.meta.flow.src_port, 0);
  EXPECT_EQ(first.meta.flow.protocol, 17);
  // Later fragment: what follows is payload, even if it looks like garbage.
  ParseOutcome later = Parse(
      PacketBuilder().Eth().Ipv6("::1", "::2").Fragment(2, false).Raw(Bytes(3, 0xee), 17).Build());
  ASSERT_EQ(later.edge, ParseEdge::kIpv6) << testing::ReasonName(later.drop);
  EXPECT_EQ(later.meta.flags, kMetaFragment);
  EXPECT_EQ(later.meta.flow_hash, first.meta.flow_hash);
  EXPECT_EQ(first.meta.flow_hash, FlowHash(first.meta.flow));
  // IPv4: MF set, and a later fragment with 3 bytes of "UDP".
  testing::Ipv4Opts mf;
  mf.frag = 0x2000;
  ParseOutcome v4 = Parse(PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2", mf).Udp(1, 2).Build());
  ASSERT_EQ(v4.edge, ParseEdge::kIpv4);
  EXPECT_EQ(v4.meta.flags, kMetaFragment);
  testing::Ipv4Opts off;
  off.frag = 3;
  ParseOutcome v4b =
      Parse(PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2", off).Raw(Bytes(3, 0), 17).Build());
  EXPECT_EQ(v4b.edge, ParseEdge::kIpv4) << testing::ReasonName(v4b.drop);
  EXPECT_EQ(v4b.meta.flow_hash, v4.meta.flow_hash);
  EXPECT_EQ(v4.meta.flow_hash, FlowHash(v4.meta.flow));
}

TEST(DpParse, AtomicFragmentIsAWholePacket) {
  const ParseOutcome o =
      Parse(PacketBuilder().Eth().Ipv6("::1", "::2").Fragment(0, false).Udp(7, 9).Build());
  ASSERT_EQ(o.edge, ParseEdge::kIpv6);
  EXPECT_EQ(o.meta.flags, kMetaPorts);
  EXPECT_EQ(o.meta.flow.dst_port, 9);
}

TEST(DpParse, NonIpGoesToOtherUntouched) {
  Bytes arp = PacketBuilder().Eth("ff:ff:ff:ff:ff:ff").Payload(28).Build(60);
  arp[12] = 0x08;
  arp[13] = 0x06;
  const ParseOutcome o = Parse(arp);
  ASSERT_EQ(o.edge, ParseEdge::kOther);
  EXPECT_EQ(o.bytes, arp);
  EXPECT_EQ(o.meta.l3_type, L3Type::kNone);
}

TEST(DpParse, ChecksumVerificationHonoursConfigAndNicVerdict) {
  Bytes bad = V4Udp();
  bad[kL3 + 10] ^= 0xff;
  ParseConfig off;
  off.verify_ipv4_checksum = false;
  EXPECT_EQ(Parse(bad, off).edge, ParseEdge::kIpv4);
  EXPECT_EQ(Parse(bad, {}, RTE_MBUF_F_RX_IP_CKSUM_GOOD).edge, ParseEdge::kIpv4);
  EXPECT_EQ(Parse(V4Udp(), {}, RTE_MBUF_F_RX_IP_CKSUM_BAD).drop, DropReason::kIpv4BadChecksum);
}

TEST(DpParse, PoolWithoutPrivateAreaIsRefused) {
  rte_mbuf* m = testing::ToMbuf(V6Udp(), cpn::testing::TestPktPool());
  ASSERT_NE(m, nullptr);
  const ParseStage stage;
  const auto o = testing::RunStage<ParseEdge>(
      {m}, [&](rte_mbuf** p, uint16_t n, auto& out, auto& d) { stage.ProcessBurst(p, n, out, d); });
  EXPECT_EQ(o[0].drop, DropReason::kNoMetadataRoom);
}

TEST(DpParse, HeadersSplitAcrossSegments) {
  const Bytes in = V6Udp();
  rte_mbuf* head = testing::ToMbuf(Bytes(in.begin(), in.begin() + 30));
  rte_mbuf* tail = testing::ToMbuf(Bytes(in.begin() + 30, in.end()));
  ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
  const ParseStage stage;
  const auto o = testing::RunStage<ParseEdge>(
      {head},
      [&](rte_mbuf** p, uint16_t n, auto& out, auto& d) { stage.ProcessBurst(p, n, out, d); });
  EXPECT_EQ(o[0].drop, DropReason::kHeadersNotContiguous);
}

TEST(DpParse, PayloadInSecondSegmentIsFine) {
  const Bytes in = V6Udp(1000);
  rte_mbuf* head = testing::ToMbuf(Bytes(in.begin(), in.begin() + 100));
  rte_mbuf* tail = testing::ToMbuf(Bytes(in.begin() + 100, in.end()));
  ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
  const ParseStage stage;
  const auto o = testing::RunStage<ParseEdge>(
      {head},
      [&](rte_mbuf** p, uint16_t n, auto& out, auto& d) { stage.ProcessBurst(p, n, out, d); });
  ASSERT_EQ(o[0].edge, ParseEdge::kIpv6);
  EXPECT_EQ(o[0].bytes, Bytes(in.begin() + 14, in.end()));
}

TEST(DpParse, MixedBurstKeepsOrderPerEdge) {
  // 40 packets: more than the prefetch distance, every edge and drops mixed.
  std::vector<rte_mbuf*> mbufs;
  std::vector<int> expect;  // 0 v4, 1 v6, 2 other, 3 drop
  for (int i = 0; i < 40; ++i) {
    Bytes b;
    switch (i % 4) {
      case 0:
        b = PacketBuilder()
                .Eth()
                .Ipv4("10.0.0.1", "10.0.0.2")
                .Udp(static_cast<uint16_t>(i), 1)
                .Build();
        break;
      case 1:
        b = PacketBuilder().Eth().Ipv6("::1", "::2").Udp(static_cast<uint16_t>(i), 1).Build();
        break;
      case 2:
        b = PacketBuilder().Eth().Payload(50).Build();
        break;
      case 3:
        b = Bytes(10, 0);
        break;
    }
    mbufs.push_back(testing::ToMbuf(b));
    expect.push_back(i % 4);
  }
  EdgeBuffers<ParseEdge> out;
  DropCounters drops;
  ParseStage().ProcessBurst(mbufs.data(), static_cast<uint16_t>(mbufs.size()), out, drops);
  EXPECT_EQ(out[ParseEdge::kIpv4].n, 10);
  EXPECT_EQ(out[ParseEdge::kIpv6].n, 10);
  EXPECT_EQ(out[ParseEdge::kOther].n, 10);
  EXPECT_EQ(drops[DropReason::kEthTruncated], 10u);
  EXPECT_EQ(drops.Total(), 10u);
  for (uint16_t k = 0; k < 10; ++k) {
    EXPECT_EQ(out[ParseEdge::kIpv4].pkts[k], mbufs[4 * k]);
    EXPECT_EQ(out[ParseEdge::kIpv6].pkts[k], mbufs[4 * k + 1]);
    EXPECT_EQ(Meta(out[ParseEdge::kIpv6].pkts[k])->flow.src_port, 4 * k + 1);
  }
  out.FreeAll();
}

// The common frames' short path (ParseCommonIpv6) must describe every frame
// exactly as the full parser does, or leave it to it: same verdict, drop
// reason, bytes and metadata, for the frames it takes (TCP, UDP, SRH with an
// inner packet), those it must refuse (malformed cases, VLAN, padding,
// other extension headers), and random corruptions of all of them.
TEST(DpParse, CommonFramePathAgreesWithTheFullParser) {
  std::vector<Bytes> frames;
  for (const MalformedCase& c : MalformedCases()) frames.push_back(c.make());
  const Bytes inner6 = PacketBuilder().Ipv6("2001:db8::9", "2001:db8::a").Udp(7, 8).Build();
  const Bytes inner4 = PacketBuilder().Ipv4("10.0.0.9", "10.0.0.10").Udp(7, 8).Build();
  for (size_t payload : {0, 1, 2, 16, 200}) frames.push_back(V6Udp(payload));
  frames.push_back(PacketBuilder().Eth().Ipv6("2001:db8::1", "2001:db8::2").Tcp(1, 2).Build());
  frames.push_back(
      PacketBuilder().Eth().Ipv6("2001:db8::1", "fc00::1").Srh({"fc00::2", "fc00::1"}, 1).Raw(
          inner6, 41).Build());
  frames.push_back(
      PacketBuilder().Eth().Ipv6("2001:db8::1", "fc00::1").Srh({"fc00::2", "fc00::1"}, 0).Raw(
          inner4, 4).Build());
  frames.push_back(PacketBuilder()
                       .Eth()
                       .Ipv6("2001:db8::1", "fc00::1")
                       .Srh({"fc00::3", "fc00::2", "fc00::1"}, 2)
                       .Udp(5, 6)
                       .Build());  // SRH then UDP: the full parser's.
  frames.push_back(PacketBuilder().Eth().Vlan(7).Ipv6("2001:db8::1", "::2").Udp(1, 2).Build());
  frames.push_back(PacketBuilder().Eth().Ipv6("2001:db8::1", "::2").HopByHop(0).Udp(1, 2).Build());
  frames.push_back(V4Udp());
  Bytes padded = V6Udp(0);
  padded.resize(padded.size() + 6, 0);
  frames.push_back(padded);

  ParseConfig full;
  full.common_frame_fast_path = false;
  auto same = [&](const Bytes& frame, const std::string& what) {
    const ParseOutcome a = Parse(frame);
    const ParseOutcome b = Parse(frame, full);
    ASSERT_EQ(a.edge, b.edge) << what;
    ASSERT_EQ(testing::ReasonName(a.drop), testing::ReasonName(b.drop)) << what;
    ASSERT_EQ(a.bytes, b.bytes) << what;
    if (a.edge.has_value()) {
      // Every field parse writes (the rest of the struct is later stages').
      ASSERT_EQ(a.meta.flow, b.meta.flow) << what;
      ASSERT_EQ(a.meta.flow_hash, b.meta.flow_hash) << what;
      ASSERT_EQ(a.meta.l3_len, b.meta.l3_len) << what;
      ASSERT_EQ(a.meta.l4_offset, b.meta.l4_offset) << what;
      ASSERT_EQ(a.meta.srh_offset, b.meta.srh_offset) << what;
      ASSERT_EQ(a.meta.srh_nh_offset, b.meta.srh_nh_offset) << what;
      ASSERT_EQ(a.meta.vlan_tci, b.meta.vlan_tci) << what;
      ASSERT_EQ(a.meta.in_port, b.meta.in_port) << what;
      ASSERT_EQ(a.meta.l3_type, b.meta.l3_type) << what;
      ASSERT_EQ(a.meta.l4_proto, b.meta.l4_proto) << what;
      ASSERT_EQ(a.meta.l2_len, b.meta.l2_len) << what;
      ASSERT_EQ(a.meta.flags, b.meta.flags) << what;
    }
  };
  uint64_t rng = 0x2545f4914f6cdd1dull;
  for (size_t f = 0; f < frames.size(); ++f) {
    same(frames[f], "frame " + std::to_string(f));
    // Corrupt one to three bytes among the first 120 (the headers).
    for (int round = 0; round < 300; ++round) {
      Bytes b = frames[f];
      if (b.empty()) break;
      const int flips = 1 + static_cast<int>(rng % 3);
      for (int k = 0; k < flips; ++k) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        b[(rng >> 8) % std::min<size_t>(b.size(), 120)] = static_cast<uint8_t>(rng >> 40);
      }
      same(b, "frame " + std::to_string(f) + " corrupted, round " + std::to_string(round));
    }
  }
}

TEST(DpParse, DropReasonNamesAreUniqueAndKnown) {
  std::set<std::string> names;
  for (size_t r = 0; r < kDropReasonCount; ++r) {
    const std::string name(DropReasonName(static_cast<DropReason>(r)));
    EXPECT_NE(name, "unknown") << r;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

}  // namespace
}  // namespace cpn::dataplane
