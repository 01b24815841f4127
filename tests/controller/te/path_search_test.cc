#include "controller/te/path_search.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/te/constraints.h"
#include "gtest/gtest.h"
#include "tests/controller/te/paths_test_util.h"

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::RouterIndex;
using testing::AllSimplePaths;
using testing::MustBuild;
using testing::RandomNetwork;
using testing::RandomNetworkOptions;
using testing::Rng;

void ExpectSameTree(const model::NetworkModel& m, const TargetTree& a, const TargetTree& b) {
  for (uint32_t r = 0; r < m.num_routers(); ++r) {
    const RouterIndex u(r);
    EXPECT_EQ(a.key(u), b.key(u)) << "router " << r;
    EXPECT_EQ(a.next_arc(u), b.next_arc(u)) << "router " << r;
    EXPECT_EQ(a.detour(u), b.detour(u)) << "router " << r;
  }
}

// The tree's keys are the best keys, and next_arc walks the brute-force
// best path (least delay, then hops, then arcs).
TEST(TargetTreeTest, WalksTheBruteForceBestPath) {
  for (uint64_t seed = 0; seed < 100; ++seed) {
    auto m = MustBuild(RandomNetwork(seed));
    const std::vector<uint64_t> costs = ArcCosts(*m, {});
    TargetTree tree;
    for (uint32_t t = 0; t < m->num_routers(); ++t) {
      tree.Compute(*m, RouterIndex(t), costs);
      for (uint32_t s = 0; s < m->num_routers(); ++s) {
        const std::vector<Path> all = AllSimplePaths(*m, RouterIndex(s), RouterIndex(t), {});
        if (all.empty()) {
          EXPECT_EQ(tree.key(RouterIndex(s)), kUnreachableKey);
          continue;
        }
        EXPECT_EQ(tree.key(RouterIndex(s)), PathKey(all[0].delay_us, all[0].arcs.size()));
        std::vector<ArcIndex> walk;
        for (RouterIndex u(s); u != RouterIndex(t); u = m->arc_head(walk.back())) {
          walk.push_back(tree.next_arc(u));
        }
        EXPECT_EQ(walk, all[0].arcs) << absl::StrFormat("seed %d r%d -> r%d", seed, s, t);
      }
    }
  }
}

// On networks too big for brute force, the keys agree with Boost.Graph's
// Dijkstra on the reversed graph (same packed weights), and Repair still
// equals Compute.
TEST(TargetTreeTest, KeysMatchBoostDijkstraOnLargerNetworks) {
  RandomNetworkOptions o;
  o.min_routers = 50;
  o.max_routers = 400;
  o.links_per_router = 1.6;
  o.max_delay_us = 5000;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 70000, o));
    std::vector<uint64_t> costs = ArcCosts(*m, {});
    using Graph =
        boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                              boost::property<boost::edge_weight_t, uint64_t>>;
    Graph reversed(m->num_routers());
    for (uint32_t a = 0; a < m->num_arcs(); ++a) {
      if (costs[a] == kUnusableArc) continue;
      boost::add_edge(m->arc_head(ArcIndex(a)).value(), m->arc_tail(ArcIndex(a)).value(),
                      costs[a], reversed);
    }
    Rng rng(seed);
    const RouterIndex target(static_cast<uint32_t>(rng.Below(m->num_routers())));
    std::vector<uint64_t> expected(m->num_routers());
    boost::dijkstra_shortest_paths(
        reversed, target.value(),
        boost::distance_map(expected.data()).distance_inf(kUnreachableKey));
    TargetTree tree;
    tree.Compute(*m, target, costs);
    for (uint32_t r = 0; r < m->num_routers(); ++r) {
      EXPECT_EQ(tree.key(RouterIndex(r)), expected[r]) << "seed " << seed << " router " << r;
    }
    // A few link failures and repairs.
    for (int step = 0; step < 10; ++step) {
      const uint32_t l = static_cast<uint32_t>(rng.Below(m->num_links()));
      std::vector<ArcIndex> worse, better;
      for (uint32_t a = 2 * l; a <= 2 * l + 1; ++a) {
        const uint64_t old_cost = costs[a];
        costs[a] = old_cost == kUnusableArc ? PathKey(rng.Below(5000), 1) : kUnusableArc;
        (costs[a] > old_cost ? worse : better).push_back(ArcIndex(a));
      }
      tree.Repair(*m, costs, worse, better);
      TargetTree fresh;
      fresh.Compute(*m, target, costs);
      ExpectSameTree(*m, tree, fresh);
    }
  }
}

