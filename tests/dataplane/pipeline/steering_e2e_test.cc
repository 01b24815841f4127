// End to end, in process: an ingress router programmed over gRPC steers a
// pcap of IPv6/UDP flows to a service prefix into SRv6 policies.
//
//   in.pcap -> [net_pcap "in"] -> cpn-dataplane (1 worker) -> [net_pcap "core"] -> out.pcap
//
// Checked: one flow's output frame byte for byte; every frame's SRH with
// tshark (skipped without tshark); flows split over the policies as the
// weights say; after a weight change, every existing flow keeps its policy
// while new flows follow the new weights; counters agree.
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {
namespace {

constexpr char kService[] = "2001:db8:cafe::1";
constexpr char kCoreMac[] = "02:00:00:00:01:02";
constexpr char kNextHopMac[] = "02:00:00:00:00:aa";
constexpr char kSiteA[] = "fc00:3::d6";
constexpr char kSiteB[] = "fc00:4::d6";

Flow ServiceFlow(int client, int i) {
  return Flow{absl::StrCat("2001:db8:", client, "::", absl::Hex(i + 1)), kService,
              static_cast<uint16_t>(10000 + i), 443};
}

std::string FlowId(const std::string& src, uint16_t sport) { return absl::StrCat(src, "/", sport); }

// An ingress with two sites: core port 2 (rx `empty`, tx `out`), its
// neighbour and the route to fc00::/16, policies 1 (site A) and 2 (site B)
// over transit fc00:2::e, and rule 10 splitting the service 50/50.
std::vector<v1::Update> TwoSiteIngress(const std::string& empty, const std::string& out) {
  return {Insert(PortEntity(2, "core", PcapPort(empty, {}, out), kCoreMac)),
          Insert(NeighborEntity(2, "fe80::2", kNextHopMac)),
          Insert(RouteVia(0, "fc00::/16", {{2, "fe80::2"}})),
          Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", kSiteA})),
          Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e", kSiteB})),
          Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 50}, {2, 50}}))};
}

