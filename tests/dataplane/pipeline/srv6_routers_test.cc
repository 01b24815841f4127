// End to end, in process, as the steering test: a transit router running
// SRv6 End (and plain IPv6 forwarding) and a site router decapsulating
// (End.DX6, End.DX4, End.DT6, End followed by a local decap SID), each
// programmed over gRPC and fed a pcap. Every output frame is checked byte
// for byte; every dropped packet is counted under its reason.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/dataplane/agent/dataplane_harness.h"
#include "tests/dataplane/eal_environment.h"
#include "tests/dataplane/pipeline/pipeline_test_util.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::testing {
namespace {

constexpr char kOutMac[] = "02:00:00:00:02:02";
constexpr char kPeerMac[] = "02:00:00:00:00:33";

const Flow kFlow{"2001:db8:1::7", "2001:db8:cafe::1", 40000, 443};

Bytes Encapsulated(const char* dst, const std::vector<const char*>& srh, uint8_t sl,
                   const Bytes& inner, uint8_t proto = 41, uint8_t hop_limit = 64) {
  Ipv6Opts o;
  o.hop_limit = hop_limit;
  o.flow_label = 0x12345;
  PacketBuilder b;
  b.Eth().Ipv6("2001:db8:ff::1", dst, o);
  if (!srh.empty()) b.Srh(srh, sl);
  return b.Raw(inner, proto).Build();
}

// Frames as sorted hex: packets of different paths may leave in any order
// within a burst (each flow keeps its own order).
std::vector<std::string> AnyOrder(const std::vector<Bytes>& frames) {
  std::vector<std::string> out;
  for (const Bytes& f : frames) out.push_back(Hex(f));
  std::sort(out.begin(), out.end());
  return out;
}

Bytes Arp() {
  Bytes b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06};
  b.resize(60, 0);
  return b;
}

struct Router {
  DataplaneHarness h;
  std::unique_ptr<ControllerStream> ctl;
  std::string out;
  Router() : ctl(h.Connect(1)), out(TempFile("out.pcap")) {}

  // Installs `config` plus the two ports (1: in, fed `frames`; 2: out) and
  // waits until `expect_out` frames went out and every packet was handled.
  std::vector<Bytes> Run(const std::vector<Bytes>& frames, std::vector<v1::Update> config,
                         size_t expect_out, tv1::CountersSnapshot* counters) {
    config.push_back(Insert(
        PortEntity(1, "in", PcapPort(TempFile("in.pcap"), frames, TempFile("discard.pcap")))));
    config.push_back(
        Insert(PortEntity(2, "out", PcapPort(TempFile("empty.pcap"), {}, out), kOutMac)));
    const grpc::Status s = h.Write(1, 0, 1, config);
    EXPECT_TRUE(s.ok()) << s.error_message();
    *counters = h.WaitForCounters([&](const tv1::CountersSnapshot& c) {
      const tv1::PortCounters* p = PortOf(c, 2);
      uint64_t drops = 0;
      for (const auto& d : c.drops()) drops += d.packets();
      return p != nullptr && p->tx_packets() >= expect_out &&
             p->tx_packets() + drops >= frames.size();
    });
    std::vector<Bytes> got;
    EXPECT_TRUE(ReadPcap(out, &got));
    return got;
  }
};