// Repair after random cost changes of a few arcs (up, down, on and off)
// gives exactly the tree Compute gives.
TEST(TargetTreeTest, RepairEqualsCompute) {
  RandomNetworkOptions o;
  o.min_routers = 6;
  o.max_routers = 14;
  o.links_per_router = 2.0;
  o.max_delay_us = 9;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 40000, o));
    Rng rng(seed);
    std::vector<uint64_t> costs = ArcCosts(*m, {});
    const RouterIndex target(static_cast<uint32_t>(rng.Below(m->num_routers())));
    TargetTree repaired;
    repaired.Compute(*m, target, costs);
    for (int step = 0; step < 10; ++step) {
      std::vector<ArcIndex> worse, better;
      const int changes = 1 + static_cast<int>(rng.Below(3));
      for (int c = 0; c < changes; ++c) {
        const ArcIndex a(static_cast<uint32_t>(rng.Below(m->num_arcs())));
        if (std::find(worse.begin(), worse.end(), a) != worse.end() ||
            std::find(better.begin(), better.end(), a) != better.end()) {
          continue;
        }
        const uint64_t old_cost = costs[a.value()];
        costs[a.value()] = rng.Chance(0.25) ? kUnusableArc : PathKey(rng.Below(10), 1);
        if (costs[a.value()] > old_cost) worse.push_back(a);
        if (costs[a.value()] < old_cost) better.push_back(a);
      }
      repaired.Repair(*m, costs, worse, better);
      TargetTree fresh;
      fresh.Compute(*m, target, costs);
      SCOPED_TRACE(absl::StrFormat("seed %d step %d", seed, step));
      ExpectSameTree(*m, repaired, fresh);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// PathSearch with blocked routers and removed first arcs, with and without
// a tree: the brute-force best path avoiding them.
TEST(PathSearchTest, AvoidsBlockedRoutersAndRemovedArcs) {
  int found = 0;
  for (uint64_t seed = 0; seed < 150; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 60000));
    Rng rng(seed);
    const std::vector<uint64_t> costs = ArcCosts(*m, {});
    PathSearch search;
    search.Reset(m->num_routers());
    TargetTree tree;
    for (uint32_t t = 0; t < m->num_routers(); ++t) {
      tree.Compute(*m, RouterIndex(t), costs);
      for (uint32_t s = 0; s < m->num_routers(); ++s) {
        if (s == t) continue;
        search.ClearBlocked();
        std::vector<uint8_t> blocked(m->num_routers(), 0);
        for (uint32_t r = 0; r < m->num_routers(); ++r) {
          if (r != t && rng.Chance(0.2)) {
            search.Block(RouterIndex(r));
            blocked[r] = 1;
          }
        }
        std::vector<ArcIndex> removed;
        for (ArcIndex a : m->out_arcs(RouterIndex(s))) {
          if (rng.Chance(0.3)) removed.push_back(a);
        }
        const uint64_t max_key = rng.Chance(0.3) ? PathKey(rng.Below(12), 0) : UINT64_MAX;
        // Brute force: simple paths avoiding blocked routers (the start may
        // be blocked) and the removed arcs, within max_key.
        std::optional<Path> best;
        for (const Path& p : AllSimplePaths(*m, RouterIndex(s), RouterIndex(t), {})) {
          bool ok = std::find(removed.begin(), removed.end(), p.arcs[0]) == removed.end() &&
                    PathKey(p.delay_us, p.arcs.size()) <= max_key;
          for (ArcIndex a : p.arcs) ok = ok && !blocked[m->arc_head(a).value()];
          if (ok) {
            best = p;
            break;
          }
        }
        for (const TargetTree* with : {static_cast<const TargetTree*>(nullptr),
                                       static_cast<const TargetTree*>(&tree)}) {
          std::vector<ArcIndex> arcs;
          const std::optional<uint64_t> key =
              search.Find(*m, costs, RouterIndex(s), RouterIndex(t), with, removed, max_key, &arcs);
          SCOPED_TRACE(absl::StrFormat("seed %d r%d -> r%d tree %d", seed, s, t, with != nullptr));
          ASSERT_EQ(key.has_value(), best.has_value());
          if (!best) continue;
          EXPECT_EQ(*key, PathKey(best->delay_us, best->arcs.size()));
          EXPECT_EQ(arcs, best->arcs);
          ++found;
        }
      }
    }
  }
  EXPECT_GT(found, 3000);
}

}  // namespace
}  // namespace cpn::te
