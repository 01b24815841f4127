// The joint solver: against an exhaustive optimum on small instances, no
// herding, latency-bound rejection, static fallback, incremental re-solve.
#include "controller/te/solver.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/controller/te/decision_test_util.h"

namespace cpn::te {
namespace {

using testing::CacheCandidates;
using testing::FreshMetrics;
using testing::MakeDemand;
using testing::NetBuilder;

const absl::Time kNow = absl::FromUnixSeconds(1000);

struct Problem {
  std::shared_ptr<const model::NetworkModel> model;
  std::shared_ptr<const std::vector<Demand>> demands;
  std::shared_ptr<const CandidateSet> candidates;
  MetricState metrics;
};

std::unique_ptr<JointSolver> Load(const Problem& p, SolverOptions options = {}) {
  auto s = std::make_unique<JointSolver>();
  const ResolvedMetrics r = ResolveMetrics(*p.model, p.metrics, kNow, StalenessOptions{});
  EXPECT_TRUE(s->Load(p.model, p.demands, p.candidates, r, options).ok());
  return s;
}

// All weight vectors of n candidates on a grid of `step`, restricted to
// within `radius` of `center` (empty center: everywhere).
void SimplexGrid(int n, double step, const std::vector<double>& center, double radius,
                 std::vector<std::vector<double>>* out) {
  const int k = static_cast<int>(std::lround(1.0 / step));
  std::vector<int> idx(n, 0);
  // Index range of coordinate j: all, or within `radius` of the center.
  auto lo = [&](int j) {
    return center.empty()
               ? 0
               : std::max(0, static_cast<int>(std::ceil((center[j] - radius) / step - 1e-9)));
  };
  auto hi = [&](int j) {
    return center.empty()
               ? k
               : std::min(k, static_cast<int>(std::floor((center[j] + radius) / step + 1e-9)));
  };
  std::function<void(int, int)> rec = [&](int i, int left) {
    if (i == n - 1) {
      if (left < lo(i) || left > hi(i)) return;
      idx[i] = left;
      std::vector<double> w(n);
      for (int j = 0; j < n; ++j) w[j] = idx[j] * step;
      out->push_back(w);
      return;
    }
    for (int v = lo(i); v <= std::min(left, hi(i)); ++v) {
      idx[i] = v;
      rec(i + 1, left - v);
    }
  };
  rec(0, k);
}

// Exhaustive minimum of the solver's objective over grids of weights:
// a coarse grid everywhere, then a fine grid around the best coarse point.
// Steps are the finest keeping each phase within `budget` evaluations.
double GridOptimum(const JointSolver& s, size_t budget) {
  const uint32_t nd = s.num_demands();
  std::vector<double> w(s.num_candidates(), 0.0);
  Evaluation eval;
  auto search = [&](const std::vector<std::vector<std::vector<double>>>& grids,
                    std::vector<std::vector<double>>* best_point) {
    double best = std::numeric_limits<double>::infinity();
    std::vector<size_t> it(nd, 0);
    while (true) {
      for (uint32_t d = 0; d < nd; ++d) {
        for (uint32_t c = s.candidate_begin(d); c < s.candidate_end(d); ++c) {
          w[c] = grids[d][it[d]][c - s.candidate_begin(d)];
        }
      }
      s.Evaluate(w, &eval);
      if (eval.objective < best) {
        best = eval.objective;
        for (uint32_t d = 0; d < nd; ++d) (*best_point)[d] = grids[d][it[d]];
      }
      uint32_t d = 0;
      while (d < nd && ++it[d] == grids[d].size()) it[d++] = 0;
      if (d == nd) break;
    }
    return best;
  };
  auto make = [&](double step, const std::vector<std::vector<double>>* center, double radius) {
    std::vector<std::vector<std::vector<double>>> grids(nd);
    size_t total = 1;
    for (uint32_t d = 0; d < nd; ++d) {
      SimplexGrid(s.candidate_end(d) - s.candidate_begin(d), step,
                  center ? (*center)[d] : std::vector<double>{}, radius, &grids[d]);
      total *= grids[d].size();
    }
    return std::pair{grids, total};
  };
  std::vector<std::vector<double>> best_point(nd);
  double coarse = 0;
  for (double step : {0.02, 0.025, 0.04, 0.05, 0.1, 0.125, 0.2, 0.25}) {
    auto [grids, total] = make(step, nullptr, 0);
    if (total > budget) continue;
    coarse = step;
    search(grids, &best_point);
    break;
  }
  EXPECT_GT(coarse, 0);
  double best = std::numeric_limits<double>::infinity();
  for (double step : {0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025}) {
    if (step >= coarse) break;
    auto [grids, total] = make(step, &best_point, coarse);
    if (total > budget) continue;
    best = search(grids, &best_point);
    break;
  }
  return best;
}

// A small network: ingresses a, b, c; sites behind s1, s2, s3; two routes
// to each site through x or y.
Problem SmallInstance(uint64_t seed, int demands, int sites, int k) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  NetBuilder b;
  for (const char* r : {"a", "b", "c", "x", "y", "s1", "s2", "s3"}) b.Router(r);
  // Thin links so CPN traffic matters on the network too.
  auto cap = [&] { return static_cast<uint64_t>(20e6 + 80e6 * u(rng)); };
  auto delay = [&] { return static_cast<uint64_t>(500 + 8000 * u(rng)); };
  for (const char* in : {"a", "b", "c"}) {
    b.Link(in, "x", delay(), cap());
    b.Link(in, "y", delay(), cap());
  }
  for (const char* s : {"s1", "s2", "s3"}) {
    b.Link("x", s, delay(), cap());
    b.Link("y", s, delay(), cap());
  }
  b.Service("svc", 20 + 60 * u(rng), 2000, 20000 + static_cast<uint64_t>(60000 * u(rng)));
  const char* site_routers[] = {"s1", "s2", "s3"};
  for (int i = 0; i < sites; ++i) {
    b.Site(absl::StrFormat("site%d", i + 1), site_routers[i],
           {{"svc", static_cast<uint32_t>(1 + 5 * u(rng)), 0, 0}});
  }
  Problem p;
  p.model = b.Build();
  double capacity = 0;
  for (const model::Placement& pl : p.model->placements()) {
    capacity += pl.servers * 1000.0 / pl.mean_service_time_ms;
  }
  std::vector<Demand> ds;
  const char* ingress[] = {"a", "b", "c"};
  for (int i = 0; i < demands; ++i) {
    ds.push_back(
        MakeDemand(*p.model, ingress[i], "svc", (0.2 + 0.4 * u(rng)) * capacity / demands));
  }
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, ds, k));
  p.demands = std::make_shared<const std::vector<Demand>>(std::move(ds));
  p.metrics = FreshMetrics(*p.model, kNow, 0.0);
  for (size_t i = 0; i < p.metrics.placements.size(); ++i) {
    const model::Placement& pl = p.model->placements()[i];
    p.metrics.placements[i].background_rps =
        0.3 * u(rng) * pl.servers * 1000.0 / pl.mean_service_time_ms;
  }
  return p;
}