TEST(DpSrv6Routers, TransitRouterRunsEndAndForwardsPlainIpv6) {
  Router r;
  const Bytes inner = Ipv6Udp(kFlow);
  const std::vector<Bytes> in = {
      Encapsulated("fc00:2::e", {"fc00:3::d6", "fc00:2::e"}, 1, inner),         // End.
      Encapsulated("fc00:2::e1", {"fc00:3::d6", "fc00:2::e1"}, 1, inner),       // End with PSP.
      Frame(Flow{"2001:db8:1::7", "2001:db8:9::1", 5353, 53}),                  // Plain IPv6.
      Encapsulated("fc00:2::99", {"fc00:3::d6", "fc00:2::99"}, 1, inner),       // Locator, no SID.
      Encapsulated("fc00:2::e", {"fc00:3::d6", "fc00:2::e"}, 1, inner, 41, 1),  // Hop limit 1.
      Encapsulated("fc00:2::e", {"fc00:2::e"}, 0, inner),                       // End at SL 0.
      Frame(Flow{"2001:db8:1::7", "2001:db8:77::1", 5353, 53}),                 // No route.
      Arp(),                                                                    // Not IP.
      Frame(Flow{"2001:db8:1::7", "ff02::fb", 5353, 5353}),                     // Multicast.
  };
  tv1::CountersSnapshot c;
  const std::vector<Bytes> out =
      r.Run(in,
            {Insert(NeighborEntity(2, "fe80::3", kPeerMac)),
             Insert(RouteVia(0, "fc00:3::/32", {{2, "fe80::3"}})),
             Insert(RouteVia(0, "2001:db8:9::/48", {{2, "fe80::3"}})),
             Insert(RouteLocal(0, "fc00:2::/32")), Insert(SidEnd("fc00:2::e")),
             Insert(SidEnd("fc00:2::e1", {v1::SID_FLAVOR_PSP}))},
            3, &c);
  ASSERT_EQ(out.size(), 3u);
  Ipv6Opts o;
  o.hop_limit = 63;
  o.flow_label = 0x12345;
  const Bytes end = PacketBuilder()
                        .Eth(kPeerMac, kOutMac)
                        .Ipv6("2001:db8:ff::1", "fc00:3::d6", o)
                        .Srh({"fc00:3::d6", "fc00:2::e"}, 0)
                        .Raw(inner, 41)
                        .Build();
  const Bytes psp = PacketBuilder()
                        .Eth(kPeerMac, kOutMac)
                        .Ipv6("2001:db8:ff::1", "fc00:3::d6", o)
                        .Raw(inner, 41)
                        .Build();
  Bytes plain = Frame(Flow{"2001:db8:1::7", "2001:db8:9::1", 5353, 53});
  const Bytes peer = {0x02, 0, 0, 0, 0, 0x33, 0x02, 0, 0, 0, 0x02, 0x02};
  std::copy(peer.begin(), peer.end(), plain.begin());
  plain[14 + 7] = 63;
  EXPECT_EQ(AnyOrder(out), AnyOrder({end, psp, plain}));

  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_NO_LOCAL_SID), 1u);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_HOP_LIMIT_EXPIRED), 1u);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_SRV6_SEGMENTS_LEFT), 1u);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_NO_ROUTE), 1u);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_UNSUPPORTED_PROTOCOL), 2u);  // ARP, multicast.
  ASSERT_EQ(c.local_sids_size(), 2);
  EXPECT_EQ(c.local_sids(0).sid(), "fc00:2::e");
  EXPECT_EQ(c.local_sids(0).packets(), 3u);  // End, hop limit 1, SL 0.
  EXPECT_EQ(c.local_sids(1).packets(), 1u);
}

// Each worker caches the FIB's answers per destination (route_cache.h).
// With traffic to one SID replayed without end, a Write that adds a more
// specific route over another port must move the packets there (another
// route slot): the cache holds only the published state's answers.
TEST(DpSrv6Routers, ARouteChangeReachesDestinationsTheWorkerHasCached) {
  DataplaneHarness h;
  auto ctl = h.Connect(1);
  const std::string rx = TempFile("forever.pcap");
  ASSERT_TRUE(WritePcap(rx, {Encapsulated("fc00:2::e", {"fc00:3::d6", "fc00:2::e"}, 1,
                                          Ipv6Udp(kFlow)),
                             Frame(Flow{"2001:db8:1::7", "fc00:3::d6", 5353, 53})}));
  const std::string in = absl::StrCat(UniqueVdev("net_pcap"), ",rx_pcap=", rx, ",infinite_rx=1");
  auto sink = [] { return absl::StrCat(UniqueVdev("net_null"), ",no-rx=1"); };
  grpc::Status s = h.Write(
      1, 0, 1,
      {Insert(PortEntity(2, "a", sink(), kOutMac)), Insert(PortEntity(3, "b", sink(), kOutMac)),
       Insert(NeighborEntity(2, "fe80::2", kPeerMac)),
       Insert(NeighborEntity(3, "fe80::3", kPeerMac)),
       Insert(RouteVia(0, "fc00:3::/32", {{2, "fe80::2"}})), Insert(RouteLocal(0, "fc00:2::/32")),
       Insert(SidEnd("fc00:2::e")), Insert(PortEntity(1, "in", in))});
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto tx = [](const tv1::CountersSnapshot& c, uint32_t port) {
    const tv1::PortCounters* p = PortOf(c, port);
    return p != nullptr ? p->tx_packets() : 0;
  };
  tv1::CountersSnapshot c =
      h.WaitForCounters([&](const tv1::CountersSnapshot& c) { return tx(c, 2) >= 1000; });
  ASSERT_GE(tx(c, 2), 1000u);
  EXPECT_EQ(tx(c, 3), 0u);
  // Two destinations: after the first burst (whose packets are all looked
  // up before any is cached), every lookup is a hit.
  ASSERT_EQ(c.workers_size(), 1);
  EXPECT_GE(c.workers(0).route_cache_misses(), 2u);
  EXPECT_LE(c.workers(0).route_cache_misses(), uint64_t{dataplane::kMaxBurst});
  EXPECT_GE(c.workers(0).route_cache_hits(), 1000u - dataplane::kMaxBurst);
  // Only the routes change (the ports, and so the input, stay).
  s = h.Write(1, 1, 2, {Insert(RouteVia(0, "fc00:3::/48", {{3, "fe80::3"}}))});
  ASSERT_TRUE(s.ok()) << s.error_message();
  c = h.WaitForCounters([&](const tv1::CountersSnapshot& c) { return tx(c, 3) >= 1000; });
  ASSERT_GE(tx(c, 3), 1000u);
  // And nothing goes to port 2 any more.
  const uint64_t a = tx(c, 2), b = tx(c, 3);
  c = h.WaitForCounters([&](const tv1::CountersSnapshot& c) { return tx(c, 3) >= b + 1000; });
  EXPECT_EQ(tx(c, 2), a);
}

