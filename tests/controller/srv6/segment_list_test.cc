// Segment-list minimisation: hand-built cases, and brute force on random
// graphs (every subsequence of the path's node and adjacency SIDs).
#include "controller/srv6/segment_list.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/srv6/test_networks.h"

namespace cpn::srv6 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::PathOverLinks;
using testing::PathThrough;
using testing::TopologyBuilder;

// "End(b)", "End.X(a--c)", "End.DX6(qy)": what a list is made of, by id.
std::vector<std::string> Describe(const model::NetworkModel& model, const SegmentList& list) {
  std::vector<std::string> out;
  for (const Sid& s : list.sids) {
    std::string what;
    if (s.behavior == SidBehavior::kEndX) {
      what = model.link(model::LinkOf(s.arc)).id;
    } else if (s.decap()) {
      what = model.site(s.site).id;
    } else {
      what = model.router(s.router).id;
    }
    out.push_back(absl::StrCat(std::string(BehaviorName(s.behavior)), "(", what, ")"));
  }
  return out;
}

struct Compiled {
  std::shared_ptr<const model::NetworkModel> model;
  std::vector<std::string> sids;
  absl::Status status;
};

// Compiles `path` to the site `site` on a model; checks that the list
// reproduces the path when it succeeds.
Compiled Compile(std::shared_ptr<const model::NetworkModel> model, const te::Path& path,
                 const std::string& site) {
  absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
  EXPECT_TRUE(plan.ok()) << plan.status();
  IgpView igp(*model);
  absl::StatusOr<SegmentList> list =
      MinimalSegmentList(*plan, igp, path, plan->decap_ipv6(*model->FindSite(site)));
  Compiled c{model, {}, list.status()};
  if (list.ok()) {
    c.sids = Describe(*model, *list);
    const auto trace = TraceSegmentList(igp, path.source, *list);
    EXPECT_TRUE(trace.has_value());
    if (trace) {
      EXPECT_EQ(*trace, path.arcs);
    }
  }
  return c;
}

