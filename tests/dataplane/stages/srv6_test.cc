// Local SID behaviours (RFC 8986 section 4) byte for byte, with their edges
// and drop reasons, and a whole SR path: encap -> End -> End -> decap.
#include "dataplane/stages/srv6.h"

#include <string>
#include <vector>

#include "dataplane/stages/encap.h"
#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/srv6_test_util.h"
#include "tests/dataplane/stages/stage_harness.h"

namespace cpn::dataplane {
namespace {

using testing::Bytes;
using testing::PacketBuilder;
using Srv6Outcome = testing::Outcome<Srv6Edge>;

LocalSidAction Action(Srv6Behaviour b, uint8_t flavours = 0, uint32_t nh = 7, uint32_t table = 3) {
  LocalSidAction a;
  a.behaviour = b;
  a.flavours = flavours;
  a.next_hop = nh;
  a.table_id = table;
  return a;
}

Srv6Outcome RunSid(const Bytes& frame, const LocalSidAction* action) {
  rte_mbuf* m = testing::Parsed(frame);
  EXPECT_NE(m, nullptr) << "test packet did not parse";
  if (m == nullptr) return {};
  Meta(m)->local_sid = action;
  const Srv6LocalSidStage stage;
  return testing::RunStage<Srv6Edge>({m}, [&](rte_mbuf** p, uint16_t n, auto& out, auto& d) {
    stage.ProcessBurst(p, n, out, d);
  })[0];
}

Bytes L3(const Bytes& frame) { return Bytes(frame.begin() + 14, frame.end()); }

Bytes InnerV6() {
  return PacketBuilder().Ipv6("2001:db8:a::1", "2001:db8:b::2").Udp(1234, 80).Payload(20).Build();
}
Bytes InnerV4() {
  return PacketBuilder().Ipv4("192.0.2.1", "198.51.100.2").Udp(1234, 80).Payload(20).Build();
}

// Outer packet: SRH [S3, S2, S1] (wire order) at the node of `dst`.
Bytes SrFrame(const char* dst, uint8_t sl, uint8_t hop_limit = 64, const Bytes& inner = InnerV6(),
              uint8_t proto = 41) {
  testing::Ipv6Opts o;
  o.hop_limit = hop_limit;
  return PacketBuilder()
      .Eth()
      .Ipv6("2001:db8:ff::1", dst, o)
      .Srh({"fc00:3::d6", "fc00:2::e", "fc00:1::e"}, sl)
      .Raw(inner, proto)
      .Build();
}

TEST(DpSrv6, EndAdvancesToNextSegment) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd);
  const Srv6Outcome o = RunSid(SrFrame("fc00:1::e", 2), &a);
  ASSERT_EQ(o.edge, Srv6Edge::kIpv6Lookup) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, L3(SrFrame("fc00:2::e", 1, 63)));
  EXPECT_EQ(o.meta.fib_table, 3u);
  EXPECT_NE(o.meta.flags & kMetaHopLimitDone, 0);
  EXPECT_NE(o.meta.flags & kMetaSrh, 0);
}

TEST(DpSrv6, EndToLastSegment) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd);
  const Srv6Outcome o = RunSid(SrFrame("fc00:2::e", 1), &a);
  ASSERT_EQ(o.edge, Srv6Edge::kIpv6Lookup) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, L3(SrFrame("fc00:3::d6", 0, 63)));
}

TEST(DpSrv6, EndWithSegmentsLeftZeroIsDropped) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd);
  EXPECT_EQ(RunSid(SrFrame("fc00:3::d6", 0), &a).drop, DropReason::kSrv6SegmentsLeftZero);
}

TEST(DpSrv6, EndWithoutSrhIsDropped) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd);
  const Bytes f = PacketBuilder().Eth().Ipv6("2001:db8::1", "fc00:1::e").Raw(InnerV6(), 41).Build();
  EXPECT_EQ(RunSid(f, &a).drop, DropReason::kSrv6NoSrh);
}

TEST(DpSrv6, HopLimitEdges) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd);
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2, 1), &a).drop, DropReason::kHopLimitExceeded);
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2, 0), &a).drop, DropReason::kHopLimitExceeded);
  const Srv6Outcome two = RunSid(SrFrame("fc00:1::e", 2, 2), &a);
  ASSERT_EQ(two.edge, Srv6Edge::kIpv6Lookup);
  EXPECT_EQ(two.bytes, L3(SrFrame("fc00:2::e", 1, 1)));
  const LocalSidAction x = Action(Srv6Behaviour::kEndX);
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2, 1), &x).drop, DropReason::kHopLimitExceeded);
}

