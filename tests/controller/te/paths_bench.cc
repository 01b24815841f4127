// Candidate-path generation and incremental updates at the sizes of the
// issue's budget (full decision <= 1 s on one core for 1000 routers, 100
// sites, 10,000 demands): a synthetic 1000-router Waxman graph and the
// Topology Zoo's Chinanet, Cogentco and Kdl (skipped when the data or the
// importer cannot load them).
//
//   ./cpn_paths_bench [--benchmark_filter=...]
//
// Every scenario has 10 services with round-trip bounds of 10..60 ms (one
// without), hosted at sites on distinct routers; its demands are every
// router x every service. Counters: entries = (ingress, site router) pairs
// cached, paths = paths held, recomputed = entries recomputed per update,
// relabelled = entries whose paths only got new attributes, trees = trees
// toward targets repaired per update.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/model/network_model.h"
#include "controller/te/ksp.h"
#include "controller/te/path_cache.h"
#include "controller/topology/graphml_import.h"

namespace cpn::te {
namespace {

namespace tv1 = cpn::topology::v1;
namespace cv1 = cpn::compute::v1;
using model::RouterIndex;
using model::ServiceIndex;

// SplitMix64: portable and deterministic.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  uint64_t Below(uint64_t n) { return Next() % n; }
};

struct Scenario {
  std::string name;
  tv1::Topology topology;
  std::shared_ptr<const model::NetworkModel> model;
  std::vector<CandidateDemand> demands;
};

void AddLink(tv1::Topology& t, std::vector<int>& ifaces, int a, int b, uint64_t delay_us,
             uint64_t capacity) {
  tv1::Link* l = t.add_links();
  l->set_id(absl::StrFormat("%s--%s", t.routers(a).id(), t.routers(b).id()));
  l->mutable_a()->set_router_id(t.routers(a).id());
  l->mutable_a()->set_interface(absl::StrFormat("e%d", ifaces[a]++));
  l->mutable_b()->set_router_id(t.routers(b).id());
  l->mutable_b()->set_interface(absl::StrFormat("e%d", ifaces[b]++));
  l->set_propagation_delay_us(std::max<uint64_t>(delay_us, 5));
  l->set_capacity_bps(capacity);
}

// Waxman graph on a 3000 km square: every router joins its nearest earlier
// router (connected), then links u-v are added with probability
// beta * exp(-d / (alpha * L)) until there are links_per_router * n. Delay:
// 5 us/km over a route 1.3 x the straight line.
tv1::Topology Waxman(int n, double links_per_router, uint64_t seed) {
  Rng rng{seed};
  tv1::Topology t;
  t.set_name(absl::StrFormat("waxman-%d", n));
  std::vector<double> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = rng.Unit() * 3000;
    y[i] = rng.Unit() * 3000;
    tv1::Router* r = t.add_routers();
    r->set_id(absl::StrFormat("r%04d", i));
    r->set_srv6_locator(absl::StrFormat("fcbb:%x:%x::/48", 0xbb00 + i / 65536, i % 65536 + 1));
  }
  auto km = [&](int a, int b) { return std::hypot(x[a] - x[b], y[a] - y[b]); };
  auto delay = [&](int a, int b) { return static_cast<uint64_t>(km(a, b) * 1.3 * 5); };
  static constexpr uint64_t kCapacity[] = {10'000'000'000, 40'000'000'000, 100'000'000'000};
  std::vector<int> ifaces(n, 0);
  std::vector<std::vector<uint8_t>> linked(n, std::vector<uint8_t>(n, 0));
  for (int i = 1; i < n; ++i) {
    int best = 0;
    for (int j = 1; j < i; ++j) {
      if (km(i, j) < km(i, best)) best = j;
    }
    AddLink(t, ifaces, i, best, delay(i, best), kCapacity[rng.Below(3)]);
    linked[i][best] = linked[best][i] = 1;
  }
  const double diag = 3000 * std::sqrt(2.0);
  const int target = static_cast<int>(links_per_router * n);
  while (t.links_size() < target) {
    const int a = static_cast<int>(rng.Below(n));
    const int b = static_cast<int>(rng.Below(n));
    if (a == b || linked[a][b]) continue;
    if (rng.Unit() >= 0.9 * std::exp(-km(a, b) / (0.03 * diag))) continue;
    AddLink(t, ifaces, a, b, delay(a, b), kCapacity[rng.Below(3)]);
    linked[a][b] = linked[b][a] = 1;
  }
  return t;
}

// `sites` sites on distinct routers, 10 services, each at a third of the
// sites (every site hosts at least one); demands: every router x service.
void AddCompute(Scenario& s, int sites, uint64_t seed) {
  Rng rng{seed};
  tv1::Topology& t = s.topology;
  const int n = t.routers_size();
  std::vector<int> routers(n);
  std::iota(routers.begin(), routers.end(), 0);
  for (int i = n - 1; i > 0; --i) std::swap(routers[i], routers[rng.Below(i + 1)]);
  sites = std::min(sites, n);
  constexpr int kServices = 10;
  static constexpr double kBoundMs[kServices] = {10, 15, 20, 25, 30, 40, 50, 60, 60, 0};
  for (int k = 0; k < kServices; ++k) {
    cv1::Service* svc = t.add_services();
    svc->set_id(absl::StrFormat("svc%d", k));
    svc->set_anycast_prefix(absl::StrFormat("2001:db8:cafe:%x::/64", k));
    svc->set_mean_service_time_ms(5);
    svc->set_latency_bound_ms(kBoundMs[k]);
  }
  for (int i = 0; i < sites; ++i) {
    cv1::Site* site = t.add_sites();
    site->set_id(absl::StrFormat("site%03d", i));
    site->mutable_attachment()->set_router_id(t.routers(routers[i]).id());
    site->mutable_attachment()->set_interface("site0");
    for (int k = 0; k < kServices; ++k) {
      if (k != i % kServices && rng.Below(3) != 0) continue;
      cv1::SiteServiceCapacity* c = site->add_capacities();
      c->set_service_id(absl::StrFormat("svc%d", k));
      c->set_servers(8);
    }
  }
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> m = model::NetworkModel::Build(t);
  if (!m.ok()) {
    std::fprintf(stderr, "%s: %s\n", s.name.c_str(), std::string(m.status().message()).c_str());
    std::exit(1);
  }
  s.model = *m;
  for (uint32_t r = 0; r < s.model->num_routers(); ++r) {
    for (uint32_t k = 0; k < kServices; ++k) s.demands.push_back({RouterIndex(r), ServiceIndex(k)});
  }
}

std::vector<Scenario>& Scenarios() {
  static std::vector<Scenario>* scenarios = [] {
    auto* v = new std::vector<Scenario>();
    Scenario synthetic;
    synthetic.name = "Waxman1000";
    synthetic.topology = Waxman(1000, 2.5, 2024);
    AddCompute(synthetic, 100, 7);
    v->push_back(std::move(synthetic));
    const std::string dir = std::string(CPN_SHARED_DATA_DIR) + "/topologies/topologyzoo/graphml/";
    for (const char* zoo : {"Chinanet", "Cogentco", "Kdl"}) {
      const std::string path = dir + zoo + ".graphml";
      if (!std::filesystem::exists(path)) {
        std::printf("skipping %s: %s not found\n", zoo, path.c_str());
        continue;
      }
      topology::GraphmlImportOptions options;
      options.drop_unplaced = true;
      absl::StatusOr<topology::ImportResult> imported =
          topology::ImportGraphmlFile(path, options, nullptr);
      if (!imported.ok()) {
        std::printf("skipping %s: %s\n", zoo, std::string(imported.status().message()).c_str());
        continue;
      }
      Scenario s;
      s.name = zoo;
      s.topology = std::move(imported->topology);
      AddCompute(s, std::min(100, std::max(4, s.topology.routers_size() / 5)), 7);
      v->push_back(std::move(s));
    }
    for (const Scenario& s : *v) {
      std::printf("%-10s %5zu routers %5zu links %3zu sites %6zu demands\n", s.name.c_str(),
                  s.model->num_routers(), s.model->num_links(), s.model->sites().size(),
                  s.demands.size());
    }
    return v;
  }();
  return *scenarios;
}

// Full generation: an empty cache, then every demand's candidates.
void BM_CandidatesFull(benchmark::State& state, const Scenario* s) {
  size_t entries = 0, paths = 0, candidates = 0;
  for (auto _ : state) {
    PathCache cache(s->model, {.k = 4});
    auto all = CandidatePaths(cache, s->demands);
    if (!all.ok()) state.SkipWithError(std::string(all.status().message()).c_str());
    entries = cache.size();
    paths = 0;
    for (const PathCacheEntry& e : cache.entries()) paths += e.paths.size();
    candidates = 0;
    for (const auto& d : *all) {
      for (const SiteCandidate& c : d) candidates += !c.paths.empty();
    }
    benchmark::DoNotOptimize(all);
  }
  state.counters["entries"] = static_cast<double>(entries);
  state.counters["paths"] = static_cast<double>(paths);
  state.counters["site_candidates"] = static_cast<double>(candidates);
}

enum class Change { kLinkDownUp, kDelayPlusMinus20, kCapacity };

// One link change per iteration, alternating worse / better: a link goes
// down then up, gets 20% slower then back, or loses then regains capacity.
// Snapshots are built beforehand (the API builds one per change anyway).
void BM_CandidatesIncremental(benchmark::State& state, const Scenario* s, Change change) {
  PathCache cache(s->model, {.k = 4});
  if (!cache.Prepare(s->demands).ok()) state.SkipWithError("prepare failed");
  // 16 random links in service, one changed snapshot each.
  Rng rng{99};
  std::vector<std::shared_ptr<const model::NetworkModel>> changed;
  while (changed.size() < 16) {
    const int l = static_cast<int>(rng.Below(s->topology.links_size()));
    tv1::Topology t = s->topology;
    tv1::Link* link = t.mutable_links(l);
    switch (change) {
      case Change::kLinkDownUp:
        link->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
        break;
      case Change::kDelayPlusMinus20:
        link->set_propagation_delay_us(link->propagation_delay_us() * 6 / 5 + 1);
        break;
      case Change::kCapacity:
        link->set_capacity_bps(link->capacity_bps() / 2);
        break;
    }
    changed.push_back(*model::NetworkModel::Build(t));
  }
  size_t updates = 0, recomputed = 0, max_recomputed = 0, trees = 0, relabelled = 0;
  size_t i = 0;
  for (auto _ : state) {
    const bool worse = i % 2 == 0;
    const CacheUpdateStats st = cache.Update(worse ? changed[(i / 2) % changed.size()] : s->model);
    ++i;
    ++updates;
    recomputed += st.entries_recomputed;
    max_recomputed = std::max(max_recomputed, st.entries_recomputed);
    trees += st.trees_recomputed;
    relabelled += st.entries_relabelled;
  }
  state.counters["entries"] = static_cast<double>(cache.size());
  state.counters["recomputed_avg"] = static_cast<double>(recomputed) / static_cast<double>(updates);
  state.counters["recomputed_max"] = static_cast<double>(max_recomputed);
  state.counters["trees_avg"] = static_cast<double>(trees) / static_cast<double>(updates);
  state.counters["relabelled_avg"] =
      static_cast<double>(relabelled) / static_cast<double>(updates);
}

// One k = 4 query between random routers, from scratch (costs, tree, Yen).
void BM_KShortestPathsOnePair(benchmark::State& state, const Scenario* s) {
  Rng rng{5};
  const uint32_t n = static_cast<uint32_t>(s->model->num_routers());
  for (auto _ : state) {
    auto paths = KShortestPaths(*s->model, RouterIndex(static_cast<uint32_t>(rng.Below(n))),
                                RouterIndex(static_cast<uint32_t>(rng.Below(n))), 4, {});
    benchmark::DoNotOptimize(paths);
  }
}

// Yen's work per (ingress, site router) pair with k = 4, on a sample of
// pairs: spurs queued, refined, searched, and searched with A*.
void BM_KspWorkPerPair(benchmark::State& state, const Scenario* s) {
  const model::NetworkModel& m = *s->model;
  const std::vector<uint64_t> costs = ArcCosts(m, {});
  std::vector<RouterIndex> targets;
  for (const model::Site& site : m.sites()) targets.push_back(site.attachment.router);
  TargetTree tree;
  KspEnumerator ksp;
  std::vector<model::ArcIndex> arcs;
  uint64_t key = 0, pairs = 0, queued = 0, refined = 0, searched = 0, astar = 0, hops = 0;
  for (auto _ : state) {
    for (size_t t = 0; t < targets.size(); t += 10) {
      tree.Compute(m, targets[t], costs);
      for (uint32_t r = 0; r < m.num_routers(); r += 7) {
        ksp.Start(m, costs, tree, RouterIndex(r), kNoDelayBound, 4);
        for (int i = 0; i < 4 && ksp.Next(&arcs, &key); ++i) hops += arcs.size();
        ++pairs;
        queued += ksp.spurs_queued();
        refined += ksp.spurs_refined();
        searched += ksp.spur_searches();
        astar += ksp.astar_searches();
      }
    }
  }
  const double p = static_cast<double>(pairs);
  state.counters["pairs"] = p;
  state.counters["hops_per_path"] = static_cast<double>(hops) / (4 * p);
  state.counters["queued"] = static_cast<double>(queued) / p;
  state.counters["refined"] = static_cast<double>(refined) / p;
  state.counters["searched"] = static_cast<double>(searched) / p;
  state.counters["astar"] = static_cast<double>(astar) / p;
}

}  // namespace
}  // namespace cpn::te

int main(int argc, char** argv) {
  using cpn::te::Change;
  benchmark::Initialize(&argc, argv);
  for (const cpn::te::Scenario& s : cpn::te::Scenarios()) {
    benchmark::RegisterBenchmark(("CandidatesFull/" + s.name).c_str(),
                                 cpn::te::BM_CandidatesFull, &s)
        ->Unit(benchmark::kMillisecond);
    for (auto [name, change] : {std::pair{"LinkDownUp", Change::kLinkDownUp},
                                std::pair{"Delay20pct", Change::kDelayPlusMinus20},
                                std::pair{"CapacityHalved", Change::kCapacity}}) {
      benchmark::RegisterBenchmark(("CandidatesIncremental/" + s.name + "/" + name).c_str(),
                                   cpn::te::BM_CandidatesIncremental, &s, change)
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("KspWorkPerPair/" + s.name).c_str(),
                                 cpn::te::BM_KspWorkPerPair, &s)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("KShortestPathsOnePair/" + s.name).c_str(),
                                 cpn::te::BM_KShortestPathsOnePair, &s)
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