TEST(SegmentListTest, IgpShortestPathNeedsOnlyTheDecapSid) {
  TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 1).Link("b--c", "b", "c", 1).Link("c--d", "c", "d", 1);
  b.Link("a--d", "a", "d", 10);
  b.Service("llm").Site("qy", "d", {"llm"});
  auto model = b.Build();
  const Compiled c = Compile(model, PathThrough(*model, {"a", "b", "c", "d"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End.DX6(qy)"));
}

TEST(SegmentListTest, SourceIsTheSiteRouter) {
  TopologyBuilder b;
  b.Router("a").Router("b").Link("a--b", "a", "b", 1);
  b.Service("llm").Site("qy", "a", {"llm"}, /*dx6=*/false);
  auto model = b.Build();
  const Compiled c = Compile(model, PathThrough(*model, {"a"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End.DT6(qy)"));
}

TEST(SegmentListTest, DetourAroundACheaperLinkUsesANodeSid) {
  // a-b-d costs 2; the chosen a-c-d costs 10, but a->c and c->d are each
  // the unique IGP shortest path, so End(c) suffices.
  TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 1).Link("b--d", "b", "d", 1);
  b.Link("a--c", "a", "c", 5).Link("c--d", "c", "d", 5);
  b.Service("llm").Site("qy", "d", {"llm"});
  auto model = b.Build();
  const Compiled c = Compile(model, PathThrough(*model, {"a", "c", "d"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End(c)", "End.DX6(qy)"));
}

TEST(SegmentListTest, HopOffTheIgpPathNeedsAnAdjacencySid) {
  // x-a-b-c costs 3; the chosen x-a-c crosses a--c (10), never an IGP
  // choice, so the list pins it with a's End.X (reached from x by the IGP).
  TopologyBuilder b;
  b.Router("x").Router("a").Router("b").Router("c");
  b.Link("x--a", "x", "a", 1).Link("a--b", "a", "b", 1).Link("b--c", "b", "c", 1);
  b.Link("a--c", "a", "c", 10);
  b.Service("llm").Site("qy", "c", {"llm"});
  auto model = b.Build();
  const Compiled c = Compile(model, PathThrough(*model, {"x", "a", "c"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End.X(a--c)", "End.DX6(qy)"));

  // From a itself the first SID is a's own End.X.
  const Compiled own = Compile(model, PathThrough(*model, {"a", "c"}), "qy");
  ASSERT_TRUE(own.status.ok()) << own.status;
  EXPECT_THAT(own.sids, ElementsAre("End.X(a--c)", "End.DX6(qy)"));
}

TEST(SegmentListTest, AdjacencySidInTheMiddle) {
  // b->c directly costs 10, via y 2: the path a-b-c-d needs End.X(b--c);
  // a->b and c->d are IGP paths.
  TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d").Router("y");
  b.Link("a--b", "a", "b", 1).Link("b--c", "b", "c", 10).Link("c--d", "c", "d", 1);
  b.Link("b--y", "b", "y", 1).Link("y--c", "y", "c", 1);
  b.Service("llm").Site("qy", "d", {"llm"});
  auto model = b.Build();
  const Compiled c = Compile(model, PathThrough(*model, {"a", "b", "c", "d"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End.X(b--c)", "End.DX6(qy)"));
}

TEST(SegmentListTest, EcmpTieForcesAnExtraSid) {
  auto model = testing::Diamond(/*ipv4=*/false);
  const Compiled c = Compile(model, PathThrough(*model, {"a", "b", "d"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End(b)", "End.DX6(qy)"));
}

TEST(SegmentListTest, ParallelLinksOfEqualMetricAreATie) {
  TopologyBuilder b;
  b.Router("a").Router("b");
  b.Link("a--b.1", "a", "b", 5).Link("a--b.2", "a", "b", 5);
  b.Service("llm").Site("qy", "b", {"llm"});
  auto model = b.Build();
  const Compiled c = Compile(model, PathOverLinks(*model, "a", {"a--b.2"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End.X(a--b.2)", "End.DX6(qy)"));
}

TEST(SegmentListTest, LinksOutOfServiceDoNotCountForTheIgp) {
  // With a--b down, a->c->d is the only way, and the IGP's.
  TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 1).Link("b--d", "b", "d", 1);
  b.Link("a--c", "a", "c", 5).Link("c--d", "c", "d", 5);
  b.topology().mutable_links(0)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  b.Service("llm").Site("qy", "d", {"llm"});
  auto model = b.Build();
  const Compiled c = Compile(model, PathThrough(*model, {"a", "c", "d"}), "qy");
  ASSERT_TRUE(c.status.ok()) << c.status;
  EXPECT_THAT(c.sids, ElementsAre("End.DX6(qy)"));

  const Compiled down = Compile(model, PathThrough(*model, {"a", "b", "d"}), "qy");
  EXPECT_EQ(down.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(down.status.message(),
              HasSubstr("link \"a--b\" or one of its routers is out of service"));
}

TEST(SegmentListTest, RejectsBrokenPaths) {
  auto model = testing::Diamond(/*ipv4=*/false);
  // Ends at b, not at the site's router d.
  Compiled c = Compile(model, PathThrough(*model, {"a", "b"}), "qy");
  EXPECT_THAT(c.status.message(), HasSubstr("decap SID"));
  // A loop.
  c = Compile(model, PathThrough(*model, {"a", "b", "a", "c", "d"}), "qy");
  EXPECT_THAT(c.status.message(), HasSubstr("the path has a loop"));
  // Arcs that do not chain.
  te::Path p = PathThrough(*model, {"a", "b", "d"});
  std::swap(p.arcs[0], p.arcs[1]);
  c = Compile(model, p, "qy");
  EXPECT_THAT(c.status.message(), HasSubstr("path.arcs[0] (link \"b--d\") leaves router \"b\""));
}

TEST(SegmentListTest, EncapsulationSizes) {
  auto model = testing::Diamond(/*ipv4=*/false);
  absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
  ASSERT_TRUE(plan.ok());
  IgpView igp(*model);
  absl::StatusOr<SegmentList> list = MinimalSegmentList(
      *plan, igp, PathThrough(*model, {"a", "b", "d"}), plan->decap_ipv6(*model->FindSite("qy")));
  ASSERT_TRUE(list.ok());
  using cpn::dataplane::v1::ENCAP_MODE_H_ENCAPS;
  using cpn::dataplane::v1::ENCAP_MODE_H_ENCAPS_RED;
  EXPECT_EQ(list->SrhSegments(ENCAP_MODE_H_ENCAPS), 2u);
  EXPECT_EQ(list->SrhSegments(ENCAP_MODE_H_ENCAPS_RED), 1u);
  EXPECT_EQ(list->EncapOverheadBytes(ENCAP_MODE_H_ENCAPS), 40u + 8 + 32);
  EXPECT_EQ(list->EncapOverheadBytes(ENCAP_MODE_H_ENCAPS_RED), 40u + 8 + 16);
  SegmentList one;
  one.sids.push_back(list->sids.back());
  EXPECT_EQ(one.EncapOverheadBytes(ENCAP_MODE_H_ENCAPS_RED), 40u);  // no SRH at all
}

// --- Brute force --------------------------------------------------------

// An independent model of IGP forwarding: Floyd-Warshall distances over arcs
// in service; a piece u -> v is taken only when every router on the way has
// exactly one next hop toward v.
class Oracle {
 public:
  static constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max() / 4;

  explicit Oracle(const model::NetworkModel& m) : m_(m), n_(m.num_routers()), d_(n_ * n_, kInf) {
    for (size_t i = 0; i < n_; ++i) d_[i * n_ + i] = 0;
    for (size_t a = 0; a < m.num_arcs(); ++a) {
      if (!m.arc_in_service()[a]) continue;
      const size_t u = m.arc_tail(model::ArcIndex(a)).value();
      const size_t v = m.arc_head(model::ArcIndex(a)).value();
      d_[u * n_ + v] = std::min(d_[u * n_ + v], m.arc_igp_metric()[a]);
    }
    for (size_t k = 0; k < n_; ++k) {
      for (size_t i = 0; i < n_; ++i) {
        for (size_t j = 0; j < n_; ++j) {
          d_[i * n_ + j] = std::min(d_[i * n_ + j], d_[i * n_ + k] + d_[k * n_ + j]);
        }
      }
    }
  }

  // Appends the unique IGP path u -> v to `arcs`; false when tied or cut.
  bool Walk(size_t u, size_t v, std::vector<model::ArcIndex>& arcs) const {
    if (d_[u * n_ + v] >= kInf) return false;
    while (u != v) {
      std::optional<model::ArcIndex> next;
      int count = 0;
      for (model::ArcIndex a : m_.out_arcs(model::RouterIndex(u))) {
        if (!m_.arc_in_service()[a.value()]) continue;
        const size_t y = m_.arc_head(a).value();
        if (m_.arc_igp_metric()[a.value()] + d_[y * n_ + v] == d_[u * n_ + v]) {
          ++count;
          next = a;
        }
      }
      if (count != 1) return false;
      arcs.push_back(*next);
      u = m_.arc_head(*next).value();
    }
    return true;
  }

  // Whether `sids` from `source` reproduce exactly `path`.
  bool Reproduces(model::RouterIndex source, const std::vector<Sid>& sids,
                  const std::vector<model::ArcIndex>& path) const {
    std::vector<model::ArcIndex> arcs;
    size_t at = source.value();
    for (const Sid& s : sids) {
      if (!Walk(at, s.router.value(), arcs)) return false;
      at = s.router.value();
      if (s.behavior == SidBehavior::kEndX) {
        arcs.push_back(s.arc);
        at = m_.arc_head(s.arc).value();
      }
    }
    return arcs == path;
  }

 private:
  const model::NetworkModel& m_;
  size_t n_;
  std::vector<uint64_t> d_;
};

// A random connected-ish graph: a site on every router, metrics 1..3 (many
// ties), a few parallel links, a few links down.
std::shared_ptr<const model::NetworkModel> RandomNetwork(std::mt19937& rng) {
  TopologyBuilder b;
  const int n = std::uniform_int_distribution<int>(3, 7)(rng);
  for (int i = 0; i < n; ++i) b.Router(absl::StrCat("r", i));
  b.Service("svc");
  int links = 0;
  auto add = [&](int x, int y) {
    const int metric = std::uniform_int_distribution<int>(1, 3)(rng);
    b.Link(absl::StrCat("l", links++), absl::StrCat("r", x), absl::StrCat("r", y),
           static_cast<uint32_t>(metric));
    if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
      b.topology().mutable_links(links - 1)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
    }
  };
  for (int i = 1; i < n; ++i) add(std::uniform_int_distribution<int>(0, i - 1)(rng), i);
  const int extra = std::uniform_int_distribution<int>(0, n + 2)(rng);
  for (int e = 0; e < extra; ++e) {
    const int x = std::uniform_int_distribution<int>(0, n - 1)(rng);
    const int y = std::uniform_int_distribution<int>(0, n - 1)(rng);
    if (x != y) add(x, y);  // may repeat a pair: parallel links
  }
  for (int i = 0; i < n; ++i) b.Site(absl::StrCat("s", i), absl::StrCat("r", i), {"svc"});
  return b.Build();
}

// A random loop-free path of in-service arcs from a random router.
te::Path RandomPath(const model::NetworkModel& m, std::mt19937& rng) {
  te::Path p;
  p.source = model::RouterIndex(
      std::uniform_int_distribution<uint32_t>(0, static_cast<uint32_t>(m.num_routers() - 1))(rng));
  std::vector<bool> seen(m.num_routers(), false);
  seen[p.source.value()] = true;
  model::RouterIndex at = p.source;
  const size_t want = std::uniform_int_distribution<size_t>(0, 6)(rng);
  while (p.arcs.size() < want) {
    std::vector<model::ArcIndex> options;
    for (model::ArcIndex a : m.out_arcs(at)) {
      if (m.arc_in_service()[a.value()] && !seen[m.arc_head(a).value()]) options.push_back(a);
    }
    if (options.empty()) break;
    const model::ArcIndex a =
        options[std::uniform_int_distribution<size_t>(0, options.size() - 1)(rng)];
    p.arcs.push_back(a);
    at = m.arc_head(a);
    seen[at.value()] = true;
  }
  p.target = at;
  return p;
}

TEST(SegmentListTest, MinimalAgainstBruteForceOnRandomGraphs) {
  std::mt19937 rng(20240611);
  int checked = 0, with_adjacency = 0, longer_than_one = 0;
  for (int g = 0; g < 300; ++g) {
    auto model = RandomNetwork(rng);
    ASSERT_NE(model, nullptr);
    absl::StatusOr<SidPlan> plan = SidPlan::Allocate(*model);
    ASSERT_TRUE(plan.ok()) << plan.status();
    IgpView igp(*model);
    const Oracle oracle(*model);
    for (int t = 0; t < 8; ++t) {
      const te::Path path = RandomPath(*model, rng);
      const Sid& decap = plan->decap_ipv6(model->router(path.target).sites[0]);
      absl::StatusOr<SegmentList> list = MinimalSegmentList(*plan, igp, path, decap);
      ASSERT_TRUE(list.ok()) << list.status();
      ASSERT_TRUE(oracle.Reproduces(path.source, list->sids, path.arcs))
          << "graph " << g << " path " << t << ": " << absl::StrJoin(Describe(*model, *list), " ");

      // Every subsequence of (End.X a1, End r1, End.X a2, End r2, ..., End.X ak),
      // followed by the decap SID.
      std::vector<Sid> elements;
      for (size_t i = 0; i < path.arcs.size(); ++i) {
        elements.push_back(plan->end_x(path.arcs[i]));
        if (i + 1 < path.arcs.size()) elements.push_back(plan->end(model->arc_head(path.arcs[i])));
      }
      ASSERT_LE(elements.size(), 12u);
      // The best is the fewest SIDs, then the fewest End.X SIDs among those.
      auto adjacencies = [](const std::vector<Sid>& sids) {
        size_t n = 0;
        for (const Sid& s : sids) n += s.behavior == SidBehavior::kEndX;
        return n;
      };
      std::pair<size_t, size_t> best{SIZE_MAX, SIZE_MAX};
      for (uint32_t mask = 0; mask < (1u << elements.size()); ++mask) {
        std::vector<Sid> sids;
        for (size_t e = 0; e < elements.size(); ++e) {
          if (mask & (1u << e)) sids.push_back(elements[e]);
        }
        sids.push_back(decap);
        const std::pair<size_t, size_t> cost{sids.size(), adjacencies(sids)};
        if (cost < best && oracle.Reproduces(path.source, sids, path.arcs)) best = cost;
      }
      EXPECT_EQ(std::pair(list->sids.size(), adjacencies(list->sids)), best)
          << "graph " << g << " path " << t << ": " << absl::StrJoin(Describe(*model, *list), " ");
      ++checked;
      for (const Sid& s : list->sids) with_adjacency += s.behavior == SidBehavior::kEndX;
      longer_than_one += list->sids.size() > 1;
    }
  }
  // The random cases exercise every kind of list, not only trivial ones.
  EXPECT_EQ(checked, 300 * 8);
  EXPECT_GT(with_adjacency, 100);
  EXPECT_GT(longer_than_one, 300);
}

}  // namespace
}  // namespace cpn::srv6