TEST(DpSteeringE2e, WriteOverGrpcThenSteerAPcapAndKeepFlowsAcrossWeightChanges) {
  DataplaneHarness h({.workers = 1});
  auto ctl = h.Connect(1, "e2e-controller");
  const std::string empty = TempFile("empty.pcap");
  const std::string out = TempFile("out.pcap");
  const std::string discard = TempFile("discard.pcap");

  // Phase 1: 1,000 flows of client 1, plus traffic the rule does not take.
  constexpr int kFlows = 1000;
  std::vector<Bytes> in1;
  for (int i = 0; i < kFlows; ++i) in1.push_back(Frame(ServiceFlow(1, i)));
  for (int i = 0; i < 10; ++i) {  // Plain IPv6 forwarding (hop limit 64 -> 63).
    in1.push_back(Frame(Flow{"2001:db8:1::1", "2001:db8:9::1", static_cast<uint16_t>(i + 1), 53}));
  }
  for (int i = 0; i < 5; ++i) {  // TCP to the service: unsteered, and no route.
    in1.push_back(PacketBuilder().Eth().Ipv6("2001:db8:1::1", kService).Tcp(1000 + i, 443).Build());
  }

  const std::vector<v1::Update> config = {
      Insert(PortEntity(1, "in", PcapPort(TempFile("in1.pcap"), in1, discard))),
      Insert(PortEntity(2, "core", PcapPort(empty, {}, out), kCoreMac)),
      Insert(NeighborEntity(2, "fe80::2", kNextHopMac)),
      Insert(RouteVia(0, "fc00::/16", {{2, "fe80::2"}})),
      Insert(RouteVia(0, "2001:db8:9::/48", {{2, "fe80::2"}})),
      Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", kSiteA})),
      Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e", kSiteB})),
      Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 70}, {2, 30}})),
  };
  const grpc::Status w1 = h.Write(1, 0, 1, config);
  ASSERT_TRUE(w1.ok()) << w1.error_message();
  tv1::CountersSnapshot c = h.WaitForCounters([](const tv1::CountersSnapshot& s) {
    const tv1::PortCounters* p = PortOf(s, 2);
    return p != nullptr && p->tx_packets() >= kFlows + 10;
  });
  ASSERT_NE(PortOf(c, 2), nullptr);
  ASSERT_EQ(PortOf(c, 2)->tx_packets(), uint64_t{kFlows + 10});
  EXPECT_EQ(PortOf(c, 1)->rx_packets(), uint64_t{kFlows + 15});
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_NO_ROUTE), 5u);

  std::vector<Bytes> frames;
  ASSERT_TRUE(ReadPcap(out, &frames));
  ASSERT_EQ(frames.size(), size_t{kFlows + 10});

  // One flow byte for byte: Ethernet to the next hop, outer IPv6 from the
  // policy (flow label from the inner flow hash), SRH [site, transit] with
  // Segments Left 1, the original packet untouched inside.
  std::map<std::string, std::string> site_of;  // Flow -> last SID.
  int to_a = 0, plain = 0;
  for (const Bytes& f : frames) {
    const SrOut o = DecodeSrFrame(f);
    if (!o.ok) {
      // The plain IPv6 packets: forwarded, hop limit decremented.
      ASSERT_GE(f.size(), 54u);
      EXPECT_EQ(f[14 + 7], 63);
      ++plain;
      continue;
    }
    ASSERT_EQ(o.srh.size(), 2u);
    site_of[FlowId(o.inner_src, o.sport)] = o.srh[0];
    to_a += o.srh[0] == kSiteA;
  }
  EXPECT_EQ(plain, 10);
  ASSERT_EQ(site_of.size(), size_t{kFlows});
  // Weights 70/30 -> ~70% of the flows on site A.
  EXPECT_NEAR(to_a / double{kFlows}, 0.70, 0.05) << to_a << " of " << kFlows;

  const Flow f0 = ServiceFlow(1, 0);
  const std::string site0 = site_of[FlowId(f0.src, f0.sport)];
  Ipv6Opts outer;
  outer.flow_label = ExpectedFlowLabel(f0);
  const Bytes want = PacketBuilder()
                         .Eth(kNextHopMac, kCoreMac)
                         .Ipv6("2001:db8:ff::1", "fc00:2::e", outer)
                         .Srh({site0.c_str(), "fc00:2::e"}, 1)
                         .Raw(Ipv6Udp(f0), 41)
                         .Build();
  EXPECT_EQ(Hex(frames[0]), Hex(want));

  // Phase 2: weights 30/70; the 1,000 flows send again, 1,000 new flows come.
  std::vector<Bytes> in2;
  for (int i = 0; i < kFlows; ++i) in2.push_back(Frame(ServiceFlow(1, i), 32, 1));
  for (int i = 0; i < kFlows; ++i) in2.push_back(Frame(ServiceFlow(2, i)));
  const grpc::Status w2 =
      h.Write(1, 1, 2,
              {Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 30}, {2, 70}})),
               Insert(PortEntity(3, "in2", PcapPort(TempFile("in2.pcap"), in2, discard)))});
  ASSERT_TRUE(w2.ok()) << w2.error_message();
  c = h.WaitForCounters([](const tv1::CountersSnapshot& s) {
    const tv1::PortCounters* p = PortOf(s, 2);
    return p != nullptr && p->tx_packets() >= 3 * kFlows + 10;
  });
  ASSERT_EQ(PortOf(c, 2)->tx_packets(), uint64_t{3 * kFlows + 10});
  ASSERT_TRUE(ReadPcap(out, &frames));
  ASSERT_EQ(frames.size(), size_t{3 * kFlows + 10});
  int kept = 0, moved = 0, new_to_a = 0, new_flows = 0;
  for (size_t i = kFlows + 10; i < frames.size(); ++i) {
    const SrOut o = DecodeSrFrame(frames[i]);
    ASSERT_TRUE(o.ok);
    const std::string id = FlowId(o.inner_src, o.sport);
    auto it = site_of.find(id);
    if (it != site_of.end()) {
      (it->second == o.srh[0] ? kept : moved)++;
    } else {
      ++new_flows;
      new_to_a += o.srh[0] == kSiteA;
    }
  }
  EXPECT_EQ(kept, kFlows) << "existing flows must keep their site across a weight change";
  EXPECT_EQ(moved, 0);
  EXPECT_EQ(new_flows, kFlows);
  EXPECT_NEAR(new_to_a / double{kFlows}, 0.30, 0.05) << new_to_a << " of " << kFlows;

  // Phase 3: policy 2 leaves the rule and is deleted. Its flows are re-picked
  // at their next packet (all onto policy 1); flows on policy 1 stay.
  std::map<std::string, std::string> site_now = site_of;
  for (size_t i = kFlows + 10; i < frames.size(); ++i) {
    const SrOut o = DecodeSrFrame(frames[i]);
    site_now[FlowId(o.inner_src, o.sport)] = o.srh[0];
  }
  int on_b = 0;
  for (const auto& [id, site] : site_now) on_b += site == kSiteB;
  std::vector<Bytes> in3;
  for (int i = 0; i < kFlows; ++i) in3.push_back(Frame(ServiceFlow(1, i), 32, 2));
  for (int i = 0; i < kFlows; ++i) in3.push_back(Frame(ServiceFlow(2, i), 32, 2));
  const grpc::Status w3 = h.Write(
      1, 2, 3,
      {Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 100}})), Delete(PolicyEntity(2, "", {})),
       Insert(PortEntity(4, "in3", PcapPort(TempFile("in3.pcap"), in3, discard)))});
  ASSERT_TRUE(w3.ok()) << w3.error_message();
  tv1::CountersSnapshot c3 = h.WaitForCounters([](const tv1::CountersSnapshot& s) {
    const tv1::PortCounters* p = PortOf(s, 2);
    return p != nullptr && p->tx_packets() >= 5 * kFlows + 10;
  });
  ASSERT_EQ(PortOf(c3, 2)->tx_packets(), uint64_t{5 * kFlows + 10});
  std::vector<Bytes> frames3;
  ASSERT_TRUE(ReadPcap(out, &frames3));
  ASSERT_EQ(frames3.size(), size_t{5 * kFlows + 10});
  int phase3_on_a = 0;
  for (size_t i = 3 * kFlows + 10; i < frames3.size(); ++i) {
    const SrOut o = DecodeSrFrame(frames3[i]);
    ASSERT_TRUE(o.ok);
    phase3_on_a += o.srh[0] == kSiteA;
  }
  EXPECT_EQ(phase3_on_a, 2 * kFlows);
  const tv1::SteeringRuleCounters* rule3 = RuleOf(c3, 10);
  ASSERT_NE(rule3, nullptr);
  EXPECT_EQ(rule3->repicked_flows(), static_cast<uint64_t>(on_b));
  EXPECT_EQ(rule3->new_flows(), uint64_t{2 * kFlows} + static_cast<uint64_t>(on_b));
  EXPECT_EQ(c3.policies_size(), 1);

  // Phase 4: every weight 0 drains: existing flows stay, new ones are not
  // steered (dropped and counted).
  std::vector<Bytes> in4;
  for (int i = 0; i < 100; ++i) in4.push_back(Frame(ServiceFlow(1, i), 32, 3));
  for (int i = 0; i < 100; ++i) in4.push_back(Frame(ServiceFlow(3, i)));
  const grpc::Status w4 =
      h.Write(1, 3, 4,
              {Modify(RuleEntity(10, "2001:db8:cafe::/48", {{1, 0}})),
               Insert(PortEntity(5, "in4", PcapPort(TempFile("in4.pcap"), in4, discard)))});
  ASSERT_TRUE(w4.ok()) << w4.error_message();
  tv1::CountersSnapshot c4 = h.WaitForCounters([](const tv1::CountersSnapshot& s) {
    return DropsOf(s, tv1::DROP_REASON_NOT_STEERED) >= 100 &&
           PortOf(s, 2)->tx_packets() >= 5 * kFlows + 110;
  });
  EXPECT_EQ(PortOf(c4, 2)->tx_packets(), uint64_t{5 * kFlows + 110});
  EXPECT_EQ(DropsOf(c4, tv1::DROP_REASON_NOT_STEERED), 100u);
  EXPECT_EQ(RuleOf(c4, 10)->not_steered_packets(), 100u);

  // Counters agree with what the pcap shows.
  const tv1::SteeringRuleCounters* rule = RuleOf(c, 10);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->packets(), uint64_t{3 * kFlows});
  EXPECT_EQ(rule->new_flows(), uint64_t{2 * kFlows});
  EXPECT_EQ(rule->repicked_flows(), 0u);
  EXPECT_EQ(rule->bytes(), uint64_t{3 * kFlows} * (40 + 8 + 32));
  const tv1::PolicyCounters* pa = PolicyOf(c, 1);
  const tv1::PolicyCounters* pb = PolicyOf(c, 2);
  ASSERT_TRUE(pa != nullptr && pb != nullptr);
  EXPECT_EQ(pa->new_flows() + pb->new_flows(), uint64_t{2 * kFlows});
  EXPECT_EQ(pa->packets() + pb->packets(), uint64_t{3 * kFlows});
  EXPECT_EQ(pa->new_flows(), static_cast<uint64_t>(to_a + new_to_a));
  EXPECT_EQ(c.affinity().entries(), uint64_t{2 * kFlows});
  EXPECT_EQ(c.affinity().insertions(), uint64_t{2 * kFlows});
  EXPECT_EQ(c.affinity().evictions(), 0u);

  // An independent dissector agrees on every encapsulated frame.
  if (!HaveTshark()) GTEST_SKIP() << "tshark is not installed; SRH cross-check skipped";
  const std::string fields = RunCommand(
      "tshark -r " + out +
      " -o udp.check_checksum:TRUE -Y ipv6.routing -T fields -E separator='|' -E occurrence=a"
      " -E aggregator=, -e ipv6.src -e ipv6.dst -e ipv6.nxt -e ipv6.hlim -e ipv6.routing.type"
      " -e ipv6.routing.segleft -e ipv6.routing.srh.last_entry -e ipv6.routing.srh.flags"
      " -e ipv6.routing.srh.tag -e ipv6.routing.srh.addr -e ipv6.routing.nxt -e ipv6.flow"
      " -e udp.dstport -e udp.checksum.status -e _ws.malformed -e _ws.expert.severity"
      " 2>/dev/null");
  const std::vector<std::string> lines = absl::StrSplit(fields, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), size_t{5 * kFlows + 100}) << fields.substr(0, 2000);
  for (size_t i = 0; i < lines.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("encapsulated frame ", i, ": ", lines[i]));
    const std::vector<std::string> f = absl::StrSplit(lines[i], '|');
    ASSERT_EQ(f.size(), 16u);
    const std::vector<std::string> src = absl::StrSplit(f[0], ',');
    const std::vector<std::string> dst = absl::StrSplit(f[1], ',');
    const std::vector<std::string> nxt = absl::StrSplit(f[2], ',');
    const std::vector<std::string> hlim = absl::StrSplit(f[3], ',');
    ASSERT_EQ(src.size(), 2u);
    EXPECT_EQ(src[0], "2001:db8:ff::1");
    EXPECT_EQ(dst[0], "fc00:2::e");  // Outer DA: the first segment.
    EXPECT_EQ(dst[1], kService);     // Inner DA untouched.
    EXPECT_EQ(nxt[0], "43");         // Routing header.
    EXPECT_EQ(hlim[0], "64");        // Outer hop limit.
    EXPECT_EQ(hlim[1], "64");        // Inner hop limit untouched.
    EXPECT_EQ(f[4], "4");            // SRH.
    EXPECT_EQ(f[5], "1");            // Segments Left.
    EXPECT_EQ(f[6], "1");            // Last Entry.
    EXPECT_EQ(f[8], "0000");         // Tag.
    EXPECT_TRUE(f[9] == absl::StrCat(kSiteA, ",fc00:2::e") ||
                f[9] == absl::StrCat(kSiteB, ",fc00:2::e"))
        << f[9];
    EXPECT_EQ(f[10], "41");                                                   // IPv6 inside.
    EXPECT_NE(absl::StrSplit(f[11], ',').begin()->compare("0x00000000"), 0);  // Flow label set.
    EXPECT_EQ(f[12], "443");
    EXPECT_EQ(f[13], "1");  // Inner UDP checksum good: payload intact.
    EXPECT_EQ(f[14], "");   // Not malformed.
    EXPECT_EQ(f[15], "");   // No expert info.
  }
}

