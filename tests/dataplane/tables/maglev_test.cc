// Weighted Maglev: shares follow weights, weight changes move the minimum
// share of slots (vs. a from-scratch rebuild), determinism, zero weights.
#include "dataplane/tables/maglev.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

std::unique_ptr<MaglevTable> MustBuild(std::vector<MaglevBackend> b, uint32_t size,
                                       const MaglevTable* prev = nullptr,
                                       MaglevBuildStats* stats = nullptr) {
  absl::StatusOr<std::unique_ptr<MaglevTable>> t = MaglevTable::Build(b, size, prev, stats);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : nullptr;
}

// Fraction of a large set of random flow hashes that each policy gets.
std::map<uint32_t, double> FlowShares(const MaglevTable& t, int flows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::map<uint32_t, double> shares;
  for (int i = 0; i < flows; ++i) shares[t.Select(static_cast<uint32_t>(rng()))] += 1.0 / flows;
  return shares;
}

double MovedFlowFraction(const MaglevTable& a, const MaglevTable& b, int flows) {
  std::mt19937 rng(7);
  int moved = 0;
  for (int i = 0; i < flows; ++i) {
    const uint32_t h = static_cast<uint32_t>(rng());
    moved += a.Select(h) != b.Select(h) ? 1 : 0;
  }
  return static_cast<double>(moved) / flows;
}

TEST(TablesMaglevTest, SlotSharesMatchWeightsExactly) {
  for (uint32_t size : {MaglevTable::kDefaultSize, MaglevTable::kLargeSize}) {
    const std::vector<MaglevBackend> b = {{10, 1}, {11, 2}, {12, 3}, {13, 4}, {14, 0}};
    auto t = MustBuild(b, size);
    const std::vector<uint32_t> counts = t->SlotCounts();
    ASSERT_EQ(counts.size(), 5u);
    for (size_t i = 0; i < 4; ++i) {
      const double ideal = size * (i + 1) / 10.0;
      EXPECT_LE(std::abs(counts[i] - ideal), 1.0) << "backend " << i << " size " << size;
    }
    EXPECT_EQ(counts[4], 0u) << "zero weight owns slots";
  }
}

TEST(TablesMaglevTest, FlowSharesWithinAFewPercentOfWeights) {
  auto t = MustBuild({{1, 50}, {2, 30}, {3, 15}, {4, 5}}, MaglevTable::kDefaultSize);
  const auto shares = FlowShares(*t, 200000, 1);
  EXPECT_NEAR(shares.at(1), 0.50, 0.01);
  EXPECT_NEAR(shares.at(2), 0.30, 0.01);
  EXPECT_NEAR(shares.at(3), 0.15, 0.01);
  EXPECT_NEAR(shares.at(4), 0.05, 0.01);
}

TEST(TablesMaglevTest, AllZeroWeightsYieldNoBackend) {
  auto t = MustBuild({{1, 0}, {2, 0}}, 4099);
  EXPECT_TRUE(t->empty());
  EXPECT_EQ(t->Select(12345), MaglevTable::kNoBackend);
  uint32_t h[3] = {1, 2, 3}, out[3];
  t->SelectBulk(h, 3, out);
  EXPECT_EQ(out[2], MaglevTable::kNoBackend);
  auto none = MustBuild({}, 4099);
  EXPECT_EQ(none->Select(1), MaglevTable::kNoBackend);
  // From empty back to weights, and from weights to all-zero.
  MaglevBuildStats st;
  auto back = MustBuild({{1, 1}, {2, 1}}, 4099, t.get(), &st);
  EXPECT_FALSE(back->empty());
  auto zero = MustBuild({{1, 0}, {2, 0}}, 4099, back.get(), &st);
  EXPECT_TRUE(zero->empty());
  EXPECT_EQ(st.slots_changed, 4099u);
}

TEST(TablesMaglevTest, DeterministicAndIndependentOfInputOrder) {
  const std::vector<MaglevBackend> a = {{7, 3}, {3, 1}, {99, 2}};
  const std::vector<MaglevBackend> b = {{99, 2}, {7, 3}, {3, 1}};
  auto ta = MustBuild(a, 4099);
  auto tb = MustBuild(b, 4099);
  auto tc = MustBuild(a, 4099);
  EXPECT_EQ(MaglevTable::ChangedSlots(*ta, *tb), 0u);
  EXPECT_EQ(MaglevTable::ChangedSlots(*ta, *tc), 0u);
  // Same for an incremental step.
  auto ia = MustBuild({{7, 4}, {3, 1}, {99, 2}}, 4099, ta.get());
  auto ib = MustBuild({{3, 1}, {99, 2}, {7, 4}}, 4099, tb.get());
  EXPECT_EQ(MaglevTable::ChangedSlots(*ia, *ib), 0u);
  // Golden fingerprint: the layout must not change between builds or
  // platforms (a change would re-pick new flows after an upgrade).
  uint64_t fp = 1469598103934665603ull;
  for (uint32_t s = 0; s < ta->size(); ++s) fp = (fp ^ ta->SlotPolicy(s)) * 1099511628211ull;
  EXPECT_EQ(fp, 0x4799c9b72b83fe26ull) << std::hex << fp;
}