TEST(DpSrv6, EndXForwardsToItsAdjacency) {
  const LocalSidAction a = Action(Srv6Behaviour::kEndX, 0, 42);
  const Srv6Outcome o = RunSid(SrFrame("fc00:1::e", 2), &a);
  ASSERT_EQ(o.edge, Srv6Edge::kAdjacency) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.meta.next_hop, 42u);
  EXPECT_EQ(o.bytes, L3(SrFrame("fc00:2::e", 1, 63)));
  EXPECT_EQ(RunSid(SrFrame("fc00:3::d6", 0), &a).drop, DropReason::kSrv6SegmentsLeftZero);
}

TEST(DpSrv6, EndPspPopsTheSrhAtThePenultimateSegment) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd, kFlavourPsp);
  const Srv6Outcome o = RunSid(SrFrame("fc00:2::e", 1), &a);
  ASSERT_EQ(o.edge, Srv6Edge::kIpv6Lookup) << testing::ReasonName(o.drop);
  testing::Ipv6Opts h;
  h.hop_limit = 63;
  const Bytes want =
      PacketBuilder().Ipv6("2001:db8:ff::1", "fc00:3::d6", h).Raw(InnerV6(), 41).Build();
  EXPECT_EQ(o.bytes, want) << testing::Hex(o.bytes);
  EXPECT_EQ(o.meta.flags & kMetaSrh, 0);
  EXPECT_EQ(o.meta.l4_offset, 40);
  EXPECT_EQ(o.meta.l3_len, want.size());
  // Not the penultimate segment: PSP does nothing yet.
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2), &a).bytes, L3(SrFrame("fc00:2::e", 1, 63)));
}

TEST(DpSrv6, PspBehindHopByHopRewritesTheHopByHopNextHeader) {
  const LocalSidAction a = Action(Srv6Behaviour::kEndX, kFlavourPsp);
  const Bytes in = PacketBuilder()
                       .Eth()
                       .Ipv6("2001:db8::1", "fc00:2::e")
                       .HopByHop(0)
                       .Srh({"fc00:3::d6", "fc00:2::e"}, 1)
                       .Raw(InnerV4(), 4)
                       .Build();
  const Srv6Outcome o = RunSid(in, &a);
  ASSERT_EQ(o.edge, Srv6Edge::kAdjacency) << testing::ReasonName(o.drop);
  testing::Ipv6Opts h;
  h.hop_limit = 63;
  EXPECT_EQ(
      o.bytes,
      PacketBuilder().Ipv6("2001:db8::1", "fc00:3::d6", h).HopByHop(0).Raw(InnerV4(), 4).Build());
}

TEST(DpSrv6, EndUsdDecapsulatesAtTheLastSegment) {
  const LocalSidAction a = Action(Srv6Behaviour::kEnd, kFlavourUsd, 0, 9);
  const Srv6Outcome v6 = RunSid(SrFrame("fc00:3::d6", 0), &a);
  ASSERT_EQ(v6.edge, Srv6Edge::kIpv6Lookup) << testing::ReasonName(v6.drop);
  EXPECT_EQ(v6.bytes, InnerV6());
  EXPECT_EQ(v6.meta.fib_table, 9u);
  const Srv6Outcome v4 = RunSid(SrFrame("fc00:3::d6", 0, 64, InnerV4(), 4), &a);
  ASSERT_EQ(v4.edge, Srv6Edge::kIpv4Lookup) << testing::ReasonName(v4.drop);
  EXPECT_EQ(v4.bytes, InnerV4());
  EXPECT_EQ(v4.meta.l3_type, L3Type::kIpv4);
  // Still a normal End while segments are left.
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2), &a).edge, Srv6Edge::kIpv6Lookup);
}

