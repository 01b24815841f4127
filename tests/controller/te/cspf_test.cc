#include "controller/te/cspf.h"

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
using model::LinkIndex;
using model::RouterIndex;
using ::testing::HasSubstr;
using testing::BruteKShortest;
using testing::Describe;
using testing::MustBuild;
using testing::RandomConstraints;
using testing::RandomNetwork;
using testing::Rng;

TEST(CspfTest, MatchesBruteForceOnRandomNetworks) {
  int found = 0, not_found = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto m = MustBuild(RandomNetwork(seed));
    ASSERT_NE(m, nullptr);
    Rng rng(seed * 7919 + 1);
    for (uint32_t s = 0; s < m->num_routers(); ++s) {
      for (uint32_t t = 0; t < m->num_routers(); ++t) {
        const PathConstraints c = RandomConstraints(rng, *m, RouterIndex(s), RouterIndex(t));
        const std::vector<Path> brute = BruteKShortest(*m, RouterIndex(s), RouterIndex(t), 1, c);
        absl::StatusOr<Path> p = ConstrainedShortestPath(*m, RouterIndex(s), RouterIndex(t), c);
        SCOPED_TRACE(absl::StrFormat("seed %d, r%d -> r%d", seed, s, t));
        if (brute.empty()) {
          EXPECT_TRUE(absl::IsNotFound(p.status())) << Describe(*m, *p);
          ++not_found;
        } else {
          ASSERT_TRUE(p.ok()) << p.status();
          EXPECT_EQ(*p, brute[0]) << Describe(*m, *p) << " vs " << Describe(*m, brute[0]);
          ++found;
        }
      }
    }
  }
  // Both outcomes must be well represented for the comparison to mean much.
  EXPECT_GT(found, 3000);
  EXPECT_GT(not_found, 1000);
}

TEST(CspfTest, UsesPerArcAvailableBandwidth) {
  for (uint64_t seed = 0; seed < 100; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 1000));
    ASSERT_NE(m, nullptr);
    Rng rng(seed);
    // Directions differ: a reservation one way leaves the other free.
    std::vector<uint64_t> available(m->num_arcs());
    for (uint64_t& a : available) a = rng.Below(10) * 1'000'000'000;
    PathConstraints c;
    c.available_bps = available;
    c.min_bandwidth_bps = 4'000'000'000;
    for (uint32_t s = 0; s < m->num_routers(); ++s) {
      for (uint32_t t = 0; t < m->num_routers(); ++t) {
        const std::vector<Path> brute = BruteKShortest(*m, RouterIndex(s), RouterIndex(t), 1, c);
        absl::StatusOr<Path> p = ConstrainedShortestPath(*m, RouterIndex(s), RouterIndex(t), c);
        if (brute.empty()) {
          EXPECT_TRUE(absl::IsNotFound(p.status()));
        } else {
          ASSERT_TRUE(p.ok()) << p.status();
          EXPECT_EQ(*p, brute[0]);
          for (ArcIndex a : p->arcs) EXPECT_GE(available[a.value()], c.min_bandwidth_bps);
        }
      }
    }
  }
}

// a --1-- b --1-- c, a --5-- c (10G except a--c at 1G); d isolated; e down.
std::shared_ptr<const model::NetworkModel> Line() {
  tv1::Topology t;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    tv1::Router* r = t.add_routers();
    r->set_id(id);
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", t.routers_size()));
  }
  t.mutable_routers(4)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  int n = 0;
  auto link = [&](const char* a, const char* b, uint64_t delay, uint64_t gbps, uint32_t srlg) {
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("%s--%s", a, b));
    l->mutable_a()->set_router_id(a);
    l->mutable_a()->set_interface(absl::StrFormat("x%d", n++));
    l->mutable_b()->set_router_id(b);
    l->mutable_b()->set_interface(absl::StrFormat("x%d", n++));
    l->set_propagation_delay_us(delay);
    l->set_capacity_bps(gbps * 1'000'000'000);
    if (srlg) l->add_srlgs(srlg);
  };
  link("a", "b", 1000, 10, 7);
  link("b", "c", 1000, 10, 0);
  link("a", "c", 5000, 1, 0);
  link("c", "e", 1000, 10, 0);
  return MustBuild(t);
}