TEST(SolverTest, MatchesExhaustiveOptimumOnSmallInstances) {
  int checked = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    for (auto [demands, sites, k] :
         {std::tuple{2, 2, 2}, std::tuple{3, 2, 1}, std::tuple{2, 3, 1}, std::tuple{3, 3, 1}}) {
      Problem p = SmallInstance(seed, demands, sites, k);
      SolverOptions o;
      o.relative_gap = 1e-7;
      o.max_iterations = 5000;
      std::unique_ptr<JointSolver> s = Load(p, o);
      const SolveStats stats = s->Solve();
      SCOPED_TRACE(absl::StrFormat("seed %d, %d demands, %d sites, %d candidates", seed, demands,
                                   sites, s->num_candidates()));
      ASSERT_EQ(stats.outcome, SolveOutcome::kConverged);
      const double grid = GridOptimum(*s, 40000);
      // Within 1 % of the exhaustive optimum (and in practice no worse than
      // the grid's resolution allows).
      EXPECT_LE(stats.objective, grid * 1.01);
      EXPECT_LE(stats.objective, grid * (1 + 1e-4));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 24);
}

TEST(SolverTest, DualityGapBoundsTheOptimum) {
  Problem p = SmallInstance(7, 3, 3, 2);
  std::unique_ptr<JointSolver> s = Load(p);
  const SolveStats stats = s->Solve();
  EXPECT_EQ(stats.outcome, SolveOutcome::kConverged);
  EXPECT_LE(stats.relative_gap, 1e-4);
  // Optimality: every candidate with weight has (nearly) the least marginal
  // cost of its demand.
  Evaluation e;
  s->Evaluate(s->weights(), &e);
  for (uint32_t d = 0; d < s->num_demands(); ++d) {
    double gmin = 1e300;
    for (uint32_t c = s->candidate_begin(d); c < s->candidate_end(d); ++c) {
      gmin = std::min(gmin, s->Marginal(c, e));
    }
    for (uint32_t c = s->candidate_begin(d); c < s->candidate_end(d); ++c) {
      if (s->weights()[c] > 0.01) {
        EXPECT_LE(s->Marginal(c, e), gmin * 1.01);
      }
    }
  }
}

