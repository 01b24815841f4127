// What the simulator promises its users: the same seed gives the same run,
// every policy sees the same input, the greedy least-loaded rule herds and
// oscillates where CPN's decisions hold still, CPN never moves a live flow.
#include "gtest/gtest.h"
#include "lab/sim/policies/ideal.h"
#include "lab/sim/policy.h"
#include "lab/sim/setup.h"
#include "lab/sim/simulator.h"
#include "tests/lab/sim_test_util.h"

namespace cpn::lab::sim {
namespace {

RunResult RunPolicy(const SimSetup& setup, const std::string& name) {
  absl::StatusOr<std::unique_ptr<Policy>> p = MakePolicy(name);
  EXPECT_TRUE(p.ok()) << p.status();
  absl::StatusOr<RunResult> r = Simulate(setup, **p);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : RunResult{};
}

SimSetup FlashSetup(uint64_t seed, const Workload* w) {
  Scenario sc = testing::Short("flash-crowd", 200);
  sc.seed = seed;
  sc.flash_start_s = 80;
  sc.flash_duration_s = 30;
  sc.flash_center = "in1";
  sc.background_share = 0.2;
  sc.link_background = 0.3;
  absl::StatusOr<SimSetup> s = BuildSetup(testing::TwoSites(), sc, w);
  EXPECT_TRUE(s.ok()) << s.status();
  return *std::move(s);
}

TEST(SimDeterminism, SameSeedSameRunOtherSeedOtherRun) {
  Workload w;
  const SimSetup a = FlashSetup(7, &w);
  const RunResult r1 = RunPolicy(a, "cpn");
  const RunResult r2 = RunPolicy(a, "cpn");
  ASSERT_GT(r1.completion_ms.size(), 500u);
  EXPECT_EQ(r1.completion_ms, r2.completion_ms);
  EXPECT_EQ(r1.site_util, r2.site_util);
  EXPECT_EQ(r1.focus_weights, r2.focus_weights);
  EXPECT_EQ(r1.churn, r2.churn);

  const RunResult r3 = RunPolicy(FlashSetup(8, &w), "cpn");
  EXPECT_NE(r1.completion_ms, r3.completion_ms);
}

TEST(SimDeterminism, EveryPolicySeesTheSameRequests) {
  Workload w;
  const SimSetup s = FlashSetup(3, &w);
  const RunResult cpn = RunPolicy(s, "cpn");
  const RunResult nearest = RunPolicy(s, "nearest");
  EXPECT_EQ(cpn.requests, nearest.requests);
  EXPECT_GT(cpn.requests, 500u);
}

TEST(SimHerding, GreedyLeastLoadedOscillatesCpnDoesNot) {
  Workload w;
  Scenario sc = testing::Short("herding", 300);
  sc.uniform_ingress = true;
  sc.target_load = 0.75;
  sc.metric_delay_s = 2;
  absl::StatusOr<SimSetup> s = BuildSetup(testing::TwoSites(), sc, &w);
  ASSERT_TRUE(s.ok()) << s.status();

  const RunResult greedy = RunPolicy(*s, "least-loaded");
  const RunResult cpn = RunPolicy(*s, "cpn");
  // Every ingress jumps to whichever site last looked emptier, all at once,
  // and back: many reversals, and live flows dragged along.
  EXPECT_GT(greedy.oscillations, 50u);
  EXPECT_GT(greedy.moved_live, 0u);
  EXPECT_EQ(cpn.oscillations, 0u);
  EXPECT_EQ(cpn.moved_live, 0u);
  EXPECT_LT(Summarize(cpn).p99_ms, Summarize(greedy).p99_ms);
}

TEST(SimFailure, SiteFailureRetriesItsRequestsAndCpnMovesOnlyDeadFlows) {
  Workload w;
  Scenario sc = testing::Short("site-failure", 200);
  sc.site_fail_at_s = 80;
  sc.site_recover_at_s = 140;
  sc.site_fail_id = "w";
  absl::StatusOr<SimSetup> s = BuildSetup(testing::TwoSites(), sc, &w);
  ASSERT_TRUE(s.ok()) << s.status();
  const RunResult cpn = RunPolicy(*s, "cpn");
  EXPECT_GT(cpn.retries, 0u);
  EXPECT_GT(cpn.repicked, 0u);
  EXPECT_EQ(cpn.moved_live, 0u);
  EXPECT_EQ(cpn.unfinished, 0u);
}

TEST(SimIdeal, SendsEachRequestWhereItsExpectedDelayIsLeast) {
  IdealPolicy ideal(/*affinity=*/false);
  // Site 0 is 1 ms away, site 1 is 5 ms away; 8 servers of 1 s each.
  const std::vector<DispatchOption> options = {{0, 0, 0.001}, {1, 1, 0.005}};
  std::vector<SiteNow> sites = {{8, 0, 0, 1.0}, {8, 0, 0, 1.0}};
  EXPECT_EQ(ideal.Dispatch(options, sites), 0u);  // both idle: the nearer
  sites[0] = {8, 7, 0, 1.0};                      // one server left: no wait yet
  EXPECT_EQ(ideal.Dispatch(options, sites), 0u);
  sites[0] = {8, 7, 1, 1.0};  // the last server is taken by one on its way
  EXPECT_NEAR(ExpectedDelayS(options[0], sites[0]), 0.002 + 1.0 / 8, 1e-12);
  EXPECT_EQ(ideal.Dispatch(options, sites), 1u);
  sites[1] = {8, 8, 1, 1.0};  // both full; the far one 2/8 s of wait, the near 1/8 s
  EXPECT_EQ(ideal.Dispatch(options, sites), 0u);
}

TEST(SimIdeal, TheReferencesWaitLeastAndTheAffinityOneMovesNoLiveFlow) {
  Workload w;
  Scenario sc = testing::Short("steady", 300);
  sc.target_load = 0.85;
  sc.background_share = 0.3;
  absl::StatusOr<SimSetup> s = BuildSetup(testing::TwoSites(), sc, &w);
  ASSERT_TRUE(s.ok()) << s.status();
  const Summary cpn = Summarize(RunPolicy(*s, "cpn"));
  const Summary weighted = Summarize(RunPolicy(*s, "capacity-weighted"));
  const RunResult keep = RunPolicy(*s, "ideal-affinity");
  const RunResult free = RunPolicy(*s, "ideal");
  EXPECT_EQ(keep.moved_live, 0u);
  EXPECT_GT(free.moved_live, 0u);  // every request decided anew
  EXPECT_EQ(free.requests, keep.requests);
  EXPECT_EQ(free.unfinished, 0u);
  for (double c : keep.churn) EXPECT_EQ(c, 0);  // no weights: nothing churns
  const double kept = Summarize(keep).excess_mean_ms;
  const double unkept = Summarize(free).excess_mean_ms;
  EXPECT_LT(unkept, kept);
  EXPECT_LT(kept, cpn.excess_mean_ms);
  EXPECT_LT(cpn.excess_mean_ms, weighted.excess_mean_ms);
}

TEST(SimSetup, ATrafficMatrixSetsEachIngresssShareAndLeavesOutTheOthers) {
  Workload w;
  w.ingress_volume = {{"in1", 3}, {"in2", 1}, {"not-a-router", 5}};
  absl::StatusOr<SimSetup> s = BuildSetup(testing::TwoSites(), testing::Short("steady", 100), &w);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->ingresses.size(), 2u);
  EXPECT_EQ(s->ingresses[0].id, "in1");
  EXPECT_NEAR(s->ingresses[0].rate, 0.75 * s->demand_rps, 1e-9);
  EXPECT_NEAR(s->ingresses[1].rate, 0.25 * s->demand_rps, 1e-9);
  // No ingress in the matrix: the error says so.
  w.ingress_volume = {{"elsewhere", 1}};
  s = BuildSetup(testing::TwoSites(), testing::Short("steady", 100), &w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("has volume in the traffic matrix"), std::string::npos)
      << s.status();
}

TEST(SimSetupErrors, NameTheBadField) {
  Workload w;
  Scenario sc = testing::Short("flash-crowd", 100);
  sc.flash_center = "nowhere";
  absl::StatusOr<SimSetup> s = BuildSetup(testing::TwoSites(), sc, &w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("flash_center \"nowhere\""), std::string::npos);

  sc = testing::Short("site-failure", 100);
  sc.site_fail_at_s = 10;
  sc.site_fail_id = "mars";
  s = BuildSetup(testing::TwoSites(), sc, &w);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("site_fail_id \"mars\""), std::string::npos);

  EXPECT_FALSE(NamedScenario("stampede").ok());
  EXPECT_FALSE(MakePolicy("random").ok());
}

}  // namespace
}  // namespace cpn::lab::sim