// IPv4 service traffic is steered the same way (inner IPv4, next header 4),
// and plain IPv4 is forwarded with its TTL decremented and checksum fixed.
// A link on the flows' path fails: the controller replaces every policy by
// one over another transit (new segments, new ids) and changes the weights.
// Each established flow keeps its site over the new path ("rerouted"), not
// re-picked by the new weights. A policy modified in place to a new path
// keeps its flows too. Only when its site leaves the rule is a flow
// re-picked.
TEST(DpSteeringE2e, FlowsWhosePathFailsKeepTheirSiteOverTheNewPath) {
  DataplaneHarness h({.workers = 1});
  auto ctl = h.Connect(1, "e2e-controller");
  const std::string empty = TempFile("empty.pcap");
  const std::string out = TempFile("out.pcap");
  const std::string discard = TempFile("discard.pcap");
  constexpr int kFlows = 500;
  auto send_all = [&](int round) {
    std::vector<Bytes> in;
    for (int i = 0; i < kFlows; ++i) in.push_back(Frame(ServiceFlow(1, i), 32, round));
    return Insert(PortEntity(static_cast<uint32_t>(10 + round), absl::StrCat("in", round),
                             PcapPort(TempFile(absl::StrCat("in", round, ".pcap")), in, discard)));
  };
  // Site and transit of each flow in the frames of round `round`.
  auto observe = [&](int round, std::map<std::string, std::string>* site,
                     std::set<std::string>* transits) {
    tv1::CountersSnapshot c = h.WaitForCounters([&](const tv1::CountersSnapshot& s) {
      const tv1::PortCounters* p = PortOf(s, 2);
      return p != nullptr && p->tx_packets() >= uint64_t{kFlows} * (round + 1);
    });
    std::vector<Bytes> frames;
    EXPECT_TRUE(ReadPcap(out, &frames));
    EXPECT_EQ(frames.size(), size_t{kFlows} * (round + 1));
    for (size_t i = size_t{kFlows} * round; i < frames.size(); ++i) {
      const SrOut o = DecodeSrFrame(frames[i]);
      EXPECT_TRUE(o.ok && o.srh.size() == 2) << "frame " << i;
      if (!o.ok || o.srh.size() != 2) continue;
      (*site)[FlowId(o.inner_src, o.sport)] = o.srh[0];
      transits->insert(o.srh[1]);
    }
    return c;
  };
  std::vector<v1::Update> first = TwoSiteIngress(empty, out);
  first.push_back(send_all(0));
  const grpc::Status w1 = h.Write(1, 0, 1, first);
  ASSERT_TRUE(w1.ok()) << w1.error_message();
  std::map<std::string, std::string> before;
  std::set<std::string> transits;
  observe(0, &before, &transits);
  ASSERT_EQ(before.size(), size_t{kFlows});
  int on_b = 0;
  for (const auto& [flow, site] : before) on_b += site == kSiteB;
  ASSERT_GT(on_b, kFlows / 4);

  // The path through fc00:2::e fails: new policies through fc00:5::e, and
  // weights that would send nearly every re-picked flow to site A.
  const grpc::Status w2 = h.Write(
      1, 1, 2,
      {Insert(PolicyEntity(3, "2001:db8:ff::1", {"fc00:5::e", kSiteA})),
       Insert(PolicyEntity(4, "2001:db8:ff::1", {"fc00:5::e", kSiteB})),
       Modify(RuleEntity(10, "2001:db8:cafe::/48", {{3, 95}, {4, 5}})),
       Delete(PolicyEntity(1, "", {})), Delete(PolicyEntity(2, "", {})), send_all(1)});
  ASSERT_TRUE(w2.ok()) << w2.error_message();
  std::map<std::string, std::string> after;
  transits.clear();
  tv1::CountersSnapshot c = observe(1, &after, &transits);
  EXPECT_EQ(after, before) << "every flow must keep its site over the new path";
  EXPECT_EQ(transits, std::set<std::string>{"fc00:5::e"});
  const tv1::SteeringRuleCounters* rule = RuleOf(c, 10);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->rerouted_flows(), uint64_t{kFlows});
  EXPECT_EQ(rule->repicked_flows(), 0u);
  EXPECT_EQ(rule->new_flows(), uint64_t{kFlows});  // Round 0's only.

  // Policy 3 is modified in place to a third path: its flows stay on A.
  const grpc::Status w3 =
      h.Write(1, 2, 3,
              {Modify(PolicyEntity(3, "2001:db8:ff::1", {"fc00:6::e", kSiteA})), send_all(2)});
  ASSERT_TRUE(w3.ok()) << w3.error_message();
  after.clear();
  transits.clear();
  c = observe(2, &after, &transits);
  EXPECT_EQ(after, before);
  EXPECT_EQ(transits, (std::set<std::string>{"fc00:5::e", "fc00:6::e"}));
  EXPECT_EQ(RuleOf(c, 10)->rerouted_flows(), uint64_t{2 * kFlows} - on_b);
  EXPECT_EQ(RuleOf(c, 10)->repicked_flows(), 0u);

  // Site B leaves the rule: only now are its flows re-picked (onto A).
  const grpc::Status w4 =
      h.Write(1, 3, 4,
              {Modify(RuleEntity(10, "2001:db8:cafe::/48", {{3, 100}})),
               Delete(PolicyEntity(4, "", {})), send_all(3)});
  ASSERT_TRUE(w4.ok()) << w4.error_message();
  after.clear();
  transits.clear();
  c = observe(3, &after, &transits);
  for (const auto& [flow, site] : after) EXPECT_EQ(site, kSiteA) << flow;
  EXPECT_EQ(RuleOf(c, 10)->repicked_flows(), static_cast<uint64_t>(on_b));
}