// Twenty ingresses, identical in every respect, two identical sites.
Problem Symmetric(double per_ingress_rps) {
  NetBuilder b;
  b.Router("hub").Router("r1").Router("r2");
  b.Link("hub", "r1", 2000).Link("hub", "r2", 2000);
  std::vector<std::string> ingresses;
  for (int i = 0; i < 20; ++i) {
    ingresses.push_back(absl::StrFormat("i%d", i));
    b.Router(ingresses.back()).Link(ingresses.back(), "hub", 1000);
  }
  b.Service("svc", 100);
  b.Site("s1", "r1", {{"svc", 10}}).Site("s2", "r2", {{"svc", 10}});
  Problem p;
  p.model = b.Build();
  std::vector<Demand> ds;
  for (const std::string& i : ingresses)
    ds.push_back(MakeDemand(*p.model, i, "svc", per_ingress_rps));
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, ds));
  p.demands = std::make_shared<const std::vector<Demand>>(std::move(ds));
  p.metrics = FreshMetrics(*p.model, kNow, 0.1);
  return p;
}

TEST(SolverTest, NoHerdingAndBeatsGreedyLeastLoaded) {
  // 20 × 8 = 160 req/s on two sites of 100 req/s each (with 10 % background).
  Problem p = Symmetric(8.0);
  std::unique_ptr<JointSolver> s = Load(p);
  const SolveStats stats = s->Solve();
  ASSERT_EQ(stats.outcome, SolveOutcome::kConverged);
  Evaluation joint;
  s->Evaluate(s->weights(), &joint);
  // Both sites carry about half.
  ASSERT_EQ(joint.site_rps.size(), 2u);
  EXPECT_NEAR(joint.site_rps[0], 80.0, 2.0);
  EXPECT_NEAR(joint.site_rps[1], 80.0, 2.0);
  EXPECT_LT(joint.site_utilization[0], 1.0);

  // Greedy: every demand picks the least-loaded site as the metrics show it
  // (all see the same numbers, ties to the first): all pile on one site.
  std::vector<double> greedy(s->num_candidates(), 0.0);
  for (uint32_t d = 0; d < s->num_demands(); ++d) {
    uint32_t best = s->candidate_begin(d);
    for (uint32_t c = s->candidate_begin(d); c < s->candidate_end(d); ++c) {
      const auto& m = s->placement_metrics(s->candidate_placement(c).value());
      const auto& mb = s->placement_metrics(s->candidate_placement(best).value());
      if (m.background_rps / m.capacity_rps() < mb.background_rps / mb.capacity_rps()) best = c;
    }
    greedy[best] = 1.0;
  }
  Evaluation g;
  s->Evaluate(greedy, &g);
  EXPECT_GT(std::max(g.site_utilization[0], g.site_utilization[1]), 1.0);  // herded
  EXPECT_LT(joint.objective, g.objective);
  EXPECT_LT(joint.objective * 5, g.objective);  // by far
}