TEST(DpSrv6, EndDx6DecapsulatesToTheAdjacency) {
  const LocalSidAction a = Action(Srv6Behaviour::kEndDx6, 0, 11);
  const Srv6Outcome o = RunSid(SrFrame("fc00:3::d6", 0), &a);
  ASSERT_EQ(o.edge, Srv6Edge::kAdjacency) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, InnerV6());
  EXPECT_EQ(o.meta.next_hop, 11u);
  EXPECT_EQ(o.meta.l3_type, L3Type::kIpv6);
  EXPECT_EQ(o.meta.l3_len, InnerV6().size());
  EXPECT_EQ(o.meta.flags & (kMetaSrh | kMetaHopLimitDone), 0);
}

TEST(DpSrv6, DecapWithoutSrhAfterReducedEncapsulation) {
  // H.Encaps.Red with one SID: no SRH, the SID is the DA.
  const Bytes f =
      PacketBuilder().Eth().Ipv6("2001:db8:ff::1", "fc00:3::d6").Raw(InnerV6(), 41).Build();
  const LocalSidAction dx6 = Action(Srv6Behaviour::kEndDx6);
  const Srv6Outcome o = RunSid(f, &dx6);
  ASSERT_EQ(o.edge, Srv6Edge::kAdjacency) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, InnerV6());
  const LocalSidAction dt6 = Action(Srv6Behaviour::kEndDt6, 0, 0, 5);
  const Srv6Outcome t = RunSid(f, &dt6);
  ASSERT_EQ(t.edge, Srv6Edge::kIpv6Lookup);
  EXPECT_EQ(t.bytes, InnerV6());
  EXPECT_EQ(t.meta.fib_table, 5u);
  const Bytes f4 =
      PacketBuilder().Eth().Ipv6("2001:db8:ff::1", "fc00:3::d4").Raw(InnerV4(), 4).Build();
  const LocalSidAction dx4 = Action(Srv6Behaviour::kEndDx4, 0, 12);
  const Srv6Outcome o4 = RunSid(f4, &dx4);
  ASSERT_EQ(o4.edge, Srv6Edge::kAdjacency) << testing::ReasonName(o4.drop);
  EXPECT_EQ(o4.bytes, InnerV4());
  EXPECT_EQ(o4.meta.next_hop, 12u);
  EXPECT_EQ(o4.meta.l3_type, L3Type::kIpv4);
}

TEST(DpSrv6, DecapRemovesEveryExtensionHeader) {
  const Bytes f = PacketBuilder()
                      .Eth()
                      .Ipv6("2001:db8:ff::1", "fc00:3::d6")
                      .HopByHop(0)
                      .Srh({"fc00:3::d6", "fc00:2::e"}, 0)
                      .DestOpts(1)
                      .Raw(InnerV6(), 41)
                      .Build();
  const LocalSidAction a = Action(Srv6Behaviour::kEndDt6);
  const Srv6Outcome o = RunSid(f, &a);
  ASSERT_EQ(o.edge, Srv6Edge::kIpv6Lookup) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, InnerV6());
}

TEST(DpSrv6, EndDx4) {
  const LocalSidAction a = Action(Srv6Behaviour::kEndDx4, 0, 13);
  const Srv6Outcome o = RunSid(SrFrame("fc00:3::d6", 0, 64, InnerV4(), 4), &a);
  ASSERT_EQ(o.edge, Srv6Edge::kAdjacency) << testing::ReasonName(o.drop);
  EXPECT_EQ(o.bytes, InnerV4());
}

TEST(DpSrv6, DecapBehaviourDrops) {
  const LocalSidAction dx6 = Action(Srv6Behaviour::kEndDx6);
  const LocalSidAction dx4 = Action(Srv6Behaviour::kEndDx4);
  const LocalSidAction dt6 = Action(Srv6Behaviour::kEndDt6);
  EXPECT_EQ(RunSid(SrFrame("fc00:2::e", 1), &dx6).drop, DropReason::kSrv6SegmentsLeftNonZero);
  EXPECT_EQ(RunSid(SrFrame("fc00:2::e", 1), &dt6).drop, DropReason::kSrv6SegmentsLeftNonZero);
  EXPECT_EQ(RunSid(SrFrame("fc00:3::d6", 0, 64, InnerV4(), 4), &dx6).drop,
            DropReason::kSrv6WrongInnerProtocol);
  EXPECT_EQ(RunSid(SrFrame("fc00:3::d6", 0), &dx4).drop, DropReason::kSrv6WrongInnerProtocol);
  // Upper layer 41 but only 10 bytes of "IPv6" behind it.
  EXPECT_EQ(RunSid(SrFrame("fc00:3::d6", 0, 64, Bytes(10, 0x60), 41), &dx6).drop,
            DropReason::kSrv6InnerMalformed);
  // 40 bytes whose version nibble says 4.
  EXPECT_EQ(RunSid(SrFrame("fc00:3::d6", 0, 64, Bytes(40, 0x45), 41), &dt6).drop,
            DropReason::kSrv6InnerMalformed);
}

