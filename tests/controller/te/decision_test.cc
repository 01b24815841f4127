// Decisions: metric staleness (age discounting, static fallback),
// explanations (cost terms, reasons, why a decision changed), incremental
// re-decision, diffs, determinism and input validation.
#include "controller/te/decision.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "controller/te/explain.h"
#include "controller/te/metric_state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/te/decision_test_util.h"

namespace cpn::te {
namespace {

using testing::CacheCandidates;
using testing::FreshMetrics;
using ::testing::HasSubstr;
using testing::MakeDemand;
using testing::MakeInputs;
using testing::NetBuilder;

const absl::Time kT0 = absl::FromUnixSeconds(10'000);

// in -- a -- r1 (site s1, 10 servers, static weight 3)
//  \--- b -- r2 (site s2, 10 servers, static weight 1)
//   \-- far (site sf, latency bound breaker)
struct Net {
  std::shared_ptr<const model::NetworkModel> model;
  std::vector<Demand> demands;
};

Net MakeNet(double latency_bound_ms = 0, bool s1_down = false) {
  NetBuilder b;
  b.Router("in").Router("in2").Router("a").Router("b").Router("r1").Router("r2").Router("far");
  b.Link("in", "a", 1000).Link("in", "b", 1500).Link("a", "r1", 1000).Link("b", "r2", 1000);
  b.Link("in2", "a", 800).Link("in2", "b", 800).Link("in", "far", 40000);
  b.Service("svc", 20, 2000, 20000, latency_bound_ms);
  b.Site("s1", "r1", {{"svc", 10, 0, 3}}).Site("s2", "r2", {{"svc", 10, 0, 1}});
  b.Site("sf", "far", {{"svc", 50, 0, 0}});
  if (s1_down) b.topology().mutable_sites(0)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  Net n;
  n.model = b.Build();
  n.demands = {MakeDemand(*n.model, "in", "svc", 300), MakeDemand(*n.model, "in2", "svc", 200)};
  return n;
}

DecisionInputs Inputs(const Net& n, MetricState m, absl::Time now = kT0, uint64_t epoch = 1) {
  return MakeInputs(n.model, n.demands, CacheCandidates(n.model, n.demands), std::move(m), now,
                    epoch);
}

const CandidateDecision* AtSite(const DecisionSet& set, const DemandDecision& d,
                                const std::string& site) {
  for (const CandidateDecision& c : d.candidates) {
    if (set.model->site(set.model->placement(c.candidate.placement).site).id == site) return &c;
  }
  return nullptr;
}

TEST(MetricStateTest, ConfidenceDecaysWithAge) {
  const StalenessOptions o;  // fresh 2 s, tau 10 s, max 30 s
  EXPECT_EQ(Confidence(absl::InfinitePast(), kT0, o), 0.0);
  EXPECT_EQ(Confidence(kT0, kT0, o), 1.0);
  EXPECT_EQ(Confidence(kT0 + absl::Seconds(5), kT0, o), 1.0);  // future: age 0
  EXPECT_EQ(Confidence(kT0 - absl::Seconds(2), kT0, o), 1.0);
  EXPECT_NEAR(Confidence(kT0 - absl::Seconds(12), kT0, o), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(Confidence(kT0 - absl::Seconds(30), kT0, o), std::exp(-2.8), 1e-12);
  EXPECT_EQ(Confidence(kT0 - absl::Seconds(31), kT0, o), 0.0);
  EXPECT_EQ(FreshnessOf(kT0 - absl::Seconds(1), kT0, o), Freshness::kFresh);
  EXPECT_EQ(FreshnessOf(kT0 - absl::Seconds(10), kT0, o), Freshness::kStale);
  EXPECT_EQ(FreshnessOf(kT0 - absl::Seconds(40), kT0, o), Freshness::kMissing);
}

TEST(MetricStateTest, ResolvesLoadFormsAndBlendsTowardNominal) {
  const Net n = MakeNet();
  MetricState m;
  m.placements.resize(3);
  // s1: 6 busy of 10 servers (service time 20 ms: 50 req/s each), of which
  // 100 req/s are CPN's own: background 6·50 − 100 = 200 req/s.
  m.placements[0].measured_at = kT0;
  m.placements[0].busy_servers = 6;
  m.placements[0].own_rps = 100;
  // s2: utilisation 0.3 of 8 available servers, 12 s old (confidence e^-1).
  m.placements[1].measured_at = kT0 - absl::Seconds(12);
  m.placements[1].utilization = 0.3;
  m.placements[1].available_servers = 8;
  ASSERT_TRUE(ValidateMetricState(*n.model, m).ok());
  const ResolvedMetrics r = ResolveMetrics(*n.model, m, kT0, StalenessOptions{});
  EXPECT_NEAR(r.placements[0].background_rps, 200, 1e-9);
  EXPECT_EQ(r.placements[0].freshness, Freshness::kFresh);
  const double w = std::exp(-1.0);
  const double servers = w * 8 + (1 - w) * 10;  // 9.26 -> 9
  EXPECT_EQ(r.placements[1].servers, 9u);
  EXPECT_NEAR(r.placements[1].background_rps, w * 0.3 * 8 * 50 + (1 - w) * 0.5 * 9 * 50, 1e-9);
  EXPECT_NEAR(servers, 9.26, 0.01);
  EXPECT_EQ(r.placements[1].freshness, Freshness::kStale);
  // sf never reported: nominal half load.
  EXPECT_EQ(r.placements[2].freshness, Freshness::kMissing);
  EXPECT_NEAR(r.placements[2].background_rps, 0.5 * 50 * 50, 1e-9);
  EXPECT_EQ(r.service_fallback[0], 0);

  m.placements[0].utilization = 1.5;
  EXPECT_FALSE(ValidateMetricState(*n.model, m).ok());
}

TEST(MetricStateTest, BacklogRaisesTheEffectiveLoad) {
  const Net n = MakeNet();
  MetricState m;
  m.placements.resize(1);
  m.placements[0].measured_at = kT0;
  m.placements[0].busy_servers = 6;
  m.placements[0].own_rps = 100;
  ASSERT_TRUE(ValidateMetricState(*n.model, m).ok());
  const double without = ResolveMetrics(*n.model, m, kT0, StalenessOptions{}).placements[0]
                             .background_rps;
  // 40 requests waiting, drained over the default 10 s horizon: +4 req/s.
  m.placements[0].queue_length = 40;
  ASSERT_TRUE(ValidateMetricState(*n.model, m).ok());
  ResolvedMetrics r = ResolveMetrics(*n.model, m, kT0, StalenessOptions{});
  EXPECT_NEAR(r.placements[0].backlog_rps, 4, 1e-9);
  EXPECT_NEAR(r.placements[0].background_rps, without + 4, 1e-9);
  // Aged metrics discount the backlog with the rest.
  m.placements[0].measured_at = kT0 - absl::Seconds(12);
  r = ResolveMetrics(*n.model, m, kT0, StalenessOptions{});
  EXPECT_NEAR(r.placements[0].backlog_rps, 4 * std::exp(-1.0), 1e-9);
  // A zero horizon ignores queues; a negative queue is invalid.
  StalenessOptions no_backlog;
  no_backlog.backlog_drain_horizon = absl::ZeroDuration();
  EXPECT_EQ(ResolveMetrics(*n.model, m, kT0, no_backlog).placements[0].backlog_rps, 0);
  m.placements[0].queue_length = -1;
  EXPECT_FALSE(ValidateMetricState(*n.model, m).ok());
}

TEST(MetricStateTest, SmoothingIsAnExponentialAverage) {
  PlacementMetrics a, b;
  a.measured_at = kT0;
  a.background_rps = 100;
  b.measured_at = kT0 + absl::Seconds(2);
  b.background_rps = 300;
  const PlacementMetrics s = SmoothPlacementMetrics(a, b, SmoothingOptions{absl::Seconds(2)});
  EXPECT_NEAR(*s.background_rps, 100 + (1 - std::exp(-1.0)) * 200, 1e-9);
  EXPECT_EQ(s.measured_at, b.measured_at);
  // The first report is taken as is.
  EXPECT_EQ(*SmoothPlacementMetrics(PlacementMetrics{}, b, {}).background_rps, 300);
}

TEST(DecisionTest, TermsAddUpAndWeightsAreDistributions) {
  const Net n = MakeNet();
  DecisionEngine engine;
  auto r = engine.Decide(Inputs(n, FreshMetrics(*n.model, kT0, 0.2)), nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  const DecisionSet& set = **r;
  double objective = 0;
  for (const auto& d : set.decisions) {
    double sum = 0, expected = 0;
    for (const CandidateDecision& c : d->candidates) {
      const CostTerms& t = c.terms;
      EXPECT_NEAR(
          t.total_ms,
          t.propagation_ms + t.queueing_ms + t.transfer_ms + t.compute_wait_ms + t.service_ms,
          1e-9);
      EXPECT_GE(t.queueing_ms, 0);
      EXPECT_GE(t.compute_wait_ms, 0);
      sum += c.weight;
      expected += c.weight * t.total_ms;
      if (c.weight > 0) {
        EXPECT_EQ(c.reason, RejectReason::kNone);
      } else {
        EXPECT_NE(c.reason, RejectReason::kNone);
      }
    }
    EXPECT_NEAR(sum, 1.0, 1e-9);
    EXPECT_NEAR(d->expected_completion_ms, expected, 1e-9);
    EXPECT_EQ(d->basis, DecisionBasis::kOptimized);
    EXPECT_EQ(d->last_change.cause, ChangeCause::kInitial);
    objective += d->objective;
  }
  // The demands' terms sum to the objective minus the queueing the
  // background sees nothing of: every cost is on CPN requests.
  EXPECT_NEAR(objective, set.objective, 1e-6 * set.objective);
  EXPECT_FALSE(SummarizeDecisionSet(set).empty());
  const std::string text = ExplainDecision(set, *set.decisions[0]);
  EXPECT_THAT(text, HasSubstr("s1"));
  EXPECT_THAT(text, HasSubstr("svc@in"));
}

TEST(DecisionTest, LatencyBoundRejectionIsExplained) {
  const Net n = MakeNet(/*latency_bound_ms=*/60);
  DecisionEngine engine;
  auto r = engine.Decide(Inputs(n, FreshMetrics(*n.model, kT0, 0.2)), nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  const DecisionSet& set = **r;
  const DemandDecision& d = *set.decisions[0];  // from "in": sf is 80 ms away
  const CandidateDecision* far = AtSite(set, d, "sf");
  ASSERT_NE(far, nullptr);
  EXPECT_EQ(far->reason, RejectReason::kLatencyBound);
  EXPECT_EQ(far->weight, 0.0);
  EXPECT_THAT(RejectDetail(set, d, *far), HasSubstr("latency bound"));
}

TEST(DecisionTest, StaleMetricsFallBackToStaticWeights) {
  const Net n = MakeNet();
  // Reported 31 s ago: beyond the maximum age.
  MetricState m = FreshMetrics(*n.model, kT0 - absl::Seconds(31), 0.9);
  DecisionOptions o;
  o.damping_enabled = false;
  DecisionEngine engine(o);
  auto r = engine.Decide(Inputs(n, m), nullptr);
  ASSERT_TRUE(r.ok()) << r.status();
  const DecisionSet& set = **r;
  for (const auto& d : set.decisions) {
    EXPECT_EQ(d->basis, DecisionBasis::kStaticFallback);
    // Static weights 3 : 1 : (sf) 50 servers / 20 ms = 2500.
    const double total = 3 + 1 + 2500;
    EXPECT_NEAR(AtSite(set, *d, "s1")->weight, 3 / total, 1e-12);
    EXPECT_NEAR(AtSite(set, *d, "s2")->weight, 1 / total, 1e-12);
    EXPECT_NEAR(AtSite(set, *d, "sf")->weight, 2500 / total, 1e-12);
  }
  EXPECT_EQ(set.metrics->placements[0].freshness, Freshness::kMissing);
}

TEST(DecisionTest, NearestFallbackTakesTheNearestLiveSite) {
  // Without metrics, FallbackWeights::kNearest puts each demand on its
  // nearest site by propagation (as anycast): "in" reaches s1 in 2 ms, s2
  // in 2.5 ms, sf in 40 ms — whatever the static weights say.
  DecisionOptions o;
  o.damping_enabled = false;
  o.solver.fallback = FallbackWeights::kNearest;
  for (const bool s1_down : {false, true}) {
    const Net n = MakeNet(0, s1_down);
    MetricState m = FreshMetrics(*n.model, kT0 - absl::Seconds(31), 0.9);
    DecisionEngine engine(o);
    auto r = engine.Decide(Inputs(n, m), nullptr);
    ASSERT_TRUE(r.ok()) << r.status();
    const DecisionSet& set = **r;
    const DemandDecision& d = *set.decisions[0];
    EXPECT_EQ(d.basis, DecisionBasis::kStaticFallback);
    EXPECT_EQ(AtSite(set, d, "s1")->weight, s1_down ? 0.0 : 1.0) << s1_down;
    EXPECT_EQ(AtSite(set, d, "s2")->weight, s1_down ? 1.0 : 0.0) << s1_down;
    EXPECT_EQ(AtSite(set, d, "sf")->weight, 0.0) << s1_down;
    if (s1_down) {
      EXPECT_EQ(AtSite(set, d, "s1")->reason, RejectReason::kSiteDown);
    }
  }
}

TEST(DecisionTest, AgeDiscountsMetricsTowardNominal) {
  // s1 reports 85 % background, s2 10 %, both at kT0. As the reports age
  // their difference fades toward the nominal 50 %: s1 gets more weight.
  const Net n = MakeNet();
  MetricState m = FreshMetrics(*n.model, kT0, 0.1);
  m.placements[0].background_rps = 0.85 * 500;
  DecisionOptions o;
  o.damping_enabled = false;
  double last = -1;
  for (int age : {0, 5, 10, 20, 29}) {
    DecisionEngine engine(o);
    auto r = engine.Decide(Inputs(n, m, kT0 + absl::Seconds(age)), nullptr);
    ASSERT_TRUE(r.ok());
    const DecisionSet& set = **r;
    const DemandDecision& d = *set.decisions[0];
    EXPECT_EQ(d.basis, DecisionBasis::kOptimized) << age;
    const double w = AtSite(set, d, "s1")->weight;
    EXPECT_GT(w, last - 1e-9) << "age " << age;
    last = w;
    const double conf = set.metrics->placements[0].confidence;
    EXPECT_NEAR(conf, age <= 2 ? 1.0 : std::exp(-(age - 2) / 10.0), 1e-12);
  }
  // Past the maximum age: static fallback.
  DecisionEngine engine(o);
  auto r = engine.Decide(Inputs(n, m, kT0 + absl::Seconds(31)), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->decisions[0]->basis, DecisionBasis::kStaticFallback);
}

TEST(DecisionTest, ChangesSayWhichInputMoved) {
  const Net n = MakeNet();
  DecisionOptions o;
  o.damping_enabled = false;
  DecisionEngine engine(o);
  DecisionInputs in = Inputs(n, FreshMetrics(*n.model, kT0, 0.2));
  auto first = engine.Decide(in, nullptr);
  ASSERT_TRUE(first.ok());
  // s1's background jumps.
  MetricState m = *in.metrics;
  m.placements[0].background_rps = 0.8 * 500;
  in.metrics = std::make_shared<const MetricState>(m);
  in.epoch = 2;
  auto second = engine.Decide(in, first->get());
  ASSERT_TRUE(second.ok());
  ASSERT_FALSE((*second)->changed.empty());
  const DemandDecision& d = *(*second)->decisions[(*second)->changed[0]];
  EXPECT_EQ(d.last_change.cause, ChangeCause::kSiteMetrics);
  EXPECT_EQ(d.last_change.epoch, 2u);
  EXPECT_EQ(d.last_change.driver.subject, InputDriver::Subject::kPlacement);
  EXPECT_EQ(d.last_change.driver.index, 0u);
  EXPECT_EQ(d.last_change.driver.metric, DriverMetric::kSiteBackgroundRate);
  EXPECT_NEAR(d.last_change.driver.new_value, 400, 1e-9);
  EXPECT_THAT(DescribeChange(**second, d.last_change), HasSubstr("s1"));

  // Metrics age out: stale.
  in.now = kT0 + absl::Seconds(40);
  in.epoch = 3;
  auto third = engine.Decide(in, second->get());
  ASSERT_TRUE(third.ok());
  ASSERT_FALSE((*third)->changed.empty());
  EXPECT_EQ((*third)->decisions[(*third)->changed[0]]->last_change.cause,
            ChangeCause::kMetricsStale);
  // An unchanged epoch keeps the last change.
  in.epoch = 4;
  auto fourth = engine.Decide(in, third->get());
  ASSERT_TRUE(fourth.ok());
  EXPECT_TRUE((*fourth)->changed.empty());
  EXPECT_EQ((*fourth)->decisions[0]->last_change.epoch, 3u);
}

TEST(DecisionTest, RedecideMatchesAFullDecision) {
  testing::SyntheticNetwork net = testing::MakeSyntheticNetwork(120, 15, 4, 6, 400, 11);
  DecisionInputs in = MakeInputs(net.model, net.demands, CacheCandidates(net.model, net.demands, 2),
                                 FreshMetrics(*net.model, kT0, 0.2));
  DecisionOptions o;
  o.solver.max_subset_iterations = 200;
  DecisionEngine engine(o);
  auto initial = engine.Decide(in, nullptr);
  ASSERT_TRUE(initial.ok());
  // A quiet epoch (every demand changed in the initial one).
  in.epoch = 2;
  auto first = engine.Redecide(in, initial->get());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE((*first)->changed.empty());
  // One placement's background doubles.
  MetricState m = *in.metrics;
  m.placements[5].background_rps = *m.placements[5].background_rps * 2 + 50;
  in.metrics = std::make_shared<const MetricState>(m);
  in.epoch = 3;
  auto inc = engine.Redecide(in, first->get());
  ASSERT_TRUE(inc.ok());
  EXPECT_TRUE((*inc)->incremental);
  EXPECT_LT((*inc)->solver.demands, in.demands->size());
  // A fresh engine deciding the same epoch from the same previous set.
  DecisionEngine fresh(o);
  auto full = fresh.Decide(in, first->get());
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE((*full)->incremental);
  EXPECT_NEAR((*inc)->target_objective, (*full)->target_objective,
              2e-3 * (*full)->target_objective);
  // Damping bound holds for the incremental epoch too.
  for (size_t i = 0; i < (*inc)->decisions.size(); ++i) {
    for (const CandidateDecision& c : (*inc)->decisions[i]->candidates) {
      EXPECT_LE(std::abs(c.weight - c.previous_weight), 0.1 + 1e-9);
    }
  }
  // A change that moves nothing: only the demands at that placement are
  // rebuilt, the others' decisions are shared with the previous set.
  // (First let damping finish moving.)
  std::shared_ptr<const DecisionSet> quiet = *inc;
  for (int i = 0; i < 40 && !quiet->changed.empty(); ++i) {
    ++in.epoch;
    auto next = engine.Redecide(in, quiet.get());
    ASSERT_TRUE(next.ok());
    quiet = *next;
  }
  ASSERT_TRUE(quiet->changed.empty());
  m.placements[9].background_rps = *m.placements[9].background_rps + 1e-6;
  in.metrics = std::make_shared<const MetricState>(m);
  ++in.epoch;
  auto tiny = engine.Redecide(in, quiet.get());
  ASSERT_TRUE(tiny.ok());
  size_t shared = 0;
  for (size_t i = 0; i < (*tiny)->decisions.size(); ++i) {
    shared += (*tiny)->decisions[i] == quiet->decisions[i];
  }
  EXPECT_GT(shared, in.demands->size() / 2)
      << "incremental " << (*tiny)->incremental << " solved " << (*tiny)->solver.demands
      << " changed " << (*tiny)->changed.size();
  EXPECT_LT((*tiny)->solver.demands, in.demands->size() / 2);
}

TEST(DecisionTest, DiffListsOnlyChangedDemandsStably) {
  const Net n = MakeNet();
  DecisionOptions o;
  o.damping_enabled = false;
  DecisionEngine engine(o);
  DecisionInputs in = Inputs(n, FreshMetrics(*n.model, kT0, 0.2));
  auto a = engine.Decide(in, nullptr);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(DiffDecisionSets(**a, **a).empty());
  MetricState m = *in.metrics;
  m.placements[0].background_rps = 0.9 * 500;
  in.metrics = std::make_shared<const MetricState>(m);
  in.epoch = 2;
  auto b = engine.Decide(in, a->get());
  ASSERT_TRUE(b.ok());
  const std::vector<DecisionDiff> diff = DiffDecisionSets(**a, **b);
  ASSERT_FALSE(diff.empty());
  EXPECT_EQ(diff[0].ingress_router_id, "in");
  for (const DecisionDiff& dd : diff) {
    EXPECT_EQ(dd.kind, DecisionDiff::Kind::kChanged);
    ASSERT_FALSE(dd.weight_changes.empty());
    for (size_t i = 1; i < dd.weight_changes.size(); ++i) {
      EXPECT_GE(std::abs(dd.weight_changes[i - 1].new_weight - dd.weight_changes[i - 1].old_weight),
                std::abs(dd.weight_changes[i].new_weight - dd.weight_changes[i].old_weight));
    }
  }
  // Same inputs, same diff.
  const std::vector<DecisionDiff> again = DiffDecisionSets(**a, **b);
  ASSERT_EQ(again.size(), diff.size());
  for (size_t i = 0; i < diff.size(); ++i) {
    EXPECT_EQ(again[i].weight_changes.size(), diff[i].weight_changes.size());
  }
}

TEST(DecisionTest, DeterministicAcrossEngines) {
  testing::SyntheticNetwork net = testing::MakeSyntheticNetwork(100, 12, 3, 5, 300, 5);
  DecisionInputs in = MakeInputs(net.model, net.demands, CacheCandidates(net.model, net.demands, 3),
                                 FreshMetrics(*net.model, kT0, 0.3));
  DecisionEngine e1, e2;
  auto a = e1.Decide(in, nullptr);
  auto b = e2.Decide(in, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(testing::Weights(**a), testing::Weights(**b));
  EXPECT_EQ((*a)->objective, (*b)->objective);
}

TEST(DecisionTest, PathIdsAreStable) {
  const Net n = MakeNet();
  const CandidateSet c1 = CacheCandidates(n.model, n.demands, 2);
  const Net n2 = MakeNet();  // rebuilt snapshot, same ids
  const CandidateSet c2 = CacheCandidates(n2.model, n2.demands, 2);
  ASSERT_EQ(c1.by_demand[0].size(), c2.by_demand[0].size());
  for (size_t i = 0; i < c1.by_demand[0].size(); ++i) {
    EXPECT_EQ(CandidatePathId(*n.model, c1, c1.by_demand[0][i]),
              CandidatePathId(*n2.model, c2, c2.by_demand[0][i]));
  }
  EXPECT_NE(CandidatePathId(*n.model, c1, c1.by_demand[0][0]),
            CandidatePathId(*n.model, c1, c1.by_demand[0][1]));
}

TEST(DecisionTest, RejectsInvalidInputs) {
  const Net n = MakeNet();
  DecisionEngine engine;
  std::vector<Demand> bad = n.demands;
  bad[0].requests_per_second = -1;
  auto r = engine.Decide(
      MakeInputs(n.model, bad, CacheCandidates(n.model, n.demands), FreshMetrics(*n.model, kT0)),
      nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("requests_per_second"));
  std::vector<Demand> dup = {n.demands[0], n.demands[0]};
  r = engine.Decide(
      MakeInputs(n.model, dup, CacheCandidates(n.model, dup), FreshMetrics(*n.model, kT0)),
      nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  // Candidates for the wrong demand list.
  r = engine.Decide(MakeInputs(n.model, n.demands, CandidateSet{}, FreshMetrics(*n.model, kT0)),
                    nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cpn::te

namespace cpn::te {
namespace {

TEST(ExplainTest, RejectionsNameTheElement) {
  const Net n = MakeNet(/*latency_bound_ms=*/60);
  MetricState m = FreshMetrics(*n.model, kT0, 0.2);
  m.placements[1].available_servers = 0;  // s2 reports no servers
  DecisionEngine engine;
  auto r = engine.Decide(Inputs(n, m), nullptr);
  ASSERT_TRUE(r.ok());
  const DecisionSet& set = **r;
  const DemandDecision& d = *set.decisions[0];
  const CandidateDecision* s2 = AtSite(set, d, "s2");
  ASSERT_NE(s2, nullptr);
  EXPECT_EQ(s2->reason, RejectReason::kSiteDown);
  EXPECT_THAT(RejectDetail(set, d, *s2), HasSubstr("site \"s2\" reports no servers"));
  const CandidateDecision* s1 = AtSite(set, d, "s1");
  EXPECT_EQ(RejectDetail(set, d, *s1), "");
  EXPECT_THAT(ExplainDecision(set, d), HasSubstr("site down"));

  // Link b--r2 down in a rebuilt snapshot: the path is down, named.
  NetBuilder b;
  b.Router("in").Router("a").Router("r1");
  b.Link("in", "a", 1000).Link("a", "r1", 1000);
  b.topology().mutable_links(1)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  b.Service("svc", 20);
  b.Site("s1", "r1", {{"svc", 10}});
  auto model = b.Build();
  // Paths computed while the link was up.
  NetBuilder up = b;
  up.topology().mutable_links(1)->set_admin_state(cpn::common::v1::ADMIN_STATE_UP);
  auto up_model = up.Build();
  std::vector<Demand> ds = {MakeDemand(*model, "in", "svc", 10)};
  DecisionEngine e2;
  auto r2 = e2.Decide(
      MakeInputs(model, ds, CacheCandidates(up_model, ds), FreshMetrics(*model, kT0)), nullptr);
  ASSERT_TRUE(r2.ok()) << r2.status();
  const DemandDecision& d2 = *(*r2)->decisions[0];
  EXPECT_EQ(d2.basis, DecisionBasis::kUnserved);
  EXPECT_EQ(d2.candidates[0].reason, RejectReason::kPathDown);
  EXPECT_THAT(RejectDetail(**r2, d2, d2.candidates[0]), HasSubstr("link \"a--r1\""));
}

}  // namespace
}  // namespace cpn::te

namespace cpn::te {
namespace {

TEST(RedecideTest, SiteLosingItsServersOrHeadroomKeepsEveryDemandServed) {
  const Net n = MakeNet();
  DecisionEngine engine;
  DecisionInputs in = Inputs(n, FreshMetrics(*n.model, kT0, 0.2));
  auto prev = engine.Decide(in, nullptr);
  ASSERT_TRUE(prev.ok());
  // s1 saturated by background (a "worse" change), then s1 down.
  for (int step = 0; step < 2; ++step) {
    MetricState m = *in.metrics;
    if (step == 0) {
      m.placements[0].background_rps = 600;  // capacity 500
    } else {
      m.placements[0].available_servers = 0;
    }
    in.metrics = std::make_shared<const MetricState>(m);
    ++in.epoch;
    auto next = engine.Redecide(in, prev->get());
    ASSERT_TRUE(next.ok());
    for (const auto& d : (*next)->decisions) {
      double sum = 0, on_s1 = 0;
      for (const CandidateDecision& c : d->candidates) {
        sum += c.weight;
        if (c.candidate.placement.value() == 0) on_s1 += c.weight;
      }
      EXPECT_NEAR(sum, 1.0, 1e-9) << "step " << step;
      if (step == 1) {
        EXPECT_EQ(on_s1, 0.0);
      }
    }
    prev = next;
  }
}

}  // namespace
}  // namespace cpn::te

namespace cpn::te {
namespace {

TEST(RedecideTest, FullEpochAfterTheIncrementalLimit) {
  const Net n = MakeNet();
  DecisionOptions o;
  o.max_incremental_epochs = 3;
  DecisionEngine engine(o);
  DecisionInputs in = Inputs(n, FreshMetrics(*n.model, kT0, 0.2));
  auto prev = engine.Decide(in, nullptr);
  ASSERT_TRUE(prev.ok());
  std::vector<bool> incremental;
  for (int i = 0; i < 8; ++i) {
    MetricState m = *in.metrics;
    m.placements[2].background_rps = 100 + i;  // sf: nobody uses it
    in.metrics = std::make_shared<const MetricState>(m);
    ++in.epoch;
    auto next = engine.Redecide(in, prev->get());
    ASSERT_TRUE(next.ok());
    incremental.push_back((*next)->incremental);
    prev = next;
  }
  // The first change makes sf cheaper; only demands that find it cheaper at
  // the margin than a candidate they use are re-solved (at most one of the
  // two): an incremental epoch. Then sf only gets dearer: incremental
  // epochs up to the limit (3), then a full one.
  EXPECT_EQ(incremental, (std::vector<bool>{true, true, true, false, true, true, true, false}));
}

}  // namespace
}  // namespace cpn::te