TEST(DpSteeringE2e, Ipv4ServicesAreSteeredAndPlainIpv4IsRouted) {
  DataplaneHarness h({.workers = 1});
  auto ctl = h.Connect(1);
  const std::string out = TempFile("out4.pcap");
  std::vector<Bytes> in;
  for (int i = 0; i < 50; ++i) {
    in.push_back(PacketBuilder()
                     .Eth()
                     .Ipv4(absl::StrCat("192.0.2.", i + 1).c_str(), "203.0.113.10")
                     .Udp(static_cast<uint16_t>(5000 + i), 8080)
                     .Payload(20)
                     .Build(60));
  }
  const Bytes plain =
      PacketBuilder().Eth().Ipv4("192.0.2.1", "198.51.100.7").Udp(7, 9).Payload(20).Build(60);
  in.push_back(plain);
  const grpc::Status w =
      h.Write(1, 0, 1,
              {Insert(PortEntity(1, "in", PcapPort(TempFile("in4.pcap"), in, TempFile("d.pcap")))),
               Insert(PortEntity(2, "core", PcapPort(TempFile("e.pcap"), {}, out), kCoreMac)),
               Insert(NeighborEntity(2, "fe80::2", kNextHopMac)),
               Insert(NeighborEntity(2, "10.0.0.2", kNextHopMac)),
               Insert(RouteVia(0, "fc00::/16", {{2, "fe80::2"}})),
               Insert(RouteVia(0, "198.51.100.0/24", {{2, "10.0.0.2"}})),
               Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", kSiteA},
                                   v1::ENCAP_MODE_H_ENCAPS_RED, 32)),
               Insert(RuleEntity(20, "203.0.113.0/24", {{1, 1}}))});
  ASSERT_TRUE(w.ok()) << w.error_message();
  const tv1::CountersSnapshot c = h.WaitForCounters([](const tv1::CountersSnapshot& s) {
    const tv1::PortCounters* p = PortOf(s, 2);
    return p != nullptr && p->tx_packets() >= 51;
  });
  std::vector<Bytes> frames;
  ASSERT_TRUE(ReadPcap(out, &frames));
  ASSERT_EQ(frames.size(), 51u);
  int encapsulated = 0;
  for (const Bytes& f : frames) {
    if (f[12] == 0x08 && f[13] == 0x00) {
      // Plain IPv4: TTL 64 -> 63, checksum updated (RFC 1624), rest intact.
      Bytes want = plain;
      const Bytes l2 = {0x02, 0, 0, 0, 0, 0xaa, 0x02, 0, 0, 0, 0x01, 0x02};
      std::copy(l2.begin(), l2.end(), want.begin());
      want.resize(14 + 20 + 8 + 20);  // Ethernet padding is not forwarded.
      want[14 + 8] = 63;
      EXPECT_EQ(OnesSum(f.data() + 14, 20), 0xffff) << "the IPv4 header checksum must verify";
      want[14 + 10] = f[14 + 10];
      want[14 + 11] = f[14 + 11];
      EXPECT_EQ(Hex(f), Hex(want));
      continue;
    }
    // H.Encaps.Red with two SIDs: the SRH lists only the last one; outer hop
    // limit 32 from the policy; IPv4 inside.
    ASSERT_GE(f.size(), 14u + 40 + 24 + 20);
    const uint8_t* ip = f.data() + 14;
    EXPECT_EQ(ip[6], 43);
    EXPECT_EQ(ip[7], 32);
    EXPECT_EQ(ip[40], 4);       // SRH next header: IPv4.
    EXPECT_EQ(ip[40 + 3], 1);   // Segments Left 1 ...
    EXPECT_EQ(ip[40 + 4], 0);   // ... Last Entry 0 (reduced).
    EXPECT_EQ(ip[64] >> 4, 4);  // Inner IPv4 header, untouched (TTL 64).
    EXPECT_EQ(ip[64 + 8], 64);
    ++encapsulated;
  }
  EXPECT_EQ(encapsulated, 50);
  EXPECT_EQ(RuleOf(c, 20)->new_flows(), 50u);
}

