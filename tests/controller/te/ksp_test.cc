#include "controller/te/ksp.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/te/paths_test_util.h"

namespace cpn::te {
namespace {

namespace tv1 = cpn::topology::v1;
using model::ArcIndex;
using model::RouterIndex;
using ::testing::HasSubstr;
using testing::AllSimplePaths;
using testing::BruteKShortest;
using testing::Describe;
using testing::MustBuild;
using testing::RandomConstraints;
using testing::RandomNetwork;
using testing::RandomNetworkOptions;
using testing::Rng;

TEST(KspTest, MatchesBruteForceOnRandomNetworks) {
  int with_k_paths = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto m = MustBuild(RandomNetwork(seed));
    ASSERT_NE(m, nullptr);
    Rng rng(seed * 104729 + 3);
    for (uint32_t s = 0; s < m->num_routers(); ++s) {
      for (uint32_t t = 0; t < m->num_routers(); ++t) {
        const int k = 1 + static_cast<int>(rng.Below(8));
        const PathConstraints c = RandomConstraints(rng, *m, RouterIndex(s), RouterIndex(t));
        const std::vector<Path> brute = BruteKShortest(*m, RouterIndex(s), RouterIndex(t), k, c);
        absl::StatusOr<std::vector<Path>> got =
            KShortestPaths(*m, RouterIndex(s), RouterIndex(t), k, c);
        SCOPED_TRACE(absl::StrFormat("seed %d, r%d -> r%d, k %d", seed, s, t, k));
        if (brute.empty()) {
          EXPECT_TRUE(absl::IsNotFound(got.status())) << Describe(*m, *got);
          continue;
        }
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_EQ(*got, brute) << Describe(*m, *got) << "\nvs\n" << Describe(*m, brute);
        with_k_paths += static_cast<int>(got->size()) == k && k > 1;
      }
    }
  }
  EXPECT_GT(with_k_paths, 1000);
}

// Denser graphs with many equal delays (0..2 us), so that ties between
// paths are the rule: the full enumeration must list every simple path in
// exactly the brute-force order.
TEST(KspTest, EnumeratesEverySimplePathInOrder) {
  RandomNetworkOptions o;
  o.min_routers = 5;
  o.max_routers = 7;
  o.links_per_router = 2.2;
  o.max_delay_us = 2;
  size_t total = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 5000, o));
    ASSERT_NE(m, nullptr);
    const std::vector<uint64_t> costs = ArcCosts(*m, {});
    TargetTree tree;
    KspEnumerator ksp;
    for (uint32_t t = 0; t < m->num_routers(); ++t) {
      tree.Compute(*m, RouterIndex(t), costs);
      for (uint32_t s = 0; s < m->num_routers(); ++s) {
        if (s == t) continue;
        const std::vector<Path> all = AllSimplePaths(*m, RouterIndex(s), RouterIndex(t), {});
        ksp.Start(*m, costs, tree, RouterIndex(s), kNoDelayBound);
        std::vector<Path> got;
        std::vector<ArcIndex> arcs;
        uint64_t key = 0;
        while (ksp.Next(&arcs, &key)) {
          got.push_back(MakePath(*m, RouterIndex(s), arcs));
          EXPECT_EQ(key, PathKey(got.back().delay_us, arcs.size()));
          ASSERT_LE(got.size(), all.size() + 1);
        }
        EXPECT_EQ(got, all) << absl::StrFormat("seed %d, r%d -> r%d", seed + 5000, s, t);
        total += all.size();
        // With a limit the search prunes spurs that cannot make the cut;
        // the paths must be the same prefix.
        const size_t limit = 1 + (seed + s + t) % 6;
        ksp.Start(*m, costs, tree, RouterIndex(s), kNoDelayBound, limit);
        std::vector<Path> limited;
        while (ksp.Next(&arcs, &key)) limited.push_back(MakePath(*m, RouterIndex(s), arcs));
        const std::vector<Path> prefix(all.begin(), all.begin() + std::min(limit, all.size()));
        EXPECT_EQ(limited, prefix) << absl::StrFormat("seed %d, r%d -> r%d, limit %d", seed + 5000,
                                                      s, t, limit);
      }
    }
  }
  EXPECT_GT(total, 20000u);
}

TEST(KspTest, StopsAtTheDelayBound) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 9000));
    ASSERT_NE(m, nullptr);
    PathConstraints c;
    c.max_delay_us = 7;
    for (uint32_t s = 0; s < m->num_routers(); ++s) {
      for (uint32_t t = 0; t < m->num_routers(); ++t) {
        absl::StatusOr<std::vector<Path>> got =
            KShortestPaths(*m, RouterIndex(s), RouterIndex(t), 64, c);
        const std::vector<Path> brute = BruteKShortest(*m, RouterIndex(s), RouterIndex(t), 64, c);
        if (brute.empty()) {
          EXPECT_TRUE(absl::IsNotFound(got.status()));
          continue;
        }
        ASSERT_TRUE(got.ok());
        EXPECT_EQ(*got, brute);
        for (const Path& p : *got) EXPECT_LE(p.delay_us, 7u);
      }
    }
  }
}

// s -> t three ways, all 2 us: direct over two parallel links (1 hop each)
// and through m (2 hops). Fewer hops first, then the smaller arc index.
TEST(KspTest, BreaksTiesByHopsThenArcs) {
  tv1::Topology t;
  for (const char* id : {"s", "m", "t"}) {
    tv1::Router* r = t.add_routers();
    r->set_id(id);
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", t.routers_size()));
  }
  int n = 0;
  auto link = [&](const char* id, const char* a, const char* b, uint64_t delay) {
    tv1::Link* l = t.add_links();
    l->set_id(id);
    l->mutable_a()->set_router_id(a);
    l->mutable_a()->set_interface(absl::StrFormat("x%d", n++));
    l->mutable_b()->set_router_id(b);
    l->mutable_b()->set_interface(absl::StrFormat("x%d", n++));
    l->set_propagation_delay_us(delay);
    l->set_capacity_bps(1'000'000'000);
  };
  link("s-m", "s", "m", 1);
  link("t-s-1", "t", "s", 2);  // arc s -> t is the b-to-a arc: 3
  link("m-t", "m", "t", 1);
  link("s-t-2", "s", "t", 2);  // arc s -> t: 6
  auto m = MustBuild(t);
  absl::StatusOr<std::vector<Path>> got =
      KShortestPaths(*m, *m->FindRouter("s"), *m->FindRouter("t"), 5, {});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].arcs, std::vector<ArcIndex>{ArcIndex(3)});
  EXPECT_EQ((*got)[1].arcs, std::vector<ArcIndex>{ArcIndex(6)});
  EXPECT_EQ((*got)[2].arcs.size(), 2u);
  for (const Path& p : *got) EXPECT_EQ(p.delay_us, 2u);
}

TEST(KspTest, RejectsBadK) {
  auto m = MustBuild(RandomNetwork(1));
  absl::Status s = KShortestPaths(*m, RouterIndex(0), RouterIndex(1), 0, {}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("k is 0"));
}

}  // namespace
}  // namespace cpn::te
