#include "controller/te/disjoint.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/te/cspf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/te/paths_test_util.h"

namespace cpn::te {
namespace {

namespace tv1 = cpn::topology::v1;
using model::RouterIndex;
using ::testing::HasSubstr;
using testing::AllSimplePaths;
using testing::BruteDisjoint;
using testing::Describe;
using testing::MustBuild;
using testing::RandomConstraints;
using testing::RandomNetwork;
using testing::RandomNetworkOptions;
using testing::Rng;

RandomNetworkOptions Denser() {
  RandomNetworkOptions o;
  o.links_per_router = 2.3;
  o.link_down_probability = 0.04;
  o.srlg_probability = 0.12;
  return o;
}

TEST(DisjointTest, BackupMatchesBruteForce) {
  int found = 0, not_found = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto m = MustBuild(RandomNetwork(seed, Denser()));
    ASSERT_NE(m, nullptr);
    Rng rng(seed + 17);
    for (uint32_t s = 0; s < m->num_routers(); ++s) {
      for (uint32_t t = 0; t < m->num_routers(); ++t) {
        if (s == t) continue;
        const PathConstraints c = RandomConstraints(rng, *m, RouterIndex(s), RouterIndex(t));
        // Any simple path may be the primary, not only the best one.
        PathConstraints any;
        const std::vector<Path> all = AllSimplePaths(*m, RouterIndex(s), RouterIndex(t), any);
        if (all.empty()) continue;
        const Path& primary = all[rng.Below(all.size())];
        DisjointOptions o;
        o.srlg_disjoint = rng.Chance(0.7);
        o.router_disjoint = rng.Chance(0.4);
        std::optional<Path> brute;
        for (const Path& p : AllSimplePaths(*m, RouterIndex(s), RouterIndex(t), c)) {
          if (p.delay_us <= c.max_delay_us &&
              BruteDisjoint(*m, primary, p, o.srlg_disjoint, o.router_disjoint)) {
            brute = p;
            break;
          }
        }
        absl::StatusOr<Path> got = DisjointBackupPath(*m, primary, c, o);
        SCOPED_TRACE(absl::StrFormat("seed %d r%d -> r%d primary %s srlg %d router %d", seed, s, t,
                                     Describe(*m, primary), o.srlg_disjoint, o.router_disjoint));
        if (!brute) {
          EXPECT_TRUE(absl::IsNotFound(got.status())) << Describe(*m, *got);
          EXPECT_THAT(got.status().message(), HasSubstr("no backup path disjoint from the primary"));
          ++not_found;
        } else {
          ASSERT_TRUE(got.ok()) << got.status();
          EXPECT_EQ(*got, *brute);
          EXPECT_TRUE(AreDisjoint(*m, primary, *got, o));
          ++found;
        }
      }
    }
  }
  EXPECT_GT(found, 1000);
  EXPECT_GT(not_found, 1000);
}

TEST(DisjointTest, PairMatchesBruteForce) {
  int pairs = 0, none = 0;
  for (uint64_t seed = 0; seed < 150; ++seed) {
    auto m = MustBuild(RandomNetwork(seed + 300, Denser()));
    ASSERT_NE(m, nullptr);
    Rng rng(seed + 99);
    for (uint32_t s = 0; s < m->num_routers(); ++s) {
      for (uint32_t t = 0; t < m->num_routers(); ++t) {
        if (s == t) continue;
        PathConstraints c = RandomConstraints(rng, *m, RouterIndex(s), RouterIndex(t));
        DisjointPairOptions o;
        o.disjoint.srlg_disjoint = rng.Chance(0.7);
        o.disjoint.router_disjoint = rng.Chance(0.4);
        std::vector<Path> all = AllSimplePaths(*m, RouterIndex(s), RouterIndex(t), c);
        std::erase_if(all, [&](const Path& p) { return p.delay_us > c.max_delay_us; });
        std::optional<uint64_t> best_total;
        for (size_t i = 0; i < all.size(); ++i) {
          for (size_t j = i + 1; j < all.size(); ++j) {
            if (!BruteDisjoint(*m, all[i], all[j], o.disjoint.srlg_disjoint,
                               o.disjoint.router_disjoint)) {
              continue;
            }
            const uint64_t total = all[i].delay_us + all[j].delay_us;
            if (!best_total || total < *best_total) best_total = total;
          }
        }
        absl::StatusOr<DisjointPair> got = ShortestDisjointPair(*m, RouterIndex(s), RouterIndex(t),
                                                                c, o);
        SCOPED_TRACE(absl::StrFormat("seed %d r%d -> r%d srlg %d router %d", seed, s, t,
                                     o.disjoint.srlg_disjoint, o.disjoint.router_disjoint));
        if (!best_total) {
          EXPECT_TRUE(absl::IsNotFound(got.status()))
              << Describe(*m, got->first) << " + " << Describe(*m, got->second);
          ++none;
          continue;
        }
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_TRUE(BruteDisjoint(*m, got->first, got->second, o.disjoint.srlg_disjoint,
                                  o.disjoint.router_disjoint));
        EXPECT_LE(got->first.delay_us, c.max_delay_us);
        EXPECT_LE(got->second.delay_us, c.max_delay_us);
        EXPECT_FALSE(PathLess(got->second, got->first));
        // These graphs have few enough paths for the fallback to finish.
        EXPECT_TRUE(got->optimal);
        EXPECT_EQ(got->first.delay_us + got->second.delay_us, *best_total)
            << Describe(*m, got->first) << " + " << Describe(*m, got->second);
        ++pairs;
      }
    }
  }
  EXPECT_GT(pairs, 1000);
  EXPECT_GT(none, 1000);
}

// The trap: the shortest path s-a-b-t takes the middle link a--b that both
// disjoint paths s-a-t and s-b-t avoid; removing it leaves no backup.
TEST(DisjointTest, TwoStepFallsIntoTheTrapButThePairDoesNot) {
  tv1::Topology t;
  for (const char* id : {"s", "a", "b", "t"}) {
    tv1::Router* r = t.add_routers();
    r->set_id(id);
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", t.routers_size()));
  }
  int n = 0;
  auto link = [&](const char* a, const char* b, uint64_t delay, uint32_t srlg) {
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("%s--%s", a, b));
    l->mutable_a()->set_router_id(a);
    l->mutable_a()->set_interface(absl::StrFormat("x%d", n++));
    l->mutable_b()->set_router_id(b);
    l->mutable_b()->set_interface(absl::StrFormat("x%d", n++));
    l->set_propagation_delay_us(delay);
    l->set_capacity_bps(1'000'000'000);
    if (srlg) l->add_srlgs(srlg);
  };
  link("s", "a", 1, 0);
  link("a", "t", 3, 0);
  link("s", "b", 3, 0);
  link("b", "t", 1, 0);
  link("a", "b", 1, 0);
  auto m = MustBuild(t);
  const RouterIndex s = *m->FindRouter("s"), tt = *m->FindRouter("t");
  absl::StatusOr<Path> primary = ConstrainedShortestPath(*m, s, tt, {});
  ASSERT_TRUE(primary.ok());
  EXPECT_EQ(primary->delay_us, 3u);
  absl::StatusOr<Path> backup = DisjointBackupPath(*m, *primary, {});
  EXPECT_TRUE(absl::IsNotFound(backup.status()));
  EXPECT_THAT(backup.status().message(),
              HasSubstr("avoiding its 3 links, 0 SRLGs and 0 routers"));
  absl::StatusOr<DisjointPair> pair = ShortestDisjointPair(*m, s, tt, {});
  ASSERT_TRUE(pair.ok()) << pair.status();
  EXPECT_EQ(pair->first.delay_us + pair->second.delay_us, 8u);
  EXPECT_TRUE(pair->optimal);

  // Put s--a and b--t in one SRLG: the only link-disjoint pair now shares
  // it, and the fallback proves no SRLG-disjoint pair exists.
  t.mutable_links(0)->add_srlgs(5);
  t.mutable_links(3)->add_srlgs(5);
  m = MustBuild(t);
  pair = ShortestDisjointPair(*m, s, tt, {});
  EXPECT_TRUE(absl::IsNotFound(pair.status()));
  EXPECT_THAT(pair.status().message(), HasSubstr("every one shares an SRLG"));
  DisjointPairOptions links_only;
  links_only.disjoint.srlg_disjoint = false;
  EXPECT_TRUE(ShortestDisjointPair(*m, s, tt, {}, links_only).ok());
}

TEST(DisjointTest, RejectsAnEmptyPrimary) {
  auto m = MustBuild(RandomNetwork(3));
  Path empty = MakePath(*m, RouterIndex(0), {});
  EXPECT_TRUE(absl::IsInvalidArgument(DisjointBackupPath(*m, empty, {}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ShortestDisjointPair(*m, RouterIndex(0), RouterIndex(0), {}).status()));
}

}  // namespace
}  // namespace cpn::te