TEST(DpSrv6Routers, SiteRouterDecapsulatesToTheSite) {
  Router r;
  constexpr char kSiteMac6[] = "02:00:00:00:00:55";
  constexpr char kSiteMac4[] = "02:00:00:00:00:54";
  const Bytes inner6 = Ipv6Udp(kFlow);
  const Bytes inner4 =
      PacketBuilder().Ipv4("192.0.2.77", "203.0.113.9").Udp(40000, 443).Payload(20).Build();
  const std::vector<Bytes> in = {
      Encapsulated("fc00:3::d6", {"fc00:3::d6", "fc00:2::e"}, 0, inner6),  // End.DX6.
      Encapsulated("fc00:3::d6", {}, 0, inner6),                           // Reduced, no SRH.
      Encapsulated("fc00:3::d4", {"fc00:3::d4"}, 0, inner4, 4),            // End.DX4.
      Encapsulated("fc00:3::d7", {"fc00:3::d7"}, 0, inner6),               // End.DT6, table 1.
      Encapsulated("fc00:3::e", {"fc00:3::d6", "fc00:3::e"}, 1, inner6),   // End, then DX6 here.
      Encapsulated("fc00:3::d6", {"fc00:3::d6", "fc00:2::e"}, 1, inner6),  // DX6 at SL 1.
      Encapsulated("fc00:3::d4", {"fc00:3::d4"}, 0, inner6),               // DX4, IPv6 inside.
  };
  tv1::CountersSnapshot c;
  const std::vector<Bytes> out = r.Run(
      in,
      {Insert(NeighborEntity(2, "fe80::5", kSiteMac6)),
       Insert(NeighborEntity(2, "192.0.2.5", kSiteMac4)), Insert(RouteLocal(0, "fc00:3::/32")),
       Insert(RouteVia(1, "2001:db8:cafe::/48", {{2, "fe80::5"}})), Insert(SidEnd("fc00:3::e")),
       Insert(SidDx6("fc00:3::d6", 2, "fe80::5")), Insert(SidDx4("fc00:3::d4", 2, "192.0.2.5")),
       Insert(SidDt6("fc00:3::d7", 1))},
      5, &c);
  ASSERT_EQ(out.size(), 5u);
  const Bytes to_site6 = PacketBuilder().Eth(kSiteMac6, kOutMac).Raw(inner6, 41).Build();
  Bytes want6 = to_site6;  // Raw after Eth: fix the EtherType the builder guessed.
  want6[12] = 0x86;
  want6[13] = 0xdd;
  Bytes want4 = PacketBuilder().Eth(kSiteMac4, kOutMac).Raw(inner4, 4).Build();
  want4[12] = 0x08;
  want4[13] = 0x00;
  Bytes want_dt6 = want6;
  want_dt6[14 + 7] = 63;  // Forwarded by the FIB of table 1: hop limit decremented.
  // DX6 twice (with and without SRH), DX4, DT6, and End followed by DX6.
  EXPECT_EQ(AnyOrder(out), AnyOrder({want6, want6, want4, want_dt6, want6}));
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_SRV6_SEGMENTS_LEFT), 1u);
  EXPECT_EQ(DropsOf(c, tv1::DROP_REASON_SRV6_UNEXPECTED_PAYLOAD), 1u);
}

}  // namespace
}  // namespace cpn::testing