struct Disruption {
  double incremental;  // Fraction of slots moved, built as deltas.
  double scratch;      // Fraction moved by a from-scratch rebuild.
  double ideal;        // Minimum for the new shares.
};

Disruption Measure(const std::vector<MaglevBackend>& before,
                   const std::vector<MaglevBackend>& after, uint32_t size) {
  auto old_table = MustBuild(before, size);
  MaglevBuildStats st;
  auto inc = MustBuild(after, size, old_table.get(), &st);
  auto scratch = MustBuild(after, size);
  EXPECT_TRUE(st.incremental);
  EXPECT_EQ(st.slots_changed, MaglevTable::ChangedSlots(*old_table, *inc));
  EXPECT_EQ(st.slots_changed, st.min_slots_changed) << "moved more than the minimum";
  // The incremental table has exactly the same shares as a fresh one.
  EXPECT_EQ(inc->SlotCounts(), scratch->SlotCounts());
  return Disruption{static_cast<double>(st.slots_changed) / size,
                    static_cast<double>(MaglevTable::ChangedSlots(*old_table, *scratch)) / size,
                    static_cast<double>(st.min_slots_changed) / size};
}

TEST(TablesMaglevTest, TenPercentWeightShiftMovesTenPercent) {
  for (uint32_t size : {MaglevTable::kDefaultSize, MaglevTable::kLargeSize}) {
    // 10% of the traffic changes hands in each case.
    const Disruption two = Measure({{1, 50}, {2, 50}}, {{1, 60}, {2, 40}}, size);
    const Disruption four =
        Measure({{1, 25}, {2, 25}, {3, 25}, {4, 25}}, {{1, 35}, {2, 25}, {3, 25}, {4, 15}}, size);
    const Disruption eight =
        Measure({{1, 10}, {2, 10}, {3, 10}, {4, 10}, {5, 10}, {6, 10}, {7, 10}, {8, 10}},
                {{1, 14}, {2, 14}, {3, 10}, {4, 10}, {5, 10}, {6, 10}, {7, 6}, {8, 6}}, size);
    for (const auto& [name, d] : {std::pair{"2 backends 50/50 -> 60/40", two},
                                  std::pair{"4 backends 25 each -> 35/25/25/15", four},
                                  std::pair{"8 backends 10 each -> 14/14/10x4/6/6", eight}}) {
      std::printf(
          "[maglev M=%u] %s: slots moved incremental %.2f%%, from scratch %.2f%%,"
          " ideal %.2f%%\n",
          size, name, 100 * d.incremental, 100 * d.scratch, 100 * d.ideal);
      EXPECT_NEAR(d.incremental, 0.10, 0.001) << name;
      EXPECT_GE(d.scratch, d.incremental) << name;
    }
    EXPECT_GT(four.scratch, four.incremental * 1.3);
    EXPECT_GT(eight.scratch, eight.incremental * 1.3);
  }
}

TEST(TablesMaglevTest, MovedFlowsMatchMovedSlots) {
  auto a = MustBuild({{1, 50}, {2, 50}}, 4099);
  auto b = MustBuild({{1, 60}, {2, 40}}, 4099, a.get());
  const double moved = MovedFlowFraction(*a, *b, 200000);
  std::printf("[maglev] 10%% shift moves %.2f%% of random flows\n", 100 * moved);
  EXPECT_NEAR(moved, 0.10, 0.01);
}

TEST(TablesMaglevTest, RemovingABackendMovesOnlyItsSlots) {
  auto a = MustBuild({{1, 1}, {2, 1}, {3, 1}, {4, 1}}, 4099);
  MaglevBuildStats st;
  auto b = MustBuild({{1, 1}, {2, 1}, {4, 1}}, 4099, a.get(), &st);
  for (uint32_t s = 0; s < 4099; ++s) {
    if (a->SlotPolicy(s) != 3) {
      ASSERT_EQ(a->SlotPolicy(s), b->SlotPolicy(s)) << "slot " << s;
    }
    ASSERT_NE(b->SlotPolicy(s), 3u);
  }
  EXPECT_EQ(st.slots_changed, a->SlotCounts()[2]);
  // ...and the freed slots are spread evenly over the survivors.
  for (uint32_t c : b->SlotCounts()) EXPECT_NEAR(c, 4099 / 3.0, 1.0);
  // Adding it back (weight 0 -> 1) takes only the slots it needs.
  auto c = MustBuild({{1, 1}, {2, 1}, {3, 1}, {4, 1}}, 4099, b.get(), &st);
  EXPECT_EQ(st.slots_changed, st.min_slots_changed);
  EXPECT_NEAR(st.slots_changed, 4099 / 4.0, 1.0);
}

