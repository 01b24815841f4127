// Ports over real vdevs, no NIC, no hugepages: probing by devargs, a burst
// through a pair of ring ports, a net_pcap rx/tx round trip, and the stages
// running between two ports as a worker loop would run them.
#include <rte_eth_ring.h>
#include <rte_ring.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "dataplane/ports/ethdev_tx_sink.h"
#include "dataplane/ports/port.h"
#include "dataplane/ports/port_set.h"
#include "dataplane/stages/encap.h"
#include "dataplane/stages/packet_meta.h"
#include "dataplane/stages/parse.h"
#include "dataplane/stages/tx.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"
#include "tests/dataplane/stages/packet_builder.h"
#include "tests/dataplane/stages/test_packets.h"

namespace cpn::dataplane {
namespace {

using testing::Bytes;
using ::testing::HasSubstr;
using testing::PacketBuilder;

PortConfig Config(const std::string& devargs) {
  PortConfig c;
  c.devargs = devargs;
  c.pool = testing::MetaPktPool();
  c.rx_descriptors = 256;
  c.tx_descriptors = 256;
  return c;
}

std::string Unique(const char* stem) {
  static int n = 0;
  return absl::StrCat(stem, ++n);
}

Bytes Frame(uint16_t sport) {
  return PacketBuilder()
      .Eth()
      .Ipv6("2001:db8::1", "2001:db8::2")
      .Udp(sport, 80)
      .Payload(30)
      .Build();
}

// Polls until `want` packets arrived or ~1 s passed.
std::vector<rte_mbuf*> RxAll(Port& port, size_t want) {
  std::vector<rte_mbuf*> got;
  rte_mbuf* buf[32];
  for (int tries = 0; tries < 1000 && got.size() < want; ++tries) {
    const uint16_t n = port.RxBurst(0, buf, 32);
    got.insert(got.end(), buf, buf + n);
    if (n == 0) rte_delay_us_sleep(1000);
  }
  return got;
}

TEST(DpPorts, VdevsProbeWithoutHugepages) {
  for (const std::string& devargs :
       {Unique("net_null"), Unique("net_ring"), absl::StrCat(Unique("net_null"), ",size=128")}) {
    auto port = Port::Create(Config(devargs));
    ASSERT_TRUE(port.ok()) << port.status();
    EXPECT_TRUE((*port)->Start().ok());
    EXPECT_TRUE((*port)->started());
    EXPECT_TRUE((*port)->Stop().ok());
    EXPECT_EQ((*port)->devargs(), devargs);
  }
}

TEST(DpPorts, MemifProbesWithoutHugepagesWhenAvailable) {
  const std::string sock = testing::TempPath("memif.sock");
  auto port = Port::Create(Config(
      absl::StrCat(Unique("net_memif"), ",role=server,socket=", sock, ",socket-abstract=no")));
  if (!port.ok()) GTEST_SKIP() << "net_memif unavailable here: " << port.status();
  EXPECT_TRUE((*port)->Start().ok());
  port->reset();
  std::remove(sock.c_str());
}

TEST(DpPorts, BadDevargsNameTheDevargsAndTheDpdkError) {
  auto port = Port::Create(Config("net_nosuchdriver0,x=1"));
  ASSERT_FALSE(port.ok());
  EXPECT_THAT(std::string(port.status().message()), HasSubstr("net_nosuchdriver0,x=1"));
  EXPECT_THAT(std::string(port.status().message()), HasSubstr("rte_dev_probe"));
  auto pcap =
      Port::Create(Config(absl::StrCat(Unique("net_pcap"), ",rx_pcap=/nonexistent/x.pcap")));
  ASSERT_FALSE(pcap.ok());
  EXPECT_THAT(std::string(pcap.status().message()), HasSubstr("/nonexistent/x.pcap"));
}

TEST(DpPorts, MoreQueuesThanTheDeviceHasIsAnError) {
  PortConfig c = Config(Unique("net_ring"));
  c.rx_queues = 64;
  auto port = Port::Create(c);
  ASSERT_FALSE(port.ok());
  EXPECT_THAT(std::string(port.status().message()), HasSubstr("64 rx"));
  EXPECT_THAT(std::string(port.status().message()), HasSubstr(c.devargs));
}

TEST(DpPorts, RxWithoutPoolIsAnError) {
  PortConfig c = Config(Unique("net_null"));
  c.pool = nullptr;
  EXPECT_EQ(Port::Create(c).status().code(), absl::StatusCode::kInvalidArgument);
}

// Two ports over a pair of rings, crossed: what A sends, B receives.
struct RingPair {
  rte_ring* ab = nullptr;
  rte_ring* ba = nullptr;
  std::unique_ptr<Port> a, b;