TEST(DpSrv6, MissingOrUnsupportedActions) {
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2), nullptr).drop, DropReason::kSrv6NoAction);
  const LocalSidAction none = Action(Srv6Behaviour::kUnspecified);
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2), &none).drop, DropReason::kSrv6UnsupportedBehaviour);
  const LocalSidAction usp = Action(Srv6Behaviour::kEnd, 1 << 1);
  EXPECT_EQ(RunSid(SrFrame("fc00:1::e", 2), &usp).drop, DropReason::kSrv6UnsupportedBehaviour);
  const LocalSidAction end = Action(Srv6Behaviour::kEnd);
  const Bytes v4 = PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Build();
  EXPECT_EQ(RunSid(v4, &end).drop, DropReason::kSrv6NotIpv6);
}

// The whole path of a steered packet: headend encap, two End nodes, the
// site's End.DX6 / End.DX4 -- the inner packet comes out exactly as it went
// in, in both encap modes.
class DpSrv6Path : public ::testing::TestWithParam<std::tuple<EncapMode, bool>> {};

TEST_P(DpSrv6Path, InnerPacketSurvivesTheWholePath) {
  const auto [mode, v4] = GetParam();
  const Srv6EncapPolicy policy = testing::Policy(
      "2001:db8:ff::1", {"fc00:1::e", "fc00:2::e", v4 ? "fc00:3::d4" : "fc00:3::d6"}, mode);
  const Bytes inner = v4 ? InnerV4() : InnerV6();
  Bytes frame(14, 0);
  frame[12] = v4 ? 0x08 : 0x86;
  frame[13] = v4 ? 0x00 : 0xdd;
  frame.insert(frame.end(), inner.begin(), inner.end());
  rte_mbuf* m = testing::Parsed(frame);
  ASSERT_NE(m, nullptr);
  Meta(m)->encap_policy = &policy;
  EdgeBuffers<EncapEdge> eo;
  DropCounters drops;
  EncapStage().ProcessBurst(&m, 1, eo, drops);
  ASSERT_EQ(eo[EncapEdge::kIpv6Lookup].n, 1);

  const LocalSidAction end = Action(Srv6Behaviour::kEnd);
  const LocalSidAction decap = Action(v4 ? Srv6Behaviour::kEndDx4 : Srv6Behaviour::kEndDx6, 0, 77);
  for (int hop = 0; hop < 3; ++hop) {
    // Each router re-parses what the previous one sent (as after tx/rx).
    Bytes wire(14, 0);
    wire[12] = 0x86;
    wire[13] = 0xdd;
    const Bytes l3 = testing::FromMbuf(m);
    wire.insert(wire.end(), l3.begin(), l3.end());
    rte_pktmbuf_free(m);
    m = testing::Parsed(wire);
    ASSERT_NE(m, nullptr) << "hop " << hop;
    Meta(m)->local_sid = hop < 2 ? &end : &decap;
    EdgeBuffers<Srv6Edge> so;
    Srv6LocalSidStage().ProcessBurst(&m, 1, so, drops);
    ASSERT_EQ(drops.Total(), 0u) << "hop " << hop;
    ASSERT_EQ(so[hop < 2 ? Srv6Edge::kIpv6Lookup : Srv6Edge::kAdjacency].n, 1) << "hop " << hop;
  }
  EXPECT_EQ(testing::FromMbuf(m), inner);
  EXPECT_EQ(Meta(m)->next_hop, 77u);
  rte_pktmbuf_free(m);
}

INSTANTIATE_TEST_SUITE_P(All, DpSrv6Path,
                         ::testing::Combine(::testing::Values(EncapMode::kEncaps,
                                                              EncapMode::kEncapsRed),
                                            ::testing::Bool()));

}  // namespace
}  // namespace cpn::dataplane