TEST(SolverTest, SplitsWithinEachDemandToo) {
  // One big demand that no single site can take.
  NetBuilder b;
  b.Router("in").Router("r1").Router("r2");
  b.Link("in", "r1", 1000).Link("in", "r2", 3000);
  b.Service("svc", 100);
  b.Site("s1", "r1", {{"svc", 10}}).Site("s2", "r2", {{"svc", 10}});
  Problem p;
  p.model = b.Build();
  std::vector<Demand> ds = {MakeDemand(*p.model, "in", "svc", 150)};
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, ds));
  p.demands = std::make_shared<const std::vector<Demand>>(ds);
  p.metrics = FreshMetrics(*p.model, kNow, 0.0);
  std::unique_ptr<JointSolver> s = Load(p);
  s->Solve();
  ASSERT_EQ(s->num_candidates(), 2u);
  EXPECT_GT(s->weights()[0], 0.45);  // the nearer site takes a little more
  EXPECT_GT(s->weights()[1], 0.3);
  Evaluation e;
  s->Evaluate(s->weights(), &e);
  EXPECT_LT(e.site_utilization[0], 1.0);
  EXPECT_LT(e.site_utilization[1], 1.0);
}

TEST(SolverTest, LatencyBoundRejectsUpFrontAndKeepsBestWhenAllBreakIt) {
  NetBuilder b;
  b.Router("in").Router("near").Router("far");
  b.Link("in", "near", 2000).Link("in", "far", 30000);  // RTT 4 ms / 60 ms
  b.Service("svc", 10, 1000, 1000, /*latency_bound_ms=*/40);
  b.Site("sn", "near", {{"svc", 2}}).Site("sf", "far", {{"svc", 50}});
  Problem p;
  p.model = b.Build();
  std::vector<Demand> ds = {MakeDemand(*p.model, "in", "svc", 100)};
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, ds));
  p.demands = std::make_shared<const std::vector<Demand>>(ds);
  p.metrics = FreshMetrics(*p.model, kNow, 0.0);
  std::unique_ptr<JointSolver> s = Load(p);
  ASSERT_EQ(s->num_candidates(), 2u);
  // The far site's zero-load time (60 + 10 ms) breaks the 40 ms bound even
  // though it has far more capacity: rejected up front.
  EXPECT_EQ(s->reject_reason(0), RejectReason::kNone);
  EXPECT_EQ(s->reject_reason(1), RejectReason::kLatencyBound);
  EXPECT_FALSE(s->best_effort(0));
  s->Solve();
  EXPECT_DOUBLE_EQ(s->weights()[1], 0.0);
  EXPECT_DOUBLE_EQ(s->weights()[0], 1.0);

  // A bound nobody meets: the least-latency candidate is kept, flagged.
  NetBuilder b2 = b;
  b2.topology().mutable_services(0)->set_latency_bound_ms(5);
  Problem p2 = p;
  p2.model = b2.Build();
  p2.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p2.model, ds));
  std::unique_ptr<JointSolver> s2 = Load(p2);
  EXPECT_TRUE(s2->best_effort(0));
  EXPECT_EQ(s2->original_reason(0), RejectReason::kLatencyBound);
  EXPECT_EQ(s2->reject_reason(0), RejectReason::kNone);
  EXPECT_EQ(s2->reject_reason(1), RejectReason::kLatencyBound);
  s2->Solve();
  EXPECT_DOUBLE_EQ(s2->weights()[0], 1.0);
}

