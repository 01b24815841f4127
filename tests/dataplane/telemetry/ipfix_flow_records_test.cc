// The flow-record lifecycle on the pure affinity table (counts, idle
// expiry, active timeout, eviction, re-pin) and the per-worker ring that
// carries records to the exporter (full -> dropped and counted).
#include <vector>

#include "dataplane/tables/affinity.h"
#include "dataplane/telemetry/ipfix_flow_ring.h"
#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

TEST(IpfixFlowRecords, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

struct Captured {
  FlowKey key;
  FlowEnd end;
};

class CaptureSink final : public FlowRecordSink {
 public:
  void Emit(const FlowEnd& e) override { got.push_back(Captured{*e.key, e}); }
  std::vector<Captured> got;
};

FlowKey Flow(uint32_t i) {
  FlowKey k{};
  k.src[0] = 0x20;
  k.src[1] = 0x01;
  k.src[15] = static_cast<uint8_t>(i);
  k.src[14] = static_cast<uint8_t>(i >> 8);
  k.dst[0] = 0x20;
  k.dst[15] = 1;
  k.src_port = static_cast<uint16_t>(1024 + i);
  k.dst_port = 443;
  k.protocol = 17;
  return k;
}

std::unique_ptr<AffinityTable> Make(FlowRecordSink* sink, uint32_t capacity, uint64_t idle,
                                    uint64_t active) {
  AffinityConfig c;
  c.capacity = capacity;
  c.idle_timeout_tsc = idle;
  c.flow_sink = sink;
  c.active_timeout_tsc = active;
  auto t = AffinityTable::Create(c);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

// One packet of `bytes` of `k` at `now`, as the steer stage does it: a hit
// counts on its entry; a miss pins the flow to `policy` and counts.
void Packet(AffinityTable& t, const FlowKey& k, uint64_t now, uint32_t bytes, uint32_t policy = 3) {
  const FlowKey* keys[1] = {&k};
  const uint32_t h = t.Hash(k);
  AffinityValue v;
  if (t.LookupBulk(keys, &h, 1, now, &v) == 1 && v.policy == policy) {
    t.Count(v.position, bytes, now);
    return;
  }
  uint32_t pos = 0;
  ASSERT_NE(t.Upsert(k, h, AffinityValue{policy, 9}, now, &pos), UpsertResult::kFailed);
  t.Count(pos, bytes, now);
}

TEST(IpfixFlowRecords, IdleExpiryExportsCountsAndTimesOnce) {
  CaptureSink sink;
  auto t = Make(&sink, 64, /*idle=*/1000, /*active=*/0);
  const FlowKey a = Flow(1), b = Flow(2);
  Packet(*t, a, 100, 60);
  Packet(*t, a, 200, 1500);
  Packet(*t, a, 300, 40);
  Packet(*t, b, 150, 100);
  EXPECT_EQ(t->Age(1100, 64), 0u);  // Last seen at 300 and 150: not idle yet.
  EXPECT_TRUE(sink.got.empty());
  EXPECT_EQ(t->Age(1301, 64), 2u);
  ASSERT_EQ(sink.got.size(), 2u);
  const Captured* ra = sink.got[0].key == a ? &sink.got[0] : &sink.got[1];
  const Captured* rb = sink.got[0].key == a ? &sink.got[1] : &sink.got[0];
  EXPECT_EQ(ra->end.packets, 3u);
  EXPECT_EQ(ra->end.bytes, 1600u);
  EXPECT_EQ(ra->end.first_tsc, 100u);
  EXPECT_EQ(ra->end.last_tsc, 300u);
  EXPECT_EQ(ra->end.policy, 3u);
  EXPECT_EQ(ra->end.generation, 9u);
  EXPECT_EQ(ra->end.reason, FlowEndReason::kIdleTimeout);
  EXPECT_EQ(rb->end.packets, 1u);
  EXPECT_EQ(rb->end.bytes, 100u);
  EXPECT_EQ(t->Age(5000, 64), 0u);  // Gone: nothing more.
  EXPECT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(t->counters().occupancy, 0u);
}

TEST(IpfixFlowRecords, ActiveTimeoutSplitsALongFlowIntoDeltaRecords) {
  CaptureSink sink;
  auto t = Make(&sink, 64, /*idle=*/1000, /*active=*/500);
  const FlowKey a = Flow(1);
  for (uint64_t now = 100; now <= 700; now += 100) Packet(*t, a, now, 10);  // 7 packets.
  t->Age(700, 64);  // 700 - 100 >= 500: the first record.
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].end.reason, FlowEndReason::kActiveTimeout);
  EXPECT_EQ(sink.got[0].end.packets, 7u);
  EXPECT_EQ(sink.got[0].end.bytes, 70u);
  EXPECT_EQ(sink.got[0].end.first_tsc, 100u);
  EXPECT_EQ(sink.got[0].end.last_tsc, 700u);
  t->Age(750, 64);  // No packet since: nothing.
  EXPECT_EQ(sink.got.size(), 1u);
  Packet(*t, a, 800, 10);  // The entry stayed: a hit, counting from zero.
  Packet(*t, a, 900, 10);
  t->Age(1000, 64);  // 1000 - 800 < 500.
  EXPECT_EQ(sink.got.size(), 1u);
  t->Age(2000, 64);  // Idle since 900.
  ASSERT_EQ(sink.got.size(), 2u);
  EXPECT_EQ(sink.got[1].end.reason, FlowEndReason::kIdleTimeout);
  EXPECT_EQ(sink.got[1].end.packets, 2u);
  EXPECT_EQ(sink.got[1].end.first_tsc, 800u);
  EXPECT_EQ(sink.got[1].end.last_tsc, 900u);
  EXPECT_EQ(t->counters().inserts, 1u);  // One flow throughout.
}

