// rewrite + tx: Ethernet / 802.1Q written for the adjacency, per-port
// buffering and flushing, and counted drops when the queue is full.
#include "dataplane/stages/tx.h"

#include <vector>

#include "dataplane/stages/packet_meta.h"
#include "gtest/gtest.h"
#include "tests/dataplane/stages/srv6_test_util.h"

namespace cpn::dataplane {
namespace {

using testing::Bytes;
using testing::PacketBuilder;

// Takes up to `capacity` packets per call and keeps their bytes.
class FakeSink : public TxSink {
 public:
  explicit FakeSink(uint16_t capacity = 1024) : capacity_(capacity) {}
  uint16_t Transmit(uint16_t port, rte_mbuf** pkts, uint16_t n) override {
    ++calls;
    const uint16_t take = n < capacity_ ? n : capacity_;
    for (uint16_t i = 0; i < take; ++i) {
      sent.push_back({port, testing::FromMbuf(pkts[i])});
      rte_pktmbuf_free(pkts[i]);
    }
    return take;
  }
  struct Sent {
    uint16_t port;
    Bytes bytes;
  };
  std::vector<Sent> sent;
  int calls = 0;

 private:
  uint16_t capacity_;
};

Adjacency Adj(uint16_t port, uint16_t vlan = 0) {
  Adjacency a;
  a.src_mac = {{0x02, 0, 0, 0, 0, 0xaa}};
  a.dst_mac = {{0x02, 0, 0, 0, 0, 0xbb}};
  a.port = port;
  a.vlan_id = vlan;
  a.valid = true;
  return a;
}

rte_mbuf* L3Packet(bool v4, uint32_t next_hop) {
  const Bytes f = v4 ? PacketBuilder().Eth().Ipv4("10.0.0.1", "10.0.0.2").Udp(1, 2).Build()
                     : PacketBuilder().Eth().Ipv6("2001:db8::1", "2001:db8::2").Udp(1, 2).Build();
  rte_mbuf* m = testing::Parsed(f);
  if (m != nullptr) Meta(m)->next_hop = next_hop;
  return m;
}

TEST(DpTx, WritesEthernetForTheAdjacency) {
  const std::vector<Adjacency> adj = {Adj(0), Adj(1, 100)};
  TxStage tx;
  FakeSink sink;
  DropCounters d;
  rte_mbuf* pkts[2] = {L3Packet(false, 0), L3Packet(true, 1)};
  const Bytes l3v6 = testing::FromMbuf(pkts[0]);
  const Bytes l3v4 = testing::FromMbuf(pkts[1]);
  tx.ProcessBurst(pkts, 2, adj, sink, d);
  EXPECT_EQ(sink.calls, 0);  // Buffered until Flush or a full burst.
  EXPECT_EQ(tx.buffered(0), 1);
  tx.Flush(sink, d);
  ASSERT_EQ(sink.sent.size(), 2u);
  EXPECT_EQ(d.Total(), 0u);
  Bytes want6 = PacketBuilder()
                    .Eth("02:00:00:00:00:bb", "02:00:00:00:00:aa")
                    .Ipv6("2001:db8::1", "2001:db8::2")
                    .Udp(1, 2)
                    .Build();
  EXPECT_EQ(sink.sent[0].port, 0);
  EXPECT_EQ(sink.sent[0].bytes, want6);
  Bytes want4 = PacketBuilder()
                    .Eth("02:00:00:00:00:bb", "02:00:00:00:00:aa")
                    .Vlan(100)
                    .Ipv4("10.0.0.1", "10.0.0.2")
                    .Udp(1, 2)
                    .Build();
  EXPECT_EQ(sink.sent[1].port, 1);
  EXPECT_EQ(sink.sent[1].bytes, want4);
  EXPECT_EQ(tx.sent(0), 1u);
  EXPECT_EQ(tx.sent(1), 1u);
}

TEST(DpTx, UnknownOrUnresolvedAdjacencyIsDropped) {
  std::vector<Adjacency> adj = {Adj(0), Adj(kMaxTxPorts)};
  adj.push_back(Adj(0));
  adj[0].valid = false;
  TxStage tx;
  FakeSink sink;
  DropCounters d;
  rte_mbuf* pkts[4] = {L3Packet(false, 0), L3Packet(false, 1), L3Packet(false, 99),
                       L3Packet(false, 2)};
  Meta(pkts[3])->l3_type = L3Type::kNone;
  tx.ProcessBurst(pkts, 4, adj, sink, d);
  tx.Flush(sink, d);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_EQ(d[DropReason::kNoAdjacency], 3u);
  EXPECT_EQ(d[DropReason::kRewriteNotIp], 1u);
}

TEST(DpTx, NoHeadroomForEthernetIsDropped) {
  const std::vector<Adjacency> adj = {Adj(0)};
  rte_mbuf* m = L3Packet(false, 0);
  ASSERT_NE(rte_pktmbuf_prepend(m, rte_pktmbuf_headroom(m) - 10), nullptr);  // 10 bytes left.
  TxStage tx;
  FakeSink sink;
  DropCounters d;
  tx.ProcessBurst(&m, 1, adj, sink, d);
  EXPECT_EQ(d[DropReason::kRewriteNoHeadroom], 1u);
}

TEST(DpTx, FullBufferFlushesAndRingFullIsCounted) {
  const std::vector<Adjacency> adj = {Adj(3)};
  TxStage tx(/*flush_threshold=*/8);
  FakeSink sink(/*capacity=*/5);  // The "ring" takes 5 of every burst.
  DropCounters d;
  std::vector<rte_mbuf*> pkts;
  for (int i = 0; i < 20; ++i) pkts.push_back(L3Packet(i % 2 == 0, 0));
  tx.ProcessBurst(pkts.data(), 20, adj, sink, d);  // Flushes at 8 and 16.
  EXPECT_EQ(sink.calls, 2);
  EXPECT_EQ(tx.buffered(3), 4);
  tx.Flush(sink, d);
  EXPECT_EQ(sink.calls, 3);
  EXPECT_EQ(sink.sent.size(), 5u + 5u + 4u);
  EXPECT_EQ(d[DropReason::kTxRingFull], 3u + 3u);
  EXPECT_EQ(tx.sent(3), 14u);
  tx.Flush(sink, d);  // Nothing pending: no call.
  EXPECT_EQ(sink.calls, 3);
}

TEST(DpTx, DestructorFreesBufferedPackets) {
  rte_mempool* pool = testing::MetaPktPool();
  const unsigned before = rte_mempool_avail_count(pool);
  {
    const std::vector<Adjacency> adj = {Adj(0)};
    TxStage tx;
    FakeSink sink;
    DropCounters d;
    rte_mbuf* m = L3Packet(false, 0);
    tx.ProcessBurst(&m, 1, adj, sink, d);
    EXPECT_EQ(tx.buffered(0), 1);
  }
  EXPECT_EQ(rte_mempool_avail_count(pool), before);
}

}  // namespace
}  // namespace cpn::dataplane