TEST(SolverTest, StaticFallbackWhenEveryMetricIsMissing) {
  NetBuilder b;
  b.Router("in").Router("r1").Router("r2").Router("r3");
  b.Link("in", "r1", 1000).Link("in", "r2", 1000).Link("in", "r3", 1000);
  b.Service("svc", 100);
  b.Site("s1", "r1", {{"svc", 10, 0, 3}}).Site("s2", "r2", {{"svc", 10, 0, 1}});
  b.Site("s3", "r3", {{"svc", 10, 0, 0}});  // derived: c·µ = 100
  Problem p;
  p.model = b.Build();
  std::vector<Demand> ds = {MakeDemand(*p.model, "in", "svc", 10)};
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, ds));
  p.demands = std::make_shared<const std::vector<Demand>>(ds);
  // No metrics at all.
  std::unique_ptr<JointSolver> s = Load(p);
  EXPECT_EQ(s->mode(0), DemandMode::kStaticFallback);
  s->Solve();
  // Weights ∝ 3 : 1 : 100.
  EXPECT_NEAR(s->weights()[0], 3.0 / 104, 1e-12);
  EXPECT_NEAR(s->weights()[1], 1.0 / 104, 1e-12);
  EXPECT_NEAR(s->weights()[2], 100.0 / 104, 1e-12);

  // One site reporting: optimised again.
  p.metrics.placements.resize(3);
  p.metrics.placements[0].measured_at = kNow;
  p.metrics.placements[0].background_rps = 0;
  std::unique_ptr<JointSolver> s2 = Load(p);
  EXPECT_EQ(s2->mode(0), DemandMode::kOptimized);
}

TEST(SolverTest, DownSiteAndDownPathAreRejected) {
  NetBuilder b;
  b.Router("in").Router("r1").Router("r2");
  b.Link("in", "r1", 1000).Link("in", "r2", 1000);
  b.Service("svc", 100);
  b.Site("s1", "r1", {{"svc", 10}}).Site("s2", "r2", {{"svc", 10}});
  Problem p;
  p.model = b.Build();
  std::vector<Demand> ds = {MakeDemand(*p.model, "in", "svc", 10)};
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, ds));
  p.demands = std::make_shared<const std::vector<Demand>>(ds);
  p.metrics = FreshMetrics(*p.model, kNow, 0.0);
  p.metrics.placements[0].available_servers = 0;  // s1 reports no servers
  std::unique_ptr<JointSolver> s = Load(p);
  EXPECT_EQ(s->reject_reason(0), RejectReason::kSiteDown);
  EXPECT_EQ(s->reject_reason(1), RejectReason::kNone);
  s->Solve();
  EXPECT_DOUBLE_EQ(s->weights()[1], 1.0);
}

// A synthetic network (MakeSyntheticNetwork's arguments), k candidate
// paths per (ingress, site router), fresh metrics at `background`.
Problem Synthetic(int routers, int sites, int services, int sites_per_service, int demands,
                  uint64_t seed, int k, double background) {
  testing::SyntheticNetwork net =
      testing::MakeSyntheticNetwork(routers, sites, services, sites_per_service, demands, seed);
  Problem p;
  p.model = net.model;
  p.candidates = std::make_shared<const CandidateSet>(CacheCandidates(p.model, net.demands, k));
  p.demands = std::make_shared<const std::vector<Demand>>(net.demands);
  p.metrics = FreshMetrics(*p.model, kNow, background);
  return p;
}

