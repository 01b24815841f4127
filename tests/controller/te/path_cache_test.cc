#include "controller/te/path_cache.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/te/paths_test_util.h"

namespace cpn::te {
namespace {

namespace tv1 = cpn::topology::v1;
using model::RouterIndex;
using model::ServiceIndex;
using ::testing::HasSubstr;
using testing::BruteKShortest;
using testing::Describe;
using testing::MustBuild;
using testing::RandomNetwork;
using testing::RandomNetworkOptions;
using testing::Rng;

std::vector<CandidateDemand> AllDemands(const model::NetworkModel& m) {
  std::vector<CandidateDemand> d;
  for (uint32_t r = 0; r < m.num_routers(); ++r) {
    for (uint32_t s = 0; s < m.services().size(); ++s) d.push_back({RouterIndex(r), ServiceIndex(s)});
  }
  return d;
}

// The entry brute force expects for (ingress, target).
void ExpectEntryMatchesBruteForce(const model::NetworkModel& m, const PathCache& cache,
                                  const PathCacheEntry& e) {
  SCOPED_TRACE(absl::StrFormat("entry %s -> %s", m.router(e.ingress).id, m.router(e.target).id));
  // The bound: the loosest of the target's services (none if one has none).
  uint64_t bound = 0;
  bool any = false;
  for (const model::Site& site : m.sites()) {
    if (site.attachment.router != e.target) continue;
    for (uint32_t p = site.first_placement; p < site.first_placement + site.num_placements; ++p) {
      const double ms = m.service(m.placements()[p].service).latency_bound_ms;
      const uint64_t us = ms > 0 ? static_cast<uint64_t>(ms * 1000 / 2) : kNoDelayBound;
      bound = any ? std::max(bound, us) : us;
      any = true;
    }
  }
  if (!any) bound = kNoDelayBound;
  EXPECT_EQ(e.max_delay_us, bound);
  PathConstraints c;
  c.min_bandwidth_bps = cache.options().min_bandwidth_bps;
  const std::vector<Path> best = BruteKShortest(m, e.ingress, e.target, 1, c);
  EXPECT_EQ(e.shortest_delay_us, best.empty() ? kUnreachableDelay : best[0].delay_us);
  c.max_delay_us = bound;
  const std::vector<Path> brute = BruteKShortest(m, e.ingress, e.target, cache.options().k, c);
  EXPECT_EQ(e.paths, brute) << Describe(m, e.paths) << "\nvs\n" << Describe(m, brute);
}

void ExpectSameAsFresh(const PathCache& cache, std::span<const CandidateDemand> demands) {
  PathCache fresh(cache.model_ptr(), cache.options());
  ASSERT_TRUE(fresh.Prepare(demands).ok());
  ASSERT_EQ(fresh.size(), cache.size());
  for (const PathCacheEntry& e : cache.entries()) {
    const PathCacheEntry* f = fresh.Find(e.ingress, e.target);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(e, *f) << "ingress " << cache.model().router(e.ingress).id << " target "
                     << cache.model().router(e.target).id << "\nincremental "
                     << Describe(cache.model(), e.paths) << "\nfull "
                     << Describe(cache.model(), f->paths);
  }
}

TEST(PathCacheTest, EntriesAndCandidatesMatchBruteForce) {
  for (uint64_t seed = 0; seed < 150; ++seed) {
    auto m = MustBuild(RandomNetwork(seed));
    ASSERT_NE(m, nullptr);
    PathCacheOptions o;
    o.k = 1 + static_cast<int>(seed % 5);
    o.min_bandwidth_bps = seed % 3 == 0 ? 2'000'000'000 : 0;
    PathCache cache(m, o);
    const std::vector<CandidateDemand> demands = AllDemands(*m);
    absl::StatusOr<std::vector<std::vector<SiteCandidate>>> all = CandidatePaths(cache, demands);
    ASSERT_TRUE(all.ok()) << all.status();
    for (const PathCacheEntry& e : cache.entries()) ExpectEntryMatchesBruteForce(*m, cache, e);
    for (size_t i = 0; i < demands.size(); ++i) {
      const model::Service& svc = m->service(demands[i].service);
      ASSERT_EQ((*all)[i].size(), svc.placements.size());
      for (const SiteCandidate& c : (*all)[i]) {
        PathConstraints pc;
        pc.min_bandwidth_bps = o.min_bandwidth_bps;
        pc.max_delay_us = OneWayDelayBoundUs(svc.latency_bound_ms);
        const std::vector<Path> brute = BruteKShortest(*m, demands[i].ingress, c.router, o.k, pc);
        EXPECT_EQ(std::vector<Path>(c.paths.begin(), c.paths.end()), brute);
        EXPECT_EQ(m->site(c.site).attachment.router, c.router);
        if (svc.latency_bound_ms > 0) {
          for (const Path& p : c.paths) {
            EXPECT_LE(2.0 * static_cast<double>(p.delay_us) / 1000.0, svc.latency_bound_ms);
          }
        }
      }
    }
  }
}

// One random change to `t`; mostly a single link, sometimes a router or a
// service bound. Returns what was changed.
std::string RandomChange(Rng& rng, tv1::Topology& t) {
  const int l = static_cast<int>(rng.Below(t.links_size()));
  tv1::Link* link = t.mutable_links(l);
  const uint64_t r = rng.Below(100);
  if (r < 30) {
    const bool down = link->admin_state() == cpn::common::v1::ADMIN_STATE_DOWN;
    link->set_admin_state(down ? cpn::common::v1::ADMIN_STATE_UP : cpn::common::v1::ADMIN_STATE_DOWN);
    return absl::StrFormat("link %s %s", link->id(), down ? "up" : "down");
  }
  if (r < 55) {
    link->set_propagation_delay_us(rng.Below(7));
    return absl::StrFormat("link %s delay %d", link->id(), link->propagation_delay_us());
  }
  if (r < 70) {
    static constexpr uint64_t kGbps[] = {1, 2, 5, 10};
    link->set_capacity_bps(kGbps[rng.Below(4)] * 1'000'000'000);
    return absl::StrFormat("link %s capacity %d", link->id(), link->capacity_bps());
  }
  if (r < 80) {
    const uint32_t srlg = 1 + static_cast<uint32_t>(rng.Below(4));
    auto* s = link->mutable_srlgs();
    auto it = std::find(s->begin(), s->end(), srlg);
    if (it != s->end()) {
      s->erase(it);
    } else {
      s->Add(srlg);
    }
    return absl::StrFormat("link %s srlg %d toggled", link->id(), srlg);
  }
  if (r < 85) {
    link->set_igp_metric(static_cast<uint32_t>(rng.Below(50)));
    return absl::StrFormat("link %s metric %d", link->id(), link->igp_metric());
  }
  if (r < 92) {
    tv1::Router* router = t.mutable_routers(static_cast<int>(rng.Below(t.routers_size())));
    const bool down = router->admin_state() == cpn::common::v1::ADMIN_STATE_DOWN;
    router->set_admin_state(down ? cpn::common::v1::ADMIN_STATE_UP
                                 : cpn::common::v1::ADMIN_STATE_DOWN);
    return absl::StrFormat("router %s %s", router->id(), down ? "up" : "down");
  }
  auto* svc = t.mutable_services(static_cast<int>(rng.Below(t.services_size())));
  svc->set_latency_bound_ms(rng.Chance(0.2) ? 0 : static_cast<double>(2 + rng.Below(29)) / 1000);
  return absl::StrFormat("service %s bound %g ms", svc->id(), svc->latency_bound_ms());
}

TEST(PathCacheTest, IncrementalUpdateEqualsFullRecomputation) {
  size_t recomputed = 0, possible = 0, improved = 0, worsened = 0;
  for (uint64_t seed = 0; seed < 150; ++seed) {
    RandomNetworkOptions ro;
    ro.max_routers = 9;
    ro.links_per_router = 2.0;
    tv1::Topology t = RandomNetwork(seed + 777, ro);
    auto m = MustBuild(t);
    ASSERT_NE(m, nullptr);
    PathCacheOptions o;
    o.k = 1 + static_cast<int>(seed % 4);
    o.min_bandwidth_bps = seed % 3 == 0 ? 2'000'000'000 : 0;
    PathCache cache(m, o);
    const std::vector<CandidateDemand> demands = AllDemands(*m);
    ASSERT_TRUE(cache.Prepare(demands).ok());
    Rng rng(seed * 31 + 5);
    for (int step = 0; step < 20; ++step) {
      const std::string what = RandomChange(rng, t);
      auto next = MustBuild(t);
      ASSERT_NE(next, nullptr);
      const CacheUpdateStats stats = cache.Update(next);
      SCOPED_TRACE(absl::StrFormat("seed %d step %d: %s", seed + 777, step, what));
      EXPECT_TRUE(!stats.full_recompute ||
                  static_cast<int>(stats.arcs_improved) > o.max_improved_arcs_incremental);
      EXPECT_LE(stats.entries_recomputed, stats.entries_total);
      recomputed += stats.entries_recomputed;
      possible += stats.entries_total;
      improved += stats.arcs_improved;
      worsened += stats.arcs_worsened;
      ExpectSameAsFresh(cache, demands);
      if (step % 5 == 4) {
        for (const PathCacheEntry& e : cache.entries()) {
          ExpectEntryMatchesBruteForce(*next, cache, e);
        }
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
  // Both directions were exercised, and the update did not simply redo
  // everything.
  EXPECT_GT(improved, 500u);
  EXPECT_GT(worsened, 500u);
  EXPECT_LT(recomputed, possible / 2);
  std::printf("incremental: %zu of %zu entry computations (%.1f%%)\n", recomputed, possible,
              100.0 * static_cast<double>(recomputed) / static_cast<double>(possible));
}

// The same on networks too big for brute force (up to 150 routers, long
// paths, realistic delays), where trees are repaired over many routers.
TEST(PathCacheTest, IncrementalUpdateEqualsFullRecomputationOnLargerNetworks) {
  size_t recomputed = 0, possible = 0;
  for (uint64_t seed = 0; seed < 12; ++seed) {
    RandomNetworkOptions ro;
    ro.min_routers = 60;
    ro.max_routers = 150;
    ro.links_per_router = 1.5;
    ro.max_delay_us = 3000;
    ro.num_sites = 8;
    ro.num_services = 3;
    tv1::Topology t = RandomNetwork(seed + 90000, ro);
    for (auto& svc : *t.mutable_services()) {
      if (svc.latency_bound_ms() > 0) svc.set_latency_bound_ms(svc.latency_bound_ms() * 1000);
    }
    auto m = MustBuild(t);
    ASSERT_NE(m, nullptr);
    PathCacheOptions o;
    o.k = 4;
    PathCache cache(m, o);
    const std::vector<CandidateDemand> demands = AllDemands(*m);
    ASSERT_TRUE(cache.Prepare(demands).ok());
    Rng rng(seed);
    for (int step = 0; step < 12; ++step) {
      tv1::Link* link = t.mutable_links(static_cast<int>(rng.Below(t.links_size())));
      if (step % 3 == 2) {
        link->set_propagation_delay_us(rng.Below(3001));
      } else {
        const bool down = link->admin_state() == cpn::common::v1::ADMIN_STATE_DOWN;
        link->set_admin_state(down ? cpn::common::v1::ADMIN_STATE_UP
                                   : cpn::common::v1::ADMIN_STATE_DOWN);
      }
      const CacheUpdateStats stats = cache.Update(MustBuild(t));
      recomputed += stats.entries_recomputed;
      possible += stats.entries_total;
      SCOPED_TRACE(absl::StrFormat("seed %d step %d link %s", seed + 90000, step, link->id()));
      ExpectSameAsFresh(cache, demands);
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_LT(recomputed, possible / 4);
}

// a --1-- b --1-- c --1-- d, site at c: a change beyond c cannot affect
// a's paths to c and must not recompute them.
TEST(PathCacheTest, RecomputesOnlyWhatAChangeCanReach) {
  tv1::Topology t;
  for (const char* id : {"a", "b", "c", "d"}) {
    tv1::Router* r = t.add_routers();
    r->set_id(id);
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", t.routers_size()));
  }
  int n = 0;
  for (auto [a, b] : {std::pair{"a", "b"}, std::pair{"b", "c"}, std::pair{"c", "d"}}) {
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("%s--%s", a, b));
    l->mutable_a()->set_router_id(a);
    l->mutable_a()->set_interface(absl::StrFormat("x%d", n++));
    l->mutable_b()->set_router_id(b);
    l->mutable_b()->set_interface(absl::StrFormat("x%d", n++));
    l->set_propagation_delay_us(1000);
    l->set_capacity_bps(1'000'000'000);
  }
  auto m = MustBuild(t);
  // k = 1: the entry is full, so only a path through the improved arc that
  // could beat its best path triggers work. (An entry holding fewer than k
  // paths and no bound is recomputed for any reachable improvement: the
  // distance bound counts walks, such as a-b-c-d-c, not only simple paths.)
  PathCacheOptions o;
  o.k = 1;
  PathCache cache(m, o);
  ASSERT_EQ(*cache.Prepare(*m->FindRouter("a"), *m->FindRouter("c")), 1u);
  EXPECT_EQ(*cache.Prepare(*m->FindRouter("a"), *m->FindRouter("c")), 0u);  // cached

  t.mutable_links(2)->set_propagation_delay_us(10);  // c--d faster
  CacheUpdateStats s = cache.Update(MustBuild(t));
  EXPECT_EQ(s.links_changed, 1u);
  EXPECT_EQ(s.arcs_improved, 2u);
  EXPECT_EQ(s.entries_recomputed, 0u);
  t.mutable_links(2)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  s = cache.Update(MustBuild(t));
  EXPECT_EQ(s.arcs_worsened, 2u);
  EXPECT_EQ(s.entries_recomputed, 0u);
  t.mutable_links(0)->set_propagation_delay_us(2000);  // a--b slower: on the path
  s = cache.Update(MustBuild(t));
  EXPECT_EQ(s.entries_recomputed, 1u);
  EXPECT_EQ(cache.Find(*m->FindRouter("a"), *m->FindRouter("c"))->paths[0].delay_us, 3000u);
  // Unchanged snapshot content: nothing to do.
  s = cache.Update(MustBuild(t));
  EXPECT_EQ(s.links_changed, 0u);
  EXPECT_EQ(s.entries_recomputed, 0u);
}

TEST(PathCacheTest, StructuralChangeRebuildsAndCopiesAreIndependent) {
  tv1::Topology t = RandomNetwork(42);
  auto m = MustBuild(t);
  PathCache cache(m, {});
  const std::vector<CandidateDemand> demands = AllDemands(*m);
  ASSERT_TRUE(cache.Prepare(demands).ok());
  const PathCache before = cache;

  tv1::Link* l = t.add_links();
  l->set_id("extra");
  l->mutable_a()->set_router_id(t.routers(0).id());
  l->mutable_a()->set_interface("extra0");
  l->mutable_b()->set_router_id(t.routers(1).id());
  l->mutable_b()->set_interface("extra1");
  l->set_propagation_delay_us(0);
  l->set_capacity_bps(1'000'000'000);
  const CacheUpdateStats s = cache.Update(MustBuild(t));
  EXPECT_TRUE(s.full_recompute);
  EXPECT_EQ(s.entries_total, before.size());
  ExpectSameAsFresh(cache, AllDemands(cache.model()));
  // The copy still describes the old snapshot.
  EXPECT_EQ(before.model_ptr(), m);
  ExpectSameAsFresh(before, demands);
}

TEST(PathCacheTest, TighterServicesSeeAPrefix) {
  tv1::Topology t;
  for (const char* id : {"a", "b", "c"}) {
    tv1::Router* r = t.add_routers();
    r->set_id(id);
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", t.routers_size()));
  }
  int n = 0;
  auto link = [&](const char* a, const char* b, uint64_t delay) {
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("%s--%s-%d", a, b, n));
    l->mutable_a()->set_router_id(a);
    l->mutable_a()->set_interface(absl::StrFormat("x%d", n++));
    l->mutable_b()->set_router_id(b);
    l->mutable_b()->set_interface(absl::StrFormat("x%d", n++));
    l->set_propagation_delay_us(delay);
    l->set_capacity_bps(1'000'000'000);
  };
  link("a", "c", 1000);  // 2 ms RTT
  link("a", "b", 1000);
  link("b", "c", 1000);  // 4 ms RTT
  link("a", "c", 3000);  // 6 ms RTT
  for (auto [id, bound] : {std::pair{"fast", 4.5}, std::pair{"slow", 0.0}}) {
    cpn::compute::v1::Service* s = t.add_services();
    s->set_id(id);
    s->set_anycast_prefix(std::string("2001:db8:") + (bound > 0 ? "1" : "2") + "::/64");
    s->set_mean_service_time_ms(1);
    s->set_latency_bound_ms(bound);
  }
  cpn::compute::v1::Site* site = t.add_sites();
  site->set_id("dc");
  site->mutable_attachment()->set_router_id("c");
  site->mutable_attachment()->set_interface("dc0");
  site->add_capacities()->set_service_id("fast");
  site->mutable_capacities(0)->set_servers(1);
  site->add_capacities()->set_service_id("slow");
  site->mutable_capacities(1)->set_servers(1);
  auto m = MustBuild(t);
  PathCache cache(m, {});
  const RouterIndex a = *m->FindRouter("a");
  const CandidateDemand fast{a, *m->FindService("fast")};
  const CandidateDemand slow{a, *m->FindService("slow")};
  EXPECT_TRUE(absl::IsFailedPrecondition(cache.Candidates(fast).status()));
  EXPECT_THAT(cache.Candidates(fast).status().message(), HasSubstr("were not prepared"));
  const std::vector<CandidateDemand> both = {fast, slow};
  auto all = CandidatePaths(cache, both);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(cache.size(), 1u);  // one (ingress, target) entry serves both
  ASSERT_EQ((*all)[0].size(), 1u);
  EXPECT_EQ((*all)[0][0].paths.size(), 2u);  // 1 ms and 2 ms one way
  EXPECT_EQ((*all)[1][0].paths.size(), 3u);
  EXPECT_EQ((*all)[0][0].shortest_delay_us, 1000u);
  const std::vector<CandidateDemand> bad = {{RouterIndex(7), ServiceIndex(0)}};
  EXPECT_TRUE(absl::IsInvalidArgument(cache.Prepare(bad).status()));
}

}  // namespace
}  // namespace cpn::te
