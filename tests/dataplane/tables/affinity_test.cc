// Affinity table: insert/lookup, idle timeout and aging, eviction counting
// on a full table, stale generations, and the memory of 1M entries.
#include "dataplane/tables/affinity.h"

#include <rte_malloc.h>

#include <cstdio>
#include <vector>

#include "dataplane/tables/dpdk_util.h"
#include "gtest/gtest.h"
#include "tests/dataplane/eal_environment.h"

namespace cpn::dataplane {
namespace {

// Also makes the binary link eal_environment.o, whose static initializer
// starts EAL (nothing else here refers to it).
TEST(TablesAffinityTest, EalIsUp) { ASSERT_NE(cpn::testing::TestPktPool(), nullptr); }

FlowKey Flow(uint32_t i) {
  FlowKey k{};
  k.src[0] = 0x20;
  k.src[1] = 0x01;
  k.src[12] = static_cast<uint8_t>(i >> 24);
  k.src[13] = static_cast<uint8_t>(i >> 16);
  k.src[14] = static_cast<uint8_t>(i >> 8);
  k.src[15] = static_cast<uint8_t>(i);
  k.dst[0] = 0x20;
  k.dst[15] = 1;
  k.src_port = static_cast<uint16_t>(1024 + i % 50000);
  k.dst_port = 443;
  k.protocol = 6;
  return k;
}

std::unique_ptr<AffinityTable> Make(uint32_t capacity, uint64_t timeout = 0) {
  AffinityConfig c;
  c.capacity = capacity;
  c.idle_timeout_tsc = timeout;
  auto t = AffinityTable::Create(c);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

bool Find(AffinityTable& t, const FlowKey& k, uint64_t now, AffinityValue* v) {
  const FlowKey* keys[1] = {&k};
  const uint32_t h = t.Hash(k);
  return t.LookupBulk(keys, &h, 1, now, v) == 1;
}

TEST(TablesAffinityTest, InsertLookupUpdateErase) {
  auto t = Make(1024);
  const FlowKey a = Flow(1), b = Flow(2);
  EXPECT_EQ(t->Upsert(a, t->Hash(a), {7, 1}, 100), UpsertResult::kInserted);
  AffinityValue v;
  ASSERT_TRUE(Find(*t, a, 200, &v));
  EXPECT_EQ(v.policy, 7u);
  EXPECT_EQ(v.generation, 1u);
  EXPECT_FALSE(Find(*t, b, 200, &v));
  EXPECT_EQ(t->Upsert(a, t->Hash(a), {8, 2}, 300), UpsertResult::kUpdated);
  ASSERT_TRUE(Find(*t, a, 300, &v));
  EXPECT_EQ(v.policy, 8u);
  EXPECT_TRUE(t->Erase(a, t->Hash(a)));
  EXPECT_FALSE(t->Erase(a, t->Hash(a)));
  EXPECT_FALSE(Find(*t, a, 400, &v));
  const AffinityCounters c = t->counters();
  EXPECT_EQ(c.occupancy, 0u);
  EXPECT_EQ(c.inserts, 1u);
  EXPECT_EQ(c.updates, 1u);
  EXPECT_EQ(c.capacity, 1024u);
}

TEST(TablesAffinityTest, BulkLookupReturnsHitMask) {
  auto t = Make(4096);
  std::vector<FlowKey> keys;
  for (uint32_t i = 0; i < 64; ++i) keys.push_back(Flow(i));
  for (uint32_t i = 0; i < 64; i += 2) t->Upsert(keys[i], t->Hash(keys[i]), {i, 0}, 10);
  const FlowKey* ptrs[64];
  uint32_t hashes[64];
  for (uint32_t i = 0; i < 64; ++i) {
    ptrs[i] = &keys[i];
    hashes[i] = t->Hash(keys[i]);
  }
  AffinityValue v[64];
  const uint64_t hits = t->LookupBulk(ptrs, hashes, 64, 20, v);
  EXPECT_EQ(hits, 0x5555555555555555ull);
  for (uint32_t i = 0; i < 64; i += 2) EXPECT_EQ(v[i].policy, i);
}

TEST(TablesAffinityTest, IdleEntriesTimeOutAndAgeAway) {
  auto t = Make(1024, /*timeout=*/1000);
  for (uint32_t i = 0; i < 100; ++i) t->Upsert(Flow(i), t->Hash(Flow(i)), {1, 0}, 5000);
  AffinityValue v;
  // Flows 0..49 keep sending; 50..99 go quiet.
  for (uint32_t i = 0; i < 50; ++i) ASSERT_TRUE(Find(*t, Flow(i), 5900, &v));
  EXPECT_TRUE(Find(*t, Flow(60), 6000, &v)) << "idle exactly the timeout: still alive";
  EXPECT_FALSE(Find(*t, Flow(70), 6001, &v)) << "idle past the timeout is a miss";
  // Aging is incremental: 256 slots per call, 4 calls sweep the table.
  uint32_t expired = 0;
  for (int call = 0; call < 4; ++call) {
    const uint32_t n = t->Age(6500, 256);
    EXPECT_LE(n, 256u);
    expired += n;
  }
  EXPECT_EQ(expired, 49u);  // 50..99 except 60, refreshed at 6000.
  EXPECT_EQ(t->counters().expirations, 49u);
  EXPECT_EQ(t->counters().occupancy, 51u);
  EXPECT_TRUE(Find(*t, Flow(10), 6500, &v));
  // A timed-out flow comes back as a fresh insert (it was deleted).
  EXPECT_EQ(t->Upsert(Flow(99), t->Hash(Flow(99)), {2, 0}, 6600), UpsertResult::kInserted);
}

TEST(TablesAffinityTest, FullTableEvictsOldestSampledAndCounts) {
  constexpr uint32_t kCap = 1024;
  auto t = Make(kCap);
  uint64_t now = 1;
  for (uint32_t i = 0; i < kCap; ++i) {
    ASSERT_EQ(t->Upsert(Flow(i), t->Hash(Flow(i)), {i, 0}, now++), UpsertResult::kInserted);
  }
  EXPECT_EQ(t->counters().occupancy, kCap);
  // 4,000 more flows into a full table: every one gets in by evicting.
  for (uint32_t i = kCap; i < kCap + 4000; ++i) {
    ASSERT_EQ(t->Upsert(Flow(i), t->Hash(Flow(i)), {i, 0}, now++),
              UpsertResult::kInsertedAfterEviction);
    AffinityValue v;
    ASSERT_TRUE(Find(*t, Flow(i), now, &v)) << "the new flow must be pinned";
  }
  const AffinityCounters c = t->counters();
  EXPECT_EQ(c.occupancy, kCap);
  EXPECT_EQ(c.evictions, 4000u);
  EXPECT_EQ(c.insert_failures, 0u);
  // Evictions pick old entries: the most recent flows survive far more often.
  int recent = 0, old = 0;
  AffinityValue v;
  for (uint32_t i = kCap + 4000 - 200; i < kCap + 4000; ++i) recent += Find(*t, Flow(i), now, &v);
  for (uint32_t i = 0; i < 200; ++i) old += Find(*t, Flow(i), now, &v);
  std::printf("[affinity] after 4000 evictions: %d/200 newest flows kept, %d/200 oldest\n", recent,
              old);
  EXPECT_GT(recent, 180);
  EXPECT_LT(old, 10);
}

TEST(TablesAffinityTest, StaleGenerationIsVisibleToTheCaller) {
  auto t = Make(64);
  const uint32_t live_generation[2] = {5, 6};  // Policy 1 died and came back: 5 -> 6.
  t->Upsert(Flow(1), t->Hash(Flow(1)), {1, 5}, 10);
  AffinityValue v;
  ASSERT_TRUE(Find(*t, Flow(1), 20, &v));
  const bool stale = v.generation != live_generation[v.policy];
  EXPECT_TRUE(stale);
  // The caller re-picks and re-pins the flow.
  EXPECT_EQ(t->Upsert(Flow(1), t->Hash(Flow(1)), {0, 5}, 30), UpsertResult::kUpdated);
  ASSERT_TRUE(Find(*t, Flow(1), 40, &v));
  EXPECT_EQ(v.policy, 0u);
}

// The flow cache's view of an entry: Touch holds while the entry is the pin
// it was (refreshing it), and fails once it expired, was re-pinned, erased
// or evicted -- even when the position is reused by another flow.
TEST(TablesAffinityTest, TouchHoldsOnlyWhileTheEntryIsTheSamePin) {
  auto t = Make(8, /*timeout=*/1000);
  const FlowKey a = Flow(1);
  uint32_t pos = 0;
  ASSERT_EQ(t->Upsert(a, t->Hash(a), {7, 1}, 100, &pos), UpsertResult::kInserted);
  const uint32_t inc = t->incarnation(pos);
  EXPECT_TRUE(t->Touch(pos, inc, 900));
  EXPECT_TRUE(t->Touch(pos, inc, 1800));  // 900 refreshed the entry: not idle.
  EXPECT_FALSE(t->Touch(pos, inc, 2900));  // Idle past the timeout.
  AffinityValue v;
  EXPECT_FALSE(Find(*t, a, 2900, &v));  // As the full lookup says.

  // The same value again: kUnchanged keeps the incarnation.
  ASSERT_EQ(t->Upsert(a, t->Hash(a), {7, 1}, 3000, &pos), UpsertResult::kUpdated);
  const uint32_t repinned = t->incarnation(pos);
  EXPECT_NE(repinned, inc);  // Expired, then pinned anew.
  ASSERT_EQ(t->Upsert(a, t->Hash(a), {7, 1}, 3001, &pos), UpsertResult::kUnchanged);
  EXPECT_TRUE(t->Touch(pos, repinned, 3002));
  // Re-pinned to another policy.
  ASSERT_EQ(t->Upsert(a, t->Hash(a), {8, 1}, 3003, &pos), UpsertResult::kUpdated);
  EXPECT_FALSE(t->Touch(pos, repinned, 3004));
  const uint32_t on_eight = t->incarnation(pos);
  EXPECT_TRUE(t->Touch(pos, on_eight, 3004));
  // Erased, and the position reused by another flow.
  ASSERT_TRUE(t->Erase(a, t->Hash(a)));
  EXPECT_FALSE(t->Touch(pos, on_eight, 3005));
  const FlowKey b = Flow(2);
  uint32_t pos_b = 0;
  ASSERT_EQ(t->Upsert(b, t->Hash(b), {9, 1}, 3006, &pos_b), UpsertResult::kInserted);
  if (pos_b == pos) {
    EXPECT_FALSE(t->Touch(pos, on_eight, 3007));
  }
  EXPECT_TRUE(t->Touch(pos_b, t->incarnation(pos_b), 3007));
}

TEST(TablesAffinityTest, TouchFailsForEvictedAndAgedEntries) {
  auto t = Make(8, /*timeout=*/1000);
  std::vector<uint32_t> pos(8), inc(8);
  for (uint32_t i = 0; i < 8; ++i) {
    const FlowKey k = Flow(i);
    ASSERT_NE(t->Upsert(k, t->Hash(k), {i, 1}, 100 + i, &pos[i]), UpsertResult::kFailed);
    inc[i] = t->incarnation(pos[i]);
  }
  // Full: a ninth flow evicts one of them; exactly that one fails Touch.
  const FlowKey ninth = Flow(100);
  ASSERT_EQ(t->Upsert(ninth, t->Hash(ninth), {50, 1}, 200), UpsertResult::kInsertedAfterEviction);
  int failed = 0;
  for (uint32_t i = 0; i < 8; ++i) failed += t->Touch(pos[i], inc[i], 300) ? 0 : 1;
  EXPECT_EQ(failed, 1);
  // Age deletes what is idle; none of the deleted may Touch again, even
  // right after (an expired entry fails anyway; Age also retires it).
  EXPECT_GT(t->Age(2000, 64), 0u);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_FALSE(t->Touch(pos[i], inc[i], 310)) << i;
}

TEST(TablesAffinityTest, OneMillionEntriesFitIn128MiB) {
  constexpr uint32_t kMillion = 1000000;
  const size_t before = DpdkHeapAllocatedBytes();
  auto t = Make(kMillion, 1u << 30);
  ASSERT_NE(t, nullptr);
  const size_t bytes = DpdkHeapAllocatedBytes() - before;
  std::printf("[affinity] 1,000,000 entries: %zu bytes = %.1f MiB (%.1f bytes/entry)\n", bytes,
              bytes / 1048576.0, static_cast<double>(bytes) / kMillion);
  EXPECT_EQ(bytes, t->memory_bytes());
  EXPECT_LE(bytes, size_t{128} << 20);
  // And it really holds a million flows: fill it without a single eviction.
  for (uint32_t i = 0; i < kMillion; ++i) {
    ASSERT_NE(t->Upsert(Flow(i), t->Hash(Flow(i)), {i % 100, 0}, 1 + i), UpsertResult::kFailed);
  }
  const AffinityCounters c = t->counters();
  EXPECT_EQ(c.occupancy, kMillion);
  EXPECT_EQ(c.evictions, 0u);
  EXPECT_EQ(DpdkHeapAllocatedBytes() - before, bytes) << "filling must not allocate";
  // One more flow evicts exactly one.
  EXPECT_EQ(t->Upsert(Flow(kMillion), t->Hash(Flow(kMillion)), {1, 0}, 1u << 31),
            UpsertResult::kInsertedAfterEviction);
  EXPECT_EQ(t->counters().evictions, 1u);
}

TEST(TablesAffinityTest, RejectsBadConfig) {
  AffinityConfig c;
  c.capacity = 4;
  EXPECT_FALSE(AffinityTable::Create(c).ok());
  c.capacity = 64;
  c.evict_samples = 0;
  EXPECT_FALSE(AffinityTable::Create(c).ok());
}

}  // namespace
}  // namespace cpn::dataplane