TEST(SolverTest, SubsetSolveAgreesWithFullSolve) {
  Problem p = Synthetic(80, 12, 3, 6, 200, 42, /*k=*/2, 0.2);
  SolverOptions o;
  o.max_subset_iterations = 200;
  std::unique_ptr<JointSolver> s = Load(p, o);
  const SolveStats first = s->Solve();
  ASSERT_EQ(first.outcome, SolveOutcome::kConverged);
  // One placement's load jumps.
  MetricState m2 = p.metrics;
  m2.placements[3].background_rps = *m2.placements[3].background_rps * 3.5;
  std::vector<uint32_t> places, arcs;
  s->UpdateMetrics(ResolveMetrics(*p.model, m2, kNow, StalenessOptions{}), &places, &arcs);
  ASSERT_EQ(places, std::vector<uint32_t>{3});
  EXPECT_TRUE(arcs.empty());
  std::vector<uint32_t> scope(s->demands_at_placement(3).begin(), s->demands_at_placement(3).end());
  ASSERT_FALSE(scope.empty());
  const SolveStats inc = s->SolveSubset(scope);
  // A full solve from scratch on the new metrics.
  Problem p2 = p;
  p2.metrics = m2;
  std::unique_ptr<JointSolver> full = Load(p2, o);
  const SolveStats fs = full->Solve();
  EXPECT_NEAR(inc.objective, fs.objective, 2e-3 * fs.objective);
  EXPECT_LT(inc.objective, first.objective * 10);  // sanity
}

TEST(SolverTest, DemandsGainingAtACheaperPlacementAreTheOnesThatMove) {
  Problem p = Synthetic(80, 12, 3, 6, 200, 42, /*k=*/2, 0.6);
  SolverOptions o;
  o.max_subset_iterations = 200;
  std::unique_ptr<JointSolver> s = Load(p, o);
  ASSERT_EQ(s->Solve().outcome, SolveOutcome::kConverged);
  // Placement 3's background drops to a tenth: it got cheaper.
  MetricState m2 = p.metrics;
  m2.placements[3].background_rps = *m2.placements[3].background_rps * 0.1;
  std::vector<uint32_t> places;
  s->UpdateMetrics(ResolveMetrics(*p.model, m2, kNow, StalenessOptions{}), &places, nullptr);
  ASSERT_EQ(places, std::vector<uint32_t>{3});
  const std::vector<uint32_t> could(s->demands_at_placement(3).begin(),
                                    s->demands_at_placement(3).end());
  const std::vector<uint32_t> gain = s->DemandsGainingAt(could, places);
  ASSERT_FALSE(gain.empty());
  EXPECT_LT(gain.size(), could.size());  // some are better off where they are
  EXPECT_TRUE(std::includes(could.begin(), could.end(), gain.begin(), gain.end()));
  // Re-solving only those reaches the optimum of re-solving all of them.
  JointSolver all = *s;
  const SolveStats inc = s->SolveSubset(gain);
  const SolveStats ref = all.SolveSubset(could);
  EXPECT_NEAR(inc.objective, ref.objective, 1e-3 * ref.objective);
}

TEST(SolverTest, WarmStartConvergesInFewIterations) {
  Problem p = Synthetic(80, 12, 3, 6, 200, 7, /*k=*/2, 0.2);
  std::unique_ptr<JointSolver> s = Load(p);
  const SolveStats cold = s->Solve();
  const std::vector<double> x(s->weights().begin(), s->weights().end());
  std::unique_ptr<JointSolver> s2 = Load(p);
  s2->SetWeights(x);
  const SolveStats warm = s2->Solve();
  EXPECT_EQ(warm.outcome, SolveOutcome::kConverged);
  EXPECT_LE(warm.iterations, 2);
  EXPECT_NEAR(warm.objective, cold.objective, 1e-6 * cold.objective);
}

TEST(SolverTest, Deterministic) {
  Problem p = Synthetic(60, 8, 2, 5, 100, 3, /*k=*/3, 0.3);
  std::unique_ptr<JointSolver> a = Load(p), b = Load(p);
  a->Solve();
  b->Solve();
  EXPECT_TRUE(std::equal(a->weights().begin(), a->weights().end(), b->weights().begin()));
}

}  // namespace
}  // namespace cpn::te