TEST(CspfTest, FindsTheLowestDelayPathAndFillsItIn) {
  auto m = Line();
  const RouterIndex a = *m->FindRouter("a"), c = *m->FindRouter("c");
  absl::StatusOr<Path> p = ConstrainedShortestPath(*m, a, c, {});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->delay_us, 2000u);
  EXPECT_EQ(p->source, a);
  EXPECT_EQ(p->target, c);
  EXPECT_EQ(p->arcs.size(), 2u);
  EXPECT_EQ(p->bottleneck_bps, 10'000'000'000u);
  EXPECT_EQ(p->srlg_ids, std::vector<uint32_t>{7});
  EXPECT_EQ(p->igp_cost, 2000u);  // derived metrics: one per microsecond
  // Source == target: the empty path.
  absl::StatusOr<Path> self = ConstrainedShortestPath(*m, a, a, {});
  ASSERT_TRUE(self.ok());
  EXPECT_TRUE(self->arcs.empty());
  EXPECT_EQ(self->bottleneck_bps, UINT64_MAX);
}

TEST(CspfTest, ConstraintsDivertThePath) {
  auto m = Line();
  const RouterIndex a = *m->FindRouter("a"), c = *m->FindRouter("c");
  PathConstraints srlg;
  srlg.excluded_srlg_ids = {7};
  EXPECT_EQ(ConstrainedShortestPath(*m, a, c, srlg)->delay_us, 5000u);
  PathConstraints router;
  router.excluded_routers = {*m->FindRouter("b")};
  EXPECT_EQ(ConstrainedShortestPath(*m, a, c, router)->delay_us, 5000u);
  PathConstraints link;
  link.excluded_links = {*m->FindLink("b--c")};
  EXPECT_EQ(ConstrainedShortestPath(*m, a, c, link)->delay_us, 5000u);
  PathConstraints bound;
  bound.max_delay_us = 2000;  // inclusive
  EXPECT_EQ(ConstrainedShortestPath(*m, a, c, bound)->delay_us, 2000u);
}

TEST(CspfTest, SaysWhyThereIsNoPath) {
  auto m = Line();
  const RouterIndex a = *m->FindRouter("a"), c = *m->FindRouter("c");
  const RouterIndex d = *m->FindRouter("d"), e = *m->FindRouter("e");

  absl::StatusOr<Path> p = ConstrainedShortestPath(*m, a, e, {});
  EXPECT_TRUE(absl::IsNotFound(p.status()));
  EXPECT_THAT(p.status().message(), HasSubstr("the target router \"e\" is down"));

  p = ConstrainedShortestPath(*m, a, d, {});
  EXPECT_THAT(p.status().message(),
              HasSubstr("from router \"a\" to router \"d\": no in-service path connects them"));

  PathConstraints bw;
  bw.min_bandwidth_bps = 10'000'000'000;
  bw.excluded_srlg_ids = {7};
  p = ConstrainedShortestPath(*m, a, c, bw);
  EXPECT_THAT(p.status().message(), HasSubstr("every in-service path uses an arc the constraints"));
  EXPECT_THAT(p.status().message(), HasSubstr("2 arcs with less than 10000000000 bit/s available"));
  EXPECT_THAT(p.status().message(), HasSubstr("2 arcs on links in excluded SRLGs"));

  PathConstraints bound;
  bound.max_delay_us = 1999;
  p = ConstrainedShortestPath(*m, a, c, bound);
  EXPECT_THAT(p.status().message(),
              HasSubstr("one-way delay of 2000 us, above the bound of 1999 us"));

  PathConstraints excluded;
  excluded.excluded_routers = {a};
  p = ConstrainedShortestPath(*m, a, c, excluded);
  EXPECT_THAT(p.status().message(), HasSubstr("the source router \"a\" is excluded"));
  EXPECT_TRUE(ExplainNoPath(*m, a, c, {}).ok());
}

TEST(CspfTest, RejectsBadArguments) {
  auto m = Line();
  const RouterIndex a = *m->FindRouter("a");
  EXPECT_TRUE(absl::IsInvalidArgument(ConstrainedShortestPath(*m, a, RouterIndex(99), {}).status()));
  std::vector<uint64_t> short_array(3, 0);
  PathConstraints c;
  c.available_bps = short_array;
  absl::Status s = ConstrainedShortestPath(*m, a, RouterIndex(1), c).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("available_bps has 3 entries; the model has 8 arcs"));
}

TEST(CspfTest, OneWayBoundIsHalfTheRoundTrip) {
  EXPECT_EQ(OneWayDelayBoundUs(0), kNoDelayBound);
  EXPECT_EQ(OneWayDelayBoundUs(-1), kNoDelayBound);
  EXPECT_EQ(OneWayDelayBoundUs(20), 10000u);     // 20 ms RTT: 10 ms each way
  EXPECT_EQ(OneWayDelayBoundUs(0.005), 2u);      // 5 us RTT: 2 us fits (4 <= 5), 3 does not
  EXPECT_EQ(OneWayDelayBoundUs(1e30), kNoDelayBound);
}

}  // namespace
}  // namespace cpn::te