  static RingPair Make(unsigned ring_size = 1024) {
    RingPair p;
    const std::string n = Unique("rp");
    p.ab = rte_ring_create((n + "ab").c_str(), ring_size, SOCKET_ID_ANY,
                           RING_F_SP_ENQ | RING_F_SC_DEQ);
    p.ba = rte_ring_create((n + "ba").c_str(), ring_size, SOCKET_ID_ANY,
                           RING_F_SP_ENQ | RING_F_SC_DEQ);
    const int a = rte_eth_from_rings((n + "a").c_str(), &p.ba, 1, &p.ab, 1, SOCKET_ID_ANY);
    const int b = rte_eth_from_rings((n + "b").c_str(), &p.ab, 1, &p.ba, 1, SOCKET_ID_ANY);
    EXPECT_GE(a, 0);
    EXPECT_GE(b, 0);
    auto pa = Port::Attach(static_cast<uint16_t>(a), Config(n + "a"));
    auto pb = Port::Attach(static_cast<uint16_t>(b), Config(n + "b"));
    EXPECT_TRUE(pa.ok()) << pa.status();
    EXPECT_TRUE(pb.ok()) << pb.status();
    if (pa.ok()) p.a = *std::move(pa);
    if (pb.ok()) p.b = *std::move(pb);
    EXPECT_TRUE(p.a->Start().ok());
    EXPECT_TRUE(p.b->Start().ok());
    return p;
  }
  ~RingPair() {
    a.reset();
    b.reset();
    rte_ring_free(ab);
    rte_ring_free(ba);
  }
  RingPair() = default;
  RingPair(RingPair&& o) noexcept : ab(o.ab), ba(o.ba), a(std::move(o.a)), b(std::move(o.b)) {
    o.ab = o.ba = nullptr;
  }
};

TEST(DpPorts, RingPairPassesABurst) {
  RingPair p = RingPair::Make();
  std::vector<Bytes> sent;
  rte_mbuf* burst[32];
  for (uint16_t i = 0; i < 32; ++i) {
    sent.push_back(Frame(i));
    // Ports need no metadata: plain mbufs from the shared test pool. (This
    // reference also links cpn_test_eal's environment into the binary: it is
    // a static library, so an unreferenced object would not start EAL.)
    burst[i] = testing::ToMbuf(sent.back(), cpn::testing::TestPktPool());
  }
  ASSERT_EQ(p.a->TxBurst(0, burst, 32), 32);
  std::vector<rte_mbuf*> got = RxAll(*p.b, 32);
  ASSERT_EQ(got.size(), 32u);
  for (size_t i = 0; i < 32; ++i) {
    EXPECT_EQ(testing::FromMbuf(got[i]), sent[i]);
    rte_pktmbuf_free(got[i]);
  }
  auto sa = p.a->Stats();
  auto sb = p.b->Stats();
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_EQ(sa->tx_packets, 32u);
  EXPECT_EQ(sb->rx_packets, 32u);
  EXPECT_TRUE(p.b->ResetStats().ok());
  EXPECT_EQ(p.b->Stats()->rx_packets, 0u);
}

TEST(DpPorts, RingDevargsPortLoopsBack) {
  // net_ring created from devargs alone uses one ring per queue for rx and tx.
  auto port = Port::Create(Config(Unique("net_ring")));
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_TRUE((*port)->Start().ok());
  rte_mbuf* m = testing::ToMbuf(Frame(7));
  ASSERT_EQ((*port)->TxBurst(0, &m, 1), 1);
  std::vector<rte_mbuf*> got = RxAll(**port, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(testing::FromMbuf(got[0]), Frame(7));
  rte_pktmbuf_free(got[0]);
}

TEST(DpPorts, PcapRoundTrip) {
  std::vector<Bytes> in;
  for (uint16_t i = 0; i < 20; ++i) in.push_back(Frame(i));
  in.push_back(PacketBuilder().Eth().Vlan(7).Ipv4("10.0.0.1", "10.0.0.2").Tcp(1, 2).Build(64));
  const std::string rx = testing::TempPath("rx.pcap");
  const std::string tx = testing::TempPath("tx.pcap");
  ASSERT_TRUE(testing::WritePcap(rx, in));
  {
    auto port =
        Port::Create(Config(absl::StrCat(Unique("net_pcap"), ",rx_pcap=", rx, ",tx_pcap=", tx)));
    ASSERT_TRUE(port.ok()) << port.status();
    ASSERT_TRUE((*port)->Start().ok());
    std::vector<rte_mbuf*> got = RxAll(**port, in.size());
    ASSERT_EQ(got.size(), in.size());
    EXPECT_EQ((*port)->TxBurst(0, got.data(), static_cast<uint16_t>(got.size())), got.size());
  }  // Closing the port flushes and closes tx.pcap.
  std::vector<Bytes> out;
  ASSERT_TRUE(testing::ReadPcap(tx, &out));
  EXPECT_EQ(out, in);
  std::remove(rx.c_str());
  std::remove(tx.c_str());
}

// A worker iteration across real ports: rx on A's partner, parse, encap,
// rewrite, tx on B through EthdevTxSink; the partner of B receives the
// SRv6 packets. With a tiny ring, the overflow shows up as kTxRingFull.
TEST(DpPorts, StagesBetweenRingPorts) {
  RingPair in = RingPair::Make();
  RingPair out = RingPair::Make(/*ring_size=*/16);  // 15 usable slots.
  uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  Ipv6Addr sids[2] = {{0xfc, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe},
                      {0xfc, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd6}};
  auto policy = MakeSrv6EncapPolicy(src, sids, EncapMode::kEncaps);
  ASSERT_TRUE(policy.ok());
  std::vector<Adjacency> adj(1);
  adj[0].port = out.a->id();
  adj[0].src_mac = out.a->mac();
  adj[0].dst_mac = {{0x02, 0, 0, 0, 0, 0x99}};
  adj[0].valid = true;

  rte_mbuf* burst[32];
  for (uint16_t i = 0; i < 32; ++i) burst[i] = testing::ToMbuf(Frame(i));
  ASSERT_EQ(in.b->TxBurst(0, burst, 32), 32);  // Traffic arrives on in.a.

  const ParseStage parse;
  const EncapStage encap;
  TxStage tx;
  EthdevTxSink sink(0);
  DropCounters drops;
  rte_mbuf* pkts[32];
  const uint16_t n = in.a->RxBurst(0, pkts, 32);
  ASSERT_EQ(n, 32);
  EdgeBuffers<ParseEdge> po;
  parse.ProcessBurst(pkts, n, po, drops);
  Burst& v6 = po[ParseEdge::kIpv6];
  for (uint16_t i = 0; i < v6.n; ++i) Meta(v6.pkts[i])->encap_policy = &*policy;
  EdgeBuffers<EncapEdge> eo;
  encap.ProcessBurst(v6.pkts, v6.n, eo, drops);
  Burst& enc = eo[EncapEdge::kIpv6Lookup];
  for (uint16_t i = 0; i < enc.n; ++i) Meta(enc.pkts[i])->next_hop = 0;
  tx.ProcessBurst(enc.pkts, enc.n, adj, sink, drops);
  tx.Flush(sink, drops);

  EXPECT_EQ(tx.sent(out.a->id()), 15u);
  EXPECT_EQ(drops[DropReason::kTxRingFull], 17u);
  std::vector<rte_mbuf*> got = RxAll(*out.b, 15);
  ASSERT_EQ(got.size(), 15u);
  for (size_t i = 0; i < got.size(); ++i) {
    const Bytes b = testing::FromMbuf(got[i]);
    ASSERT_EQ(b.size(), 14u + 40 + 8 + 32 + Frame(0).size() - 14);
    EXPECT_EQ(b[12], 0x86);
    EXPECT_EQ(b[13], 0xdd);
    EXPECT_EQ(b[14 + 6], 43);      // SRH follows.
    EXPECT_EQ(b[14 + 40 + 3], 1);  // Segments Left.
    const Bytes frame = Frame(static_cast<uint16_t>(i));
    EXPECT_EQ(testing::Hex(Bytes(b.begin() + 14 + 80, b.end())),
              testing::Hex(Bytes(frame.begin() + 14, frame.end())));
    rte_pktmbuf_free(got[i]);
  }
}

TEST(DpPortSet, TracksPortsById) {
  PortSet set;
  auto a = set.Add(Config(Unique("net_null")));
  auto b = set.Add(Config(Unique("net_ring")));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(set.Get((*a)->id()), *a);
  EXPECT_EQ(set.Get((*b)->id()), *b);
  EXPECT_EQ(set.Get(RTE_MAX_ETHPORTS - 1), nullptr);
  EXPECT_TRUE(set.StartAll().ok());
  EXPECT_TRUE((*a)->started() && (*b)->started());
  EXPECT_TRUE(set.StopAll().ok());
  EXPECT_FALSE((*a)->started());
  auto bad = set.Add(Config("net_nosuchdriver1"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace cpn::dataplane