namespace cpn::te {
namespace {

TEST(SolverMethodTest, BlockCoordinateConvergesWhereClassicFlowDeviationCrawls) {
  Problem p = Synthetic(80, 12, 3, 6, 200, 42, /*k=*/2, 0.2);
  SolverOptions block;
  block.max_iterations = 100;
  SolverOptions classic = block;
  classic.method = SolverMethod::kFlowDeviation;
  std::unique_ptr<JointSolver> a = Load(p, block), b = Load(p, classic);
  const SolveStats sa = a->Solve();
  const SolveStats sb = b->Solve();
  EXPECT_EQ(sa.outcome, SolveOutcome::kConverged);
  EXPECT_LE(sa.relative_gap, 1e-4);
  // The classic method descends too, but is far from converged after the
  // same number of iterations.
  EXPECT_EQ(sb.outcome, SolveOutcome::kIterationLimit);
  EXPECT_GT(sb.relative_gap, 10 * sa.relative_gap);
  EXPECT_LE(sa.objective, sb.objective);
  EXPECT_LT(sb.objective, sa.objective * 1.1);
}

TEST(SolverTest, HandBuiltCandidates) {
  // Paths built with MakePath, without the path cache.
  NetBuilder b;
  b.Router("in").Router("x").Router("r1").Router("r2");
  b.Link("in", "x", 1000).Link("x", "r1", 1000).Link("x", "r2", 5000).Link("in", "r2", 9000);
  b.Service("svc", 50);
  b.Site("s1", "r1", {{"svc", 4}}).Site("s2", "r2", {{"svc", 4}});
  Problem p;
  p.model = b.Build();
  const model::NetworkModel& m = *p.model;
  auto arc = [&](const std::string& from, const std::string& to) {
    for (model::ArcIndex a : m.out_arcs(*m.FindRouter(from))) {
      if (m.router(m.arc_head(a)).id == to) return a;
    }
    ADD_FAILURE() << from << "->" << to;
    return model::ArcIndex();
  };
  const model::RouterIndex in = *m.FindRouter("in");
  CandidateSet set;
  set.paths.push_back(MakePath(m, in, {arc("in", "x"), arc("x", "r1")}));
  set.paths.push_back(MakePath(m, in, {arc("in", "x"), arc("x", "r2")}));
  set.paths.push_back(MakePath(m, in, {arc("in", "r2")}));
  const model::PlacementIndex p1 = *m.FindPlacement(*m.FindSite("s1"), *m.FindService("svc"));
  const model::PlacementIndex p2 = *m.FindPlacement(*m.FindSite("s2"), *m.FindService("svc"));
  set.by_demand = {{Candidate{p1, 0}, Candidate{p2, 1}, Candidate{p2, 2}}};
  std::vector<Demand> ds = {MakeDemand(m, "in", "svc", 100)};
  ASSERT_TRUE(ValidateCandidates(m, ds, set).ok());
  p.demands = std::make_shared<const std::vector<Demand>>(ds);
  p.candidates = std::make_shared<const CandidateSet>(set);
  p.metrics = FreshMetrics(m, kNow, 0.0);
  std::unique_ptr<JointSolver> s = Load(p);
  const SolveStats st = s->Solve();
  EXPECT_EQ(st.outcome, SolveOutcome::kConverged);
  // 100 req/s over two sites of 80 req/s: both used; the long path to s2
  // (18 ms round trip vs 12 ms) is not.
  EXPECT_GT(s->weights()[0], 0.3);
  EXPECT_GT(s->weights()[1], 0.3);
  EXPECT_EQ(s->weights()[2], 0.0);
  // A path that does not end at its placement's site is refused.
  set.by_demand = {{Candidate{p1, 1}}};
  EXPECT_FALSE(ValidateCandidates(m, ds, set).ok());
}

}  // namespace
}  // namespace cpn::te
