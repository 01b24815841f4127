#include "controller/te/path.h"

#include <vector>

#include "controller/te/constraints.h"
#include "gtest/gtest.h"
#include "tests/controller/te/paths_test_util.h"

namespace cpn::te {
namespace {

using model::ArcIndex;
using model::RouterIndex;
using testing::MustBuild;
using testing::RandomNetwork;

TEST(PathTest, MakePathSumsAndUnitesAlongTheArcs) {
  auto m = MustBuild(RandomNetwork(11));
  ASSERT_NE(m, nullptr);
  // Walk a few arcs from router 0, whatever they are.
  std::vector<ArcIndex> arcs;
  RouterIndex at(0);
  std::vector<uint8_t> seen(m->num_routers(), 0);
  seen[0] = 1;
  for (bool moved = true; moved;) {
    moved = false;
    for (ArcIndex a : m->out_arcs(at)) {
      if (seen[m->arc_head(a).value()]) continue;
      arcs.push_back(a);
      at = m->arc_head(a);
      seen[at.value()] = 1;
      moved = true;
      break;
    }
  }
  ASSERT_GE(arcs.size(), 2u);
  const Path p = MakePath(*m, RouterIndex(0), arcs);
  uint64_t delay = 0, igp = 0, bottleneck = UINT64_MAX;
  std::vector<uint32_t> srlgs;
  for (ArcIndex a : arcs) {
    const model::Link& l = m->link(model::LinkOf(a));
    delay += l.delay_us;
    igp += l.igp_metric;
    bottleneck = std::min(bottleneck, l.capacity_bps);
    srlgs.insert(srlgs.end(), l.srlg_ids.begin(), l.srlg_ids.end());
  }
  std::sort(srlgs.begin(), srlgs.end());
  srlgs.erase(std::unique(srlgs.begin(), srlgs.end()), srlgs.end());
  EXPECT_EQ(p.source, RouterIndex(0));
  EXPECT_EQ(p.target, at);
  EXPECT_EQ(p.delay_us, delay);
  EXPECT_EQ(p.igp_cost, igp);
  EXPECT_EQ(p.bottleneck_bps, bottleneck);
  EXPECT_EQ(p.srlg_ids, srlgs);
  const std::vector<RouterIndex> routers = PathRouters(*m, p);
  ASSERT_EQ(routers.size(), arcs.size() + 1);
  EXPECT_EQ(routers.front(), RouterIndex(0));
  EXPECT_EQ(routers.back(), at);
  for (size_t i = 0; i < arcs.size(); ++i) EXPECT_EQ(m->arc_tail(arcs[i]), routers[i]);
}

TEST(PathTest, RankingIsDelayThenHopsThenArcs) {
  Path a, b;
  a.delay_us = 5;
  a.arcs = {ArcIndex(4), ArcIndex(9)};
  b.delay_us = 6;
  b.arcs = {ArcIndex(1)};
  EXPECT_TRUE(PathLess(a, b));
  b.delay_us = 5;  // same delay, fewer hops wins
  EXPECT_TRUE(PathLess(b, a));
  b.arcs = {ArcIndex(4), ArcIndex(8)};  // same hops: smaller arcs win
  EXPECT_TRUE(PathLess(b, a));
  EXPECT_FALSE(PathLess(a, a));
  EXPECT_EQ(DelayOfKey(PathKey(123, 7)), 123u);
  EXPECT_LT(PathKey(5, 1000), PathKey(6, 0));
  EXPECT_EQ(MaxKeyForDelay(kNoDelayBound), UINT64_MAX);
  EXPECT_GE(MaxKeyForDelay(5), PathKey(5, 1000));
  EXPECT_LT(MaxKeyForDelay(5), PathKey(6, 0));
}

}  // namespace
}  // namespace cpn::te