TEST(IpfixFlowRecords, EvictionAndRepinEndTheRecord) {
  CaptureSink sink;
  auto t = Make(&sink, 8, /*idle=*/0, /*active=*/0);
  for (uint32_t i = 0; i < 8; ++i) Packet(*t, Flow(i), 10 + i, 100);
  Packet(*t, Flow(100), 50, 100);  // Full: an entry is evicted.
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].end.reason, FlowEndReason::kLackOfResources);
  EXPECT_EQ(sink.got[0].end.packets, 1u);
  sink.got.clear();
  // The flow's policy went away: the steer stage re-pins it to another.
  const FlowKey k = Flow(100);
  Packet(*t, k, 60, 100);
  Packet(*t, k, 70, 100, /*policy=*/4);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].key, k);
  EXPECT_EQ(sink.got[0].end.reason, FlowEndReason::kForcedEnd);
  EXPECT_EQ(sink.got[0].end.policy, 3u);
  EXPECT_EQ(sink.got[0].end.packets, 2u);  // The packet at 70 counts on policy 4.
  // Erase ends it too.
  sink.got.clear();
  EXPECT_TRUE(t->Erase(k, t->Hash(k)));
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].end.policy, 4u);
  EXPECT_EQ(sink.got[0].end.packets, 1u);
}

TEST(IpfixFlowRecords, SamePinTwiceInOneBurstIsOneFlow) {
  CaptureSink sink;
  auto t = Make(&sink, 64, /*idle=*/1000, /*active=*/0);
  const FlowKey k = Flow(3);
  // Two packets of a new flow in one burst: both miss the bulk lookup and
  // both pin the flow to the same (policy, generation).
  for (int p = 0; p < 2; ++p) {
    uint32_t pos = 0;
    EXPECT_EQ(t->Upsert(k, t->Hash(k), AffinityValue{3, 9}, 100, &pos),
              p == 0 ? UpsertResult::kInserted : UpsertResult::kUnchanged);
    t->Count(pos, 50, 100);
  }
  EXPECT_TRUE(sink.got.empty());
  EXPECT_EQ(t->counters().inserts, 1u);
  EXPECT_EQ(t->counters().updates, 0u);
  t->Age(5000, 64);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].end.packets, 2u);
  EXPECT_EQ(sink.got[0].end.bytes, 100u);
}

TEST(IpfixFlowRecords, ExpiredEntryRepinnedEndsAsIdle) {
  CaptureSink sink;
  auto t = Make(&sink, 64, /*idle=*/100, /*active=*/0);
  const FlowKey k = Flow(7);
  Packet(*t, k, 10, 100);
  Packet(*t, k, 500, 100);  // Expired (a lookup miss), re-pinned in place.
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].end.reason, FlowEndReason::kIdleTimeout);
  EXPECT_EQ(sink.got[0].end.packets, 1u);
  EXPECT_EQ(sink.got[0].end.last_tsc, 10u);
}

TEST(IpfixFlowRecords, EndAllReportsActiveFlowsAsForcedEnd) {
  CaptureSink sink;
  auto t = Make(&sink, 64, /*idle=*/1000, /*active=*/0);
  Packet(*t, Flow(1), 10, 100);
  Packet(*t, Flow(1), 20, 100);
  Packet(*t, Flow(2), 30, 60);
  EXPECT_EQ(t->EndAllRecords(), 2u);
  ASSERT_EQ(sink.got.size(), 2u);
  for (const Captured& c : sink.got) EXPECT_EQ(c.end.reason, FlowEndReason::kForcedEnd);
  EXPECT_EQ(sink.got[0].end.packets + sink.got[1].end.packets, 3u);
  EXPECT_EQ(t->EndAllRecords(), 0u);  // Nothing new since.
  EXPECT_EQ(t->counters().occupancy, 2u);
}

TEST(IpfixFlowRecords, WithoutASinkNothingIsCounted) {
  auto t = Make(nullptr, 64, 100, 50);
  EXPECT_FALSE(t->flow_records());
  const FlowKey k = Flow(1);
  Packet(*t, k, 10, 100);  // Count() is a no-op.
  EXPECT_EQ(t->Age(1000, 64), 1u);
}

TEST(IpfixFlowRecords, RingCarriesRecordsAndCountsWhatItDrops) {
  auto ring = FlowRecordRing::Create(4);
  ASSERT_TRUE(ring.ok()) << ring.status();
  const FlowKey k = Flow(5);
  for (uint32_t i = 0; i < 6; ++i) {
    (*ring)->Emit(FlowEnd{&k, 3, 9, i + 1, 100 * (i + 1), 10, 20, FlowEndReason::kIdleTimeout});
  }
  EXPECT_EQ((*ring)->enqueued(), 4u);
  EXPECT_EQ((*ring)->dropped(), 2u);
  FlowRecord out[8];
  ASSERT_EQ((*ring)->Dequeue(out, 8), 4u);
  EXPECT_EQ(out[0].key, k);
  EXPECT_EQ(out[0].policy_slot, 3u);
  EXPECT_EQ(out[0].policy_generation, 9u);
  EXPECT_EQ(out[3].packets, 4u);
  EXPECT_EQ(out[3].bytes, 400u);
  EXPECT_EQ(out[3].first_tsc, 10u);
  EXPECT_EQ(out[3].last_tsc, 20u);
  EXPECT_EQ(out[3].reason, 1);
  EXPECT_EQ((*ring)->Dequeue(out, 8), 0u);
}

}  // namespace
}  // namespace cpn::dataplane
