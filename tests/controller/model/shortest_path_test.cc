#include "controller/model/shortest_path.h"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/model/network_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/model/test_topologies.h"

namespace cpn::model {
namespace {

using ::testing::ElementsAre;
namespace tv1 = cpn::topology::v1;
using Tree = ShortestPathTree<uint64_t>;

std::shared_ptr<const NetworkModel> MustBuild(const tv1::Topology& t) {
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

std::vector<std::string> LinkIds(const NetworkModel& m, const std::vector<ArcIndex>& arcs) {
  std::vector<std::string> ids;
  for (ArcIndex a : arcs) ids.push_back(m.link(LinkOf(a)).id);
  return ids;
}

TEST(ModelShortestPathTest, FollowsLowestDelayAndSkipsDownLinks) {
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  const std::vector<uint64_t> w = InServiceArcWeights(*m, m->arc_delay_us());
  Tree tree;
  const RouterIndex bj = *m->FindRouter("bj");
  const RouterIndex cd = *m->FindRouter("cd");
  tree.Compute(*m, bj, w);
  EXPECT_EQ(tree.root(), bj);
  EXPECT_EQ(tree.distance(bj), 0u);
  // sh--cd (8000) is down, so bj reaches cd over gz: 9800 + 6500.
  EXPECT_EQ(tree.distance(cd), 16300u);
  EXPECT_THAT(LinkIds(*m, tree.PathArcs(cd)), ElementsAre("bj--gz", "gz--cd"));
  const std::vector<ArcIndex> path = tree.PathArcs(cd);
  EXPECT_EQ(m->arc_tail(path.front()), bj);
  EXPECT_EQ(m->arc_head(path.back()), cd);
  EXPECT_TRUE(tree.PathArcs(bj).empty());
  EXPECT_FALSE(tree.parent_arc(bj).valid());

  // With the raw weights (down link included) sh--cd is usable: bj-sh-cd.
  tree.Compute(*m, bj, m->arc_delay_us());
  EXPECT_EQ(tree.distance(cd), 13400u);
}

TEST(ModelShortestPathTest, IgpMetricsGiveDifferentPaths) {
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  Tree tree;
  // bj--gz has a configured metric of 50; the others are derived from delay.
  // By delay sh reaches gz directly (6000 < 5400 + 9800); by metric it goes
  // through bj (5400 + 50 < 6000).
  const RouterIndex sh = *m->FindRouter("sh");
  const RouterIndex gz = *m->FindRouter("gz");
  tree.Compute(*m, sh, InServiceArcWeights(*m, m->arc_delay_us()));
  EXPECT_THAT(LinkIds(*m, tree.PathArcs(gz)), ElementsAre("sh--gz"));
  tree.Compute(*m, sh, InServiceArcWeights(*m, m->arc_igp_metric()));
  EXPECT_EQ(tree.distance(gz), 5450u);
  EXPECT_THAT(LinkIds(*m, tree.PathArcs(gz)), ElementsAre("bj--sh", "bj--gz"));
}

TEST(ModelShortestPathTest, ToRootUsesTheArcsTowardTheRoot) {
  // Asymmetric weights: every arc costs 1 except gz -> cd, which costs 100.
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  std::vector<uint64_t> w(m->num_arcs(), 1);
  const LinkIndex gz_cd = *m->FindLink("gz--cd");
  w[ArcOf(gz_cd, ArcDirection::kAToB).value()] = 100;                               // gz -> cd
  w[ArcOf(*m->FindLink("sh--cd"), ArcDirection::kAToB).value()] = Tree::kInfinity;  // sh -> cd
  const RouterIndex cd = *m->FindRouter("cd");
  const RouterIndex gz = *m->FindRouter("gz");
  Tree to_cd;
  to_cd.Compute(*m, cd, w, Tree::Direction::kToRoot);
  EXPECT_EQ(to_cd.distance(gz), 100u);
  const std::vector<ArcIndex> path = to_cd.PathArcs(gz);
  ASSERT_EQ(path.size(), 1u);
  EXPECT_EQ(path[0], ArcOf(gz_cd, ArcDirection::kAToB));
  // bj -> cd must go through gz (sh -> cd is excluded): 1 + 100.
  EXPECT_EQ(to_cd.distance(*m->FindRouter("bj")), 101u);
  EXPECT_THAT(LinkIds(*m, to_cd.PathArcs(*m->FindRouter("bj"))), ElementsAre("bj--gz", "gz--cd"));
  // From cd, the cheap direction cd -> gz costs 1.
  Tree from_cd;
  from_cd.Compute(*m, cd, w);
  EXPECT_EQ(from_cd.distance(gz), 1u);
}

TEST(ModelShortestPathTest, UnreachableRoutersHaveInfiniteDistance) {
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  std::vector<uint64_t> w(m->arc_delay_us().begin(), m->arc_delay_us().end());
  for (ArcIndex a : m->out_arcs(*m->FindRouter("cd"))) {
    w[a.value()] = Tree::kInfinity;
    w[ReverseOf(a).value()] = Tree::kInfinity;
  }
  Tree tree;
  tree.Compute(*m, *m->FindRouter("bj"), w);
  EXPECT_FALSE(tree.reachable(*m->FindRouter("cd")));
  EXPECT_EQ(tree.distance(*m->FindRouter("cd")), Tree::kInfinity);
  EXPECT_TRUE(tree.PathArcs(*m->FindRouter("cd")).empty());
}

TEST(ModelShortestPathTest, WorksWithDoubleWeights) {
  auto m = MustBuild(testing::FullTopology());
  ASSERT_NE(m, nullptr);
  std::vector<double> w(m->num_arcs(), 0.5);
  ShortestPathTree<double> tree;
  tree.Compute(*m, *m->FindRouter("bj"), w);
  EXPECT_DOUBLE_EQ(tree.distance(*m->FindRouter("cd")), 1.0);  // via sh--cd or gz--cd
}

// Against Boost.Graph's Dijkstra on the Kdl-sized network, from several roots.
TEST(ModelShortestPathTest, AgreesWithBoostDijkstra) {
  auto m = MustBuild(testing::KdlSizedTopology());
  ASSERT_NE(m, nullptr);
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                            boost::property<boost::edge_weight_t, uint64_t>>;
  Graph g(m->num_routers());
  for (uint32_t a = 0; a < m->num_arcs(); ++a) {
    boost::add_edge(m->arc_tail(ArcIndex(a)).value(), m->arc_head(ArcIndex(a)).value(),
                    m->arc_delay_us()[a], g);
  }
  Tree tree;
  for (uint32_t root : {0u, 100u, 377u, 753u}) {
    std::vector<uint64_t> expected(m->num_routers());
    boost::dijkstra_shortest_paths(g, root, boost::distance_map(expected.data()));
    tree.Compute(*m, RouterIndex(root), m->arc_delay_us());
    for (uint32_t v = 0; v < m->num_routers(); ++v) {
      ASSERT_EQ(tree.distance(RouterIndex(v)), expected[v]) << "root " << root << " to " << v;
      // The path's arcs add up to the distance.
      uint64_t sum = 0;
      for (ArcIndex a : tree.PathArcs(RouterIndex(v))) sum += m->arc_delay_us()[a.value()];
      ASSERT_EQ(sum, expected[v]);
    }
  }
}

}  // namespace
}  // namespace cpn::model