// The worker's flow cache: an established flow's packets are steered from it
// (worker counters say so), count on their rule and policy as the full path
// counts, and every Write makes the cache forget: after a path change the
// next packets of the same flows take the new path at once, on their site.
TEST(DpSteeringE2e, CachedFlowsAreCountedAndFollowEveryWrite) {
  DataplaneHarness h({.workers = 1});
  auto ctl = h.Connect(1, "e2e-controller");
  const std::string empty = TempFile("cache-empty.pcap");
  const std::string out = TempFile("cache-out.pcap");
  const std::string discard = TempFile("cache-discard.pcap");
  constexpr int kFlows = 200;
  constexpr int kPackets = 4;  // Per flow and round, the flows interleaved.
  constexpr int kPerRound = kFlows * kPackets;
  auto send_round = [&](int round) {
    std::vector<Bytes> in;
    for (int k = 0; k < kPackets; ++k) {
      for (int i = 0; i < kFlows; ++i) {
        in.push_back(Frame(ServiceFlow(1, i), 32, static_cast<uint8_t>(round * kPackets + k)));
      }
    }
    return Insert(PortEntity(static_cast<uint32_t>(10 + round), absl::StrCat("cin", round),
                             PcapPort(TempFile(absl::StrCat("cache-in", round, ".pcap")), in,
                                      discard)));
  };
  // Each flow's sites and transits over round `round`'s frames.
  struct Seen {
    std::map<std::string, std::set<std::string>> sites;
    std::set<std::string> transits;
  };
  auto observe = [&](int round, tv1::CountersSnapshot* counters) {
    *counters = h.WaitForCounters([&](const tv1::CountersSnapshot& s) {
      const tv1::PortCounters* p = PortOf(s, 2);
      return p != nullptr && p->tx_packets() >= uint64_t{kPerRound} * (round + 1);
    });
    std::vector<Bytes> frames;
    EXPECT_TRUE(ReadPcap(out, &frames));
    EXPECT_EQ(frames.size(), size_t{kPerRound} * (round + 1));
    Seen seen;
    for (size_t i = size_t{kPerRound} * round; i < frames.size(); ++i) {
      const SrOut o = DecodeSrFrame(frames[i]);
      EXPECT_TRUE(o.ok && o.srh.size() == 2) << "frame " << i;
      if (!o.ok || o.srh.size() != 2) continue;
      seen.sites[FlowId(o.inner_src, o.sport)].insert(o.srh[0]);
      seen.transits.insert(o.srh[1]);
    }
    return seen;
  };
  auto cache = [](const tv1::CountersSnapshot& c) {
    EXPECT_EQ(c.workers_size(), 1);
    return c.workers_size() == 1
               ? std::pair{c.workers(0).flow_cache_hits(), c.workers(0).flow_cache_misses()}
               : std::pair<uint64_t, uint64_t>{0, 0};
  };

  std::vector<v1::Update> first = TwoSiteIngress(empty, out);
  first.push_back(send_round(0));
  const grpc::Status w1 = h.Write(1, 0, 1, first);
  ASSERT_TRUE(w1.ok()) << w1.error_message();
  tv1::CountersSnapshot c;
  const Seen r0 = observe(0, &c);
  ASSERT_EQ(r0.sites.size(), size_t{kFlows});
  std::map<std::string, std::string> site;
  for (const auto& [flow, sites] : r0.sites) {
    ASSERT_EQ(sites.size(), 1u) << flow << " changed site within a round";
    site[flow] = *sites.begin();
  }
  auto [hits, misses] = cache(c);
  // The first packet of each flow misses; later ones hit unless two others
  // of the 200 flows share their two-way set (of 4,096).
  EXPECT_EQ(hits + misses, uint64_t{kPerRound});
  EXPECT_GE(misses, uint64_t{kFlows});
  EXPECT_GT(hits, uint64_t{kPerRound} / 2);
  std::printf("[flow cache] round 0: %llu hits, %llu misses\n",
              static_cast<unsigned long long>(hits), static_cast<unsigned long long>(misses));
  // Hits are counted like the full path counts.
  const tv1::SteeringRuleCounters* rule = RuleOf(c, 10);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->packets(), uint64_t{kPerRound});
  EXPECT_EQ(rule->new_flows(), uint64_t{kFlows});
  ASSERT_NE(PolicyOf(c, 1), nullptr);
  ASSERT_NE(PolicyOf(c, 2), nullptr);
  EXPECT_EQ(PolicyOf(c, 1)->packets() + PolicyOf(c, 2)->packets(), uint64_t{kPerRound});
  EXPECT_EQ(PolicyOf(c, 1)->bytes() + PolicyOf(c, 2)->bytes(), rule->bytes());

  // Path change (policies replaced by ones over fc00:5::e): with a cache
  // that outlived the Write, the flows' packets would keep the old path.
  const grpc::Status w2 = h.Write(
      1, 1, 2,
      {Insert(PolicyEntity(3, "2001:db8:ff::1", {"fc00:5::e", kSiteA})),
       Insert(PolicyEntity(4, "2001:db8:ff::1", {"fc00:5::e", kSiteB})),
       Modify(RuleEntity(10, "2001:db8:cafe::/48", {{3, 95}, {4, 5}})),
       Delete(PolicyEntity(1, "", {})), Delete(PolicyEntity(2, "", {})), send_round(1)});
  ASSERT_TRUE(w2.ok()) << w2.error_message();
  const Seen r1 = observe(1, &c);
  EXPECT_EQ(r1.transits, std::set<std::string>{"fc00:5::e"});
  for (const auto& [flow, sites] : r1.sites) {
    EXPECT_EQ(sites, std::set<std::string>{site[flow]}) << flow;
  }
  const auto [hits1, misses1] = cache(c);
  EXPECT_GE(misses1 - misses, uint64_t{kFlows});  // Forgotten at the Write.
  EXPECT_GT(hits1 - hits, uint64_t{kPerRound} / 2);
  EXPECT_EQ(RuleOf(c, 10)->rerouted_flows(), uint64_t{kFlows});
  ASSERT_NE(PolicyOf(c, 3), nullptr);
  ASSERT_NE(PolicyOf(c, 4), nullptr);
  EXPECT_EQ(PolicyOf(c, 3)->packets() + PolicyOf(c, 4)->packets(), uint64_t{kPerRound});

  // Policy 3 modified in place (a third path): the same, through the cache.
  const grpc::Status w3 = h.Write(
      1, 2, 3, {Modify(PolicyEntity(3, "2001:db8:ff::1", {"fc00:6::e", kSiteA})), send_round(2)});
  ASSERT_TRUE(w3.ok()) << w3.error_message();
  const Seen r2 = observe(2, &c);
  for (const auto& [flow, sites] : r2.sites) {
    EXPECT_EQ(sites, std::set<std::string>{site[flow]}) << flow;
  }
  std::set<std::string> expected_transits;
  for (const auto& [flow, s] : site) expected_transits.insert(s == kSiteA ? "fc00:6::e" : "fc00:5::e");
  EXPECT_EQ(r2.transits, expected_transits);
}

