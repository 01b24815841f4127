// Flow cache: hits only for the exact key in the current epoch; two flows
// of one set both stay, a third replaces the older; Clear() forgets everything, also across the
// epoch counter's wrap; bad sizes are refused.
#include "dataplane/tables/flow_cache.h"

#include <cstdint>
#include <memory>

#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

FlowKey Key(uint32_t i) {
  FlowKey k{};
  k.src[0] = 0x20;
  k.src[15] = static_cast<uint8_t>(i);
  k.src[14] = static_cast<uint8_t>(i >> 8);
  k.dst[0] = 0xfd;
  k.src_port = static_cast<uint16_t>(i);
  k.dst_port = 443;
  k.protocol = 17;
  return k;
}

FlowCacheValue Value(uint32_t i) { return FlowCacheValue{i, i + 1, i + 2, i + 3, i + 4}; }

std::unique_ptr<FlowCache> Make(uint32_t entries) {
  auto c = FlowCache::Create(entries);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

TEST(TablesFlowCacheTest, FindsOnlyTheExactKey) {
  auto c = Make(16);
  EXPECT_EQ(c->Find(Key(1), 5), nullptr);  // Empty.
  c->Insert(Key(1), 5, Value(1));
  const FlowCacheValue* v = c->Find(Key(1), 5);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->rule, 1u);
  EXPECT_EQ(v->policy, 2u);
  EXPECT_EQ(v->next_hop, 3u);
  EXPECT_EQ(v->affinity_position, 4u);
  EXPECT_EQ(v->affinity_incarnation, 5u);
  // Same slot, another key: a miss. Every byte of the key counts.
  for (size_t byte = 0; byte < sizeof(FlowKey); ++byte) {
    FlowKey k = Key(1);
    reinterpret_cast<uint8_t*>(&k)[byte] ^= 0x01;
    EXPECT_EQ(c->Find(k, 5), nullptr) << "byte " << byte;
  }
  // The set is the hash modulo the sets (16 entries: 8 sets of two).
  EXPECT_NE(c->Find(Key(1), 13), nullptr);
  EXPECT_NE(c->Find(Key(1), 21), nullptr);
  EXPECT_EQ(c->Find(Key(1), 6), nullptr);
}

TEST(TablesFlowCacheTest, TwoFlowsShareASetAThirdReplacesTheOlder) {
  auto c = Make(8);                 // 4 sets.
  c->Insert(Key(1), 3, Value(1));
  c->Insert(Key(2), 7, Value(2));   // 7 mod 4 == 3: the same set, both stay.
  ASSERT_NE(c->Find(Key(1), 3), nullptr);
  ASSERT_NE(c->Find(Key(2), 7), nullptr);
  EXPECT_EQ(c->Find(Key(1), 3)->rule, 1u);
  EXPECT_EQ(c->Find(Key(2), 7)->rule, 2u);
  // A third flow of the set replaces the one inserted first.
  c->Insert(Key(3), 11, Value(3));
  EXPECT_EQ(c->Find(Key(1), 3), nullptr);
  ASSERT_NE(c->Find(Key(2), 7), nullptr);
  ASSERT_NE(c->Find(Key(3), 11), nullptr);
  EXPECT_EQ(c->Find(Key(3), 11)->rule, 3u);
  c->Insert(Key(4), 4, Value(4));   // Another set: the others stay.
  EXPECT_NE(c->Find(Key(2), 7), nullptr);
  EXPECT_NE(c->Find(Key(3), 11), nullptr);
  EXPECT_NE(c->Find(Key(4), 4), nullptr);
}

TEST(TablesFlowCacheTest, ReinsertingACachedKeyFindsTheNewValue) {
  auto c = Make(2);  // One set.
  c->Insert(Key(1), 0, Value(1));
  c->Insert(Key(2), 0, Value(2));
  // Key 1 is in way 1, key 2 in way 0. Re-insert key 2 (way 0 again: its
  // old copy goes to way 1, over key 1) and then key 1.
  c->Insert(Key(2), 0, Value(12));
  ASSERT_NE(c->Find(Key(2), 0), nullptr);
  EXPECT_EQ(c->Find(Key(2), 0)->rule, 12u);
  c->Insert(Key(1), 0, Value(21));
  ASSERT_NE(c->Find(Key(1), 0), nullptr);
  EXPECT_EQ(c->Find(Key(1), 0)->rule, 21u);
  ASSERT_NE(c->Find(Key(2), 0), nullptr);
  EXPECT_EQ(c->Find(Key(2), 0)->rule, 12u);  // Never the stale copy.
  // Re-insert the key in way 0 twice: both ways hold it, the newest wins.
  c->Insert(Key(1), 0, Value(31));
  EXPECT_EQ(c->Find(Key(1), 0)->rule, 31u);
}

TEST(TablesFlowCacheTest, AfterAClearTwoNewFlowsShareTheSet) {
  auto c = Make(2);  // One set.
  c->Insert(Key(1), 0, Value(1));
  c->Clear();
  c->Insert(Key(2), 0, Value(2));  // Way 0 was stale: key 2 takes it.
  c->Insert(Key(3), 0, Value(3));  // Key 2 moves to way 1.
  EXPECT_EQ(c->Find(Key(1), 0), nullptr);
  EXPECT_NE(c->Find(Key(2), 0), nullptr);
  EXPECT_NE(c->Find(Key(3), 0), nullptr);
}

TEST(TablesFlowCacheTest, ClearForgetsEverythingAcrossTheEpochWrap) {
  auto c = Make(4);
  c->Insert(Key(1), 0, Value(1));
  c->Clear();
  EXPECT_EQ(c->Find(Key(1), 0), nullptr);
  c->Insert(Key(2), 1, Value(2));
  EXPECT_NE(c->Find(Key(2), 1), nullptr);
  // Wrap the 32-bit epoch: an entry written in epoch 1 must not come back.
  auto w = Make(4);
  w->Insert(Key(9), 2, Value(9));  // Epoch 1.
  for (uint64_t i = 0; i < (uint64_t{1} << 32) - 1; ++i) {
    w->Clear();
    if (i == 0) {
      ASSERT_EQ(w->Find(Key(9), 2), nullptr);
    }
  }
  // The epoch is 1 again here.
  EXPECT_EQ(w->Find(Key(9), 2), nullptr);
  w->Insert(Key(9), 2, Value(9));
  EXPECT_NE(w->Find(Key(9), 2), nullptr);
}

TEST(TablesFlowCacheTest, RefusesSizesThatAreNotPowersOfTwo) {
  for (uint32_t bad : {0u, 1u, 3u, 1000u, (1u << 24) + 1, 1u << 25}) {
    EXPECT_FALSE(FlowCache::Create(bad).ok()) << bad;
  }
  EXPECT_EQ(Make(2)->entries(), 2u);
  EXPECT_EQ(Make(8192)->entries(), 8192u);
}

}  // namespace
}  // namespace cpn::dataplane