TEST(TablesMaglevTest, LongSequenceOfDeltasKeepsExactShares) {
  std::mt19937 rng(3);
  std::vector<MaglevBackend> b = {{1, 10}, {2, 10}, {3, 10}, {4, 10}, {5, 10}};
  auto t = MustBuild(b, 4099);
  uint64_t moved = 0, minimum = 0;
  for (int step = 0; step < 200; ++step) {
    for (MaglevBackend& x : b)
      x.weight = std::max<int>(0, static_cast<int>(x.weight) + static_cast<int>(rng() % 5) - 2);
    MaglevBuildStats st;
    auto next = MustBuild(b, 4099, t.get(), &st);
    ASSERT_EQ(next->SlotCounts(), MustBuild(b, 4099)->SlotCounts());
    moved += st.slots_changed;
    minimum += st.min_slots_changed;
    t = std::move(next);
  }
  EXPECT_EQ(moved, minimum);
}

// Build skips its statistics when not asked and starts a weight change from
// the previous table's counts: the tables must not depend on either, for
// few backends (turns by scan) and many (by heap), through backend changes
// and an all-zero table.
TEST(TablesMaglevTest, TablesDoNotDependOnAskingForStats) {
  for (uint32_t n : {1u, 2u, 3u, 4u, 5u, 9u}) {
    std::mt19937 rng(n);
    std::vector<MaglevBackend> b;
    for (uint32_t i = 0; i < n; ++i) b.push_back({10 + i, 1 + static_cast<uint32_t>(rng() % 100)});
    auto t = MustBuild(b, 4099);
    for (int step = 0; step < 60; ++step) {
      if (step % 20 == 7) {
        b.push_back({100 + static_cast<uint32_t>(step), 7});  // A new backend.
      } else if (step % 20 == 13 && b.size() > 1) {
        b.erase(b.begin());  // One goes.
      } else if (step == 30) {
        for (MaglevBackend& x : b) x.weight = 0;  // All zero, then back.
      } else {
        for (MaglevBackend& x : b) x.weight = static_cast<uint32_t>(rng() % 100);
      }
      MaglevBuildStats st;
      auto with = MustBuild(b, 4099, t.get(), &st);
      auto without = MustBuild(b, 4099, t.get());
      ASSERT_EQ(MaglevTable::ChangedSlots(*with, *without), 0u) << n << " backends, step " << step;
      ASSERT_EQ(with->SlotCounts(), MustBuild(b, 4099)->SlotCounts());
      if (st.incremental) {
        EXPECT_EQ(st.slots_changed, st.min_slots_changed);
      }
      t = std::move(without);
    }
  }
}

TEST(TablesMaglevTest, RejectsBadInput) {
  const std::vector<MaglevBackend> one = {{1, 1}}, dup = {{1, 1}, {1, 2}};
  EXPECT_FALSE(MaglevTable::Build(one, 4096).ok()) << "not prime";
  EXPECT_FALSE(MaglevTable::Build(dup, 4099).ok()) << "duplicate policy";
  EXPECT_FALSE(MaglevTable::Build(one, 1).ok());
}

TEST(TablesMaglevTest, SelectorSetSharesUnchangedTables) {
  auto t1 = std::shared_ptr<const MaglevTable>(MustBuild({{1, 1}}, 4099));
  auto t2 = std::shared_ptr<const MaglevTable>(MustBuild({{2, 1}}, 4099));
  SelectorSet a;
  ASSERT_TRUE(a.Set(0, t1).ok());
  ASSERT_TRUE(a.Set(5, t1).ok());
  SelectorSet b = a;
  ASSERT_TRUE(b.Set(5, t2).ok());
  EXPECT_EQ(a.Get(5)->Select(9), 1u);
  EXPECT_EQ(b.Get(5)->Select(9), 2u);
  EXPECT_EQ(b.Get(0), a.Get(0));
  EXPECT_EQ(b.Get(3), nullptr);
  EXPECT_EQ(b.Get(100), nullptr);
  EXPECT_FALSE(b.Set(SelectorSet::kMaxRules, t1).ok());
}

}  // namespace
}  // namespace cpn::dataplane