// A flow's first packet takes the full path (classifier, affinity, select,
// encap, FIB); its later ones leave from the flow cache through the fused
// encap and rewrite. Both must put the same bytes on the wire: policy 1
// (H.Encaps, hop limit 9) and policy 2 (H.Encaps.Red, default hop limit 64).
TEST(DpSteeringE2e, CachedPacketsLeaveByteForByteAsTheFullPathSendsThem) {
  DataplaneHarness h({.workers = 1});
  auto ctl = h.Connect(1, "e2e-controller");
  const std::string empty = TempFile("exact-empty.pcap");
  const std::string out = TempFile("exact-out.pcap");
  const std::string discard = TempFile("exact-discard.pcap");
  constexpr int kFlows = 40;
  constexpr int kPackets = 3;  // Per flow, identical, the flows interleaved.
  std::vector<Bytes> in;
  for (int k = 0; k < kPackets; ++k) {
    for (int i = 0; i < kFlows; ++i) in.push_back(Frame(ServiceFlow(2, i), 32, 7));
  }
  const grpc::Status w = h.Write(
      1, 0, 1,
      {Insert(PortEntity(2, "core", PcapPort(empty, {}, out), kCoreMac)),
       Insert(NeighborEntity(2, "fe80::2", kNextHopMac)),
       Insert(RouteVia(0, "fc00::/16", {{2, "fe80::2"}})),
       Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", kSiteA}, v1::ENCAP_MODE_H_ENCAPS,
                           /*hop_limit=*/9)),
       Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:2::e", kSiteB},
                           v1::ENCAP_MODE_H_ENCAPS_RED)),
       Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 50}, {2, 50}})),
       Insert(PortEntity(10, "xin", PcapPort(TempFile("exact-in.pcap"), in, discard)))});
  ASSERT_TRUE(w.ok()) << w.error_message();
  const tv1::CountersSnapshot c = h.WaitForCounters([&](const tv1::CountersSnapshot& s) {
    const tv1::PortCounters* p = PortOf(s, 2);
    return p != nullptr && p->tx_packets() >= uint64_t{kFlows} * kPackets;
  });
  ASSERT_EQ(c.workers_size(), 1);
  // Every flow's later packets hit: no three of the 40 flows share one of
  // the 4,096 two-way sets (the flows are fixed, so this is deterministic).
  EXPECT_EQ(c.workers(0).flow_cache_hits(), uint64_t{kFlows} * (kPackets - 1));
  std::vector<Bytes> frames;
  ASSERT_TRUE(ReadPcap(out, &frames));
  ASSERT_EQ(frames.size(), size_t{kFlows} * kPackets);
  // A burst sends its cache hits before its misses, so frames are grouped
  // by flow (each flow's own order is kept).
  std::map<std::string, std::vector<Bytes>> by_flow;
  std::set<uint8_t> hop_limits;
  for (const Bytes& f : frames) {
    const SrOut o = DecodeSrFrame(f);
    ASSERT_TRUE(o.ok);
    // Outer IPv6 hop limit: byte 14 + 7. Site A is policy 1's.
    EXPECT_EQ(f[21], o.srh[0] == kSiteA ? 9 : 64) << FlowId(o.inner_src, o.sport);
    hop_limits.insert(f[21]);
    by_flow[FlowId(o.inner_src, o.sport)].push_back(f);
  }
  ASSERT_EQ(by_flow.size(), size_t{kFlows});
  for (const auto& [flow, sent] : by_flow) {
    ASSERT_EQ(sent.size(), size_t{kPackets}) << flow;
    for (int k = 1; k < kPackets; ++k) EXPECT_EQ(sent[k], sent[0]) << flow << " packet " << k;
  }
  EXPECT_EQ(hop_limits, (std::set<uint8_t>{9, 64}));  // Both policies were used.
}

