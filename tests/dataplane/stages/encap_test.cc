// H.Encaps / H.Encaps.Red, byte for byte: both modes x both inner families x
// 1, 2, 3 and 8 SIDs, against packets the builder makes independently.
#include "dataplane/stages/encap.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/srv6_test_util.h"
#include "tests/dataplane/stages/stage_harness.h"

namespace cpn::dataplane {
namespace {

using testing::Bytes;
using testing::PacketBuilder;

constexpr const char* kRouter = "2001:db8:ff::1";
const std::vector<const char*> kSids = {"fc00:1::e", "fc00:2::e", "fc00:3::e", "fc00:4::e",
                                        "fc00:5::e", "fc00:6::e", "fc00:7::e", "fc00:8::d6"};

// Inner packets with a non-zero traffic class so the copy is visible.
Bytes InnerFrame(bool v4, uint16_t sport = 5000) {
  if (v4) {
    testing::Ipv4Opts o;
    o.tos = 0xb9;  // DSCP EF + ECT(1).
    o.ttl = 17;
    return PacketBuilder()
        .Eth()
        .Ipv4("192.0.2.10", "203.0.113.5", o)
        .Udp(sport, 80)
        .Payload(24)
        .Build(60);
  }
  testing::Ipv6Opts o;
  o.traffic_class = 0xb9;
  o.hop_limit = 17;
  o.flow_label = 0x12345;
  return PacketBuilder()
      .Eth()
      .Ipv6("2001:db8:a::10", "2001:db8:cafe::5", o)
      .Udp(sport, 80)
      .Payload(24)
      .Build();
}

struct EncapCase {
  EncapMode mode;
  bool v4;
  int sids;
};

std::string CaseName(const ::testing::TestParamInfo<EncapCase>& i) {
  return absl::StrCat(i.param.mode == EncapMode::kEncaps ? "Encaps" : "EncapsRed",
                      i.param.v4 ? "_Ipv4" : "_Ipv6", "_", i.param.sids, "sids");
}

class DpEncap : public ::testing::TestWithParam<EncapCase> {};

TEST_P(DpEncap, MatchesRfc8986ByteForByte) {
  const EncapCase c = GetParam();
  const std::vector<const char*> sids(kSids.begin(), kSids.begin() + c.sids);
  const Srv6EncapPolicy policy = testing::Policy(kRouter, sids, c.mode);
  const Bytes frame = InnerFrame(c.v4);
  rte_mbuf* m = testing::Parsed(frame);
  ASSERT_NE(m, nullptr);
  const Bytes inner = testing::FromMbuf(m);  // L3 on, padding trimmed.
  const uint32_t hash = Meta(m)->flow_hash;
  Meta(m)->encap_policy = &policy;

  const EncapStage stage;
  auto o = testing::RunStage<EncapEdge>({m}, [&](rte_mbuf** p, uint16_t n, auto& out, auto& d) {
    stage.ProcessBurst(p, n, out, d);
  })[0];
  ASSERT_EQ(o.edge, EncapEdge::kIpv6Lookup) << testing::ReasonName(o.drop);

  // The expected packet, built from the RFC's description: reverse list,
  // SL = n - 1, and with .Red the first SID only in the DA.
  testing::Ipv6Opts outer;
  outer.hop_limit = 64;
  outer.traffic_class = 0xb9;
  outer.flow_label = FlowLabelFromHash(hash);
  PacketBuilder want;
  want.Ipv6(kRouter, sids[0], outer);
  const bool red = c.mode == EncapMode::kEncapsRed;
  std::vector<const char*> listed;
  for (int i = c.sids - 1; i >= (red ? 1 : 0); --i) listed.push_back(sids[i]);
  if (!listed.empty()) want.Srh(listed, static_cast<uint8_t>(c.sids - 1));
  want.Raw(inner, c.v4 ? 4 : 41);
  const Bytes expected = want.Build();
  EXPECT_EQ(o.bytes, expected) << "got\n"
                               << testing::Hex(o.bytes) << "\nwant\n"
                               << testing::Hex(expected);

  EXPECT_NE(outer.flow_label, 0u);
  EXPECT_EQ(o.meta.l3_type, L3Type::kIpv6);
  EXPECT_EQ(o.meta.l4_proto, c.v4 ? 4 : 41);
  EXPECT_EQ(o.meta.l4_offset, expected.size() - inner.size());
  EXPECT_EQ(o.meta.l3_len, expected.size());
  EXPECT_EQ(o.meta.srh_offset, listed.empty() ? 0 : 40);
  EXPECT_EQ((o.meta.flags & kMetaSrh) != 0, !listed.empty());
  EXPECT_NE(o.meta.flags & kMetaHopLimitDone, 0);
}

std::vector<EncapCase> AllCases() {
  std::vector<EncapCase> v;
  for (EncapMode mode : {EncapMode::kEncaps, EncapMode::kEncapsRed}) {
    for (bool v4 : {false, true}) {
      for (int n : {1, 2, 3, 8}) v.push_back({mode, v4, n});
    }
  }
  return v;
}

INSTANTIATE_TEST_SUITE_P(All, DpEncap, ::testing::ValuesIn(AllCases()), CaseName);

rte_mbuf* WithPolicy(const Bytes& frame, const Srv6EncapPolicy* p) {
  rte_mbuf* m = testing::Parsed(frame);
  if (m != nullptr) Meta(m)->encap_policy = p;
  return m;
}

DropCounters RunEncap(std::vector<rte_mbuf*> pkts, EdgeBuffers<EncapEdge>& out,
                      const EncapConfig& cfg = {}) {
  DropCounters d;
  EncapStage(cfg).ProcessBurst(pkts.data(), static_cast<uint16_t>(pkts.size()), out, d);
  return d;
}

TEST(DpEncapStage, HopLimitIsConfigurable) {
  const Srv6EncapPolicy p = testing::Policy(kRouter, {"fc00::1"}, EncapMode::kEncaps);
  EdgeBuffers<EncapEdge> out;
  EncapConfig cfg;
  cfg.hop_limit = 255;
  RunEncap({WithPolicy(InnerFrame(false), &p)}, out, cfg);
  ASSERT_EQ(out[EncapEdge::kIpv6Lookup].n, 1);
  EXPECT_EQ(rte_pktmbuf_mtod(out[EncapEdge::kIpv6Lookup].pkts[0], uint8_t*)[7], 255);
  out.FreeAll();
}

TEST(DpEncapStage, FlowLabelFollowsTheInnerFlow) {
  const Srv6EncapPolicy p = testing::Policy(kRouter, {"fc00::1", "fc00::2"}, EncapMode::kEncaps);
  EdgeBuffers<EncapEdge> out;
  RunEncap({WithPolicy(InnerFrame(false, 1), &p), WithPolicy(InnerFrame(false, 1), &p),
            WithPolicy(InnerFrame(false, 2), &p), WithPolicy(InnerFrame(true, 1), &p)},
           out);
  ASSERT_EQ(out[EncapEdge::kIpv6Lookup].n, 4);
  uint32_t label[4];
  for (int i = 0; i < 4; ++i) {
    const uint8_t* h = rte_pktmbuf_mtod(out[EncapEdge::kIpv6Lookup].pkts[i], uint8_t*);
    label[i] = ((h[1] & 0x0fu) << 16) | (h[2] << 8) | h[3];
    EXPECT_NE(label[i], 0u);
  }
  EXPECT_EQ(label[0], label[1]);  // Same flow, same label: no reordering by ECMP.
  EXPECT_NE(label[0], label[2]);
  EXPECT_NE(label[0], label[3]);
  out.FreeAll();
  EXPECT_EQ(FlowLabelFromHash(0), 1u);
  EXPECT_EQ(FlowLabelFromHash(0x00100001) & ~0xfffffu, 0u);
}

TEST(DpEncapStage, DropsWithoutUsablePolicyOrIp) {
  Srv6EncapPolicy broken = testing::Policy(kRouter, {"fc00::1"}, EncapMode::kEncaps);
  broken.num_sids = 0;
  rte_mbuf* other = testing::ToMbuf(PacketBuilder().Eth().Payload(50).Build());
  {
    EdgeBuffers<ParseEdge> po;
    DropCounters pd;
    ParseStage().ProcessBurst(&other, 1, po, pd);
    ASSERT_EQ(po[ParseEdge::kOther].n, 1);
  }
  const Srv6EncapPolicy good = testing::Policy(kRouter, {"fc00::1"}, EncapMode::kEncaps);
  Meta(other)->encap_policy = &good;
  EdgeBuffers<EncapEdge> out;
  const DropCounters d = RunEncap(
      {WithPolicy(InnerFrame(false), nullptr), WithPolicy(InnerFrame(true), &broken), other}, out);
  EXPECT_EQ(out[EncapEdge::kIpv6Lookup].n, 0);
  EXPECT_EQ(d[DropReason::kEncapNoPolicy], 1u);
  EXPECT_EQ(d[DropReason::kEncapBadPolicy], 1u);
  EXPECT_EQ(d[DropReason::kEncapNotIp], 1u);
}

TEST(DpEncapStage, LongSegmentListSlidesPayloadWhenHeadroomIsShort) {
  const Srv6EncapPolicy p = testing::Policy(kRouter, kSids, EncapMode::kEncaps);  // 176 bytes.
  const Bytes frame =
      PacketBuilder().Eth().Ipv6("2001:db8::1", "2001:db8::2").Udp(1, 2).Payload(1400).Build();
  rte_mbuf* m = WithPolicy(frame, &p);
  ASSERT_NE(m, nullptr);
  ASSERT_LT(rte_pktmbuf_headroom(m), 176 + kL2Reserve);
  EdgeBuffers<EncapEdge> out;
  const DropCounters d = RunEncap({m}, out);
  ASSERT_EQ(out[EncapEdge::kIpv6Lookup].n, 1) << d.Total();
  EXPECT_GE(rte_pktmbuf_headroom(m), kL2Reserve);  // Room left for rewrite.
  const Bytes got = testing::FromMbuf(m);
  EXPECT_EQ(Bytes(got.begin() + 176, got.end()), Bytes(frame.begin() + 14, frame.end()));
  out.FreeAll();
}

TEST(DpEncapStage, NoRoomAnywhereIsDropped) {
  const Srv6EncapPolicy p = testing::Policy(kRouter, kSids, EncapMode::kEncaps);
  // Fill the data room so neither headroom (142) nor tailroom fits 176 + 18.
  const Bytes frame = PacketBuilder()
                          .Eth()
                          .Ipv6("2001:db8::1", "2001:db8::2")
                          .Udp(1, 2)
                          .Payload(RTE_MBUF_DEFAULT_DATAROOM - 14 - 48 - 10)
                          .Build();
  rte_mbuf* m = WithPolicy(frame, &p);
  ASSERT_NE(m, nullptr);
  EdgeBuffers<EncapEdge> out;
  EXPECT_EQ(RunEncap({m}, out)[DropReason::kEncapNoRoom], 1u);
}

TEST(DpEncapStage, PolicyValidation) {
  uint8_t src[16] = {};
  std::vector<Ipv6Addr> none;
  EXPECT_FALSE(MakeSrv6EncapPolicy(src, none, EncapMode::kEncaps).ok());
  std::vector<Ipv6Addr> nine(9);
  EXPECT_FALSE(MakeSrv6EncapPolicy(src, nine, EncapMode::kEncapsRed).ok());
  std::vector<Ipv6Addr> one(1);
  auto red = MakeSrv6EncapPolicy(src, one, EncapMode::kEncapsRed);
  ASSERT_TRUE(red.ok());
  EXPECT_EQ(red->rewrite_len, 40);  // No SRH at all for one SID with .Red.
  auto full = MakeSrv6EncapPolicy(src, one, EncapMode::kEncaps);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->rewrite_len, 40 + 8 + 16);
}

}  // namespace
}  // namespace cpn::dataplane