// A cache hit is still held to its port's MTU (the one egress test a cached
// flow's packets get), and a flow whose port is down is never cached: its
// packets are dropped by the full path, each counted as the port's drop.
TEST(DpSteeringE2e, CachedFlowsAreHeldToTheMtuAndADownPortIsNeverCached) {
  DataplaneHarness h({.workers = 1});
  auto ctl = h.Connect(1, "e2e-controller");
  const std::string out = TempFile("mtu-out.pcap");
  const std::string discard = TempFile("mtu-discard.pcap");
  // Policy 1 leaves on port 2 (MTU 1280, the least IPv6 allows), policy 2
  // on port 3 (down). Encap adds 80 bytes (IPv6 40 + SRH of two SIDs 40):
  // a 32-byte UDP payload leaves as 160 bytes, a 1,200-byte one would be
  // 1,328.
  // Each round 20 flows and 12 packets to nowhere (dropped, no route), so
  // a flow's packets are 32 apart: never in one burst, and its later
  // packets find what its first one cached.
  constexpr int kFlows = 20;
  std::vector<Bytes> in;
  auto round = [&](size_t payload, uint8_t seed) {
    for (int i = 0; i < kFlows; ++i) in.push_back(Frame(ServiceFlow(2, i), payload, seed));
    for (int i = 0; i < 12; ++i) {
      in.push_back(Frame(Flow{"2001:db8:1::1", "2001:db8:9::1", static_cast<uint16_t>(i + 1), 53}));
    }
  };
  round(32, 1);    // First packets: cached unless their port is down.
  round(1200, 2);  // Too big for port 2.
  round(32, 3);    // Fit again.
  v1::Entity core = PortEntity(2, "core", PcapPort(TempFile("mtu-empty.pcap"), {}, out), kCoreMac);
  core.mutable_port()->set_mtu(1280);
  v1::Entity down =
      PortEntity(3, "down", PcapPort(TempFile("mtu-empty2.pcap"), {}, discard), kCoreMac);
  down.mutable_port()->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  const grpc::Status w = h.Write(
      1, 0, 1,
      {Insert(core), Insert(down), Insert(NeighborEntity(2, "fe80::2", kNextHopMac)),
       Insert(NeighborEntity(3, "fe80::3", kNextHopMac)),
       Insert(RouteVia(0, "fc00:2::/32", {{2, "fe80::2"}})),
       Insert(RouteVia(0, "fc00:7::/32", {{3, "fe80::3"}})),
       Insert(PolicyEntity(1, "2001:db8:ff::1", {"fc00:2::e", kSiteA})),
       Insert(PolicyEntity(2, "2001:db8:ff::1", {"fc00:7::e", kSiteB})),
       Insert(RuleEntity(10, "2001:db8:cafe::/48", {{1, 50}, {2, 50}})),
       Insert(PortEntity(10, "xin", PcapPort(TempFile("mtu-in.pcap"), in, discard)))});
  ASSERT_TRUE(w.ok()) << w.error_message();
  const tv1::CountersSnapshot c = h.WaitForCounters([&](const tv1::CountersSnapshot& s) {
    return DropsOf(s, tv1::DROP_REASON_MTU_EXCEEDED) + DropsOf(s, tv1::DROP_REASON_PORT_DOWN) +
               DropsOf(s, tv1::DROP_REASON_NO_ROUTE) +
               (PortOf(s, 2) != nullptr ? PortOf(s, 2)->tx_packets() : 0) >=
           in.size();
  });
  std::vector<Bytes> frames;
  ASSERT_TRUE(ReadPcap(out, &frames));
  std::set<std::string> on_core;
  for (const Bytes& f : frames) {
    const SrOut o = DecodeSrFrame(f);
    ASSERT_TRUE(o.ok);
    EXPECT_LE(f.size() - 14, 1280u);
    on_core.insert(FlowId(o.inner_src, o.sport));
  }
  // Both policies carry flows; each flow on port 2 sent its two small
  // packets and lost its big one to the MTU, from the cache.
  const uint64_t up = on_core.size();
  ASSERT_GT(up, 0u);
  ASSERT_LT(up, uint64_t{kFlows});
  EXPECT_EQ(frames.size(), 2 * up);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_MTU_EXCEEDED), up);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_PORT_DOWN), 3 * (kFlows - up));
  ASSERT_EQ(c.workers_size(), 1);
  EXPECT_EQ(c.workers(0).flow_cache_hits(), 2 * up);  // None for the down port's flows.
}

}  // namespace
}  // namespace cpn::testing
