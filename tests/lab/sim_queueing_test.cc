// The simulator's queueing against closed-form M/M/c: one site, Poisson
// arrivals, exponential service, no network — the mean wait for a server
// and the share of requests that wait must match Erlang C.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "lab/sim/policies/nearest.h"
#include "lab/sim/setup.h"
#include "lab/sim/simulator.h"
#include "lab/sim/site_queue.h"
#include "tests/lab/sim_test_util.h"

namespace cpn::lab::sim {
namespace {

// Erlang C from its textbook sum form (independent of te's recursion).
double ErlangC(int c, double a) {
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const double last = term * a / c;  // a^c / c!
  const double top = last * c / (c - a);
  return top / (sum + top);
}

struct MmcCase {
  int servers;
  double service_ms;
  double load;  // ρ
};

class SimMmc : public ::testing::TestWithParam<MmcCase> {};

TEST_P(SimMmc, MeanWaitAndWaitingShareMatchErlangC) {
  const MmcCase k = GetParam();
  Scenario sc = testing::Short("mmc", 20000);
  sc.target_load = k.load;
  sc.warmup_s = 200;
  Workload synthetic;  // Poisson arrivals, exponential service
  absl::StatusOr<SimSetup> setup =
      BuildSetup(testing::OneSite(k.servers, k.service_ms), sc, &synthetic);
  ASSERT_TRUE(setup.ok()) << setup.status();
  NearestPolicy policy;
  absl::StatusOr<RunResult> r = Simulate(*setup, policy);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->unfinished, 0u);
  ASSERT_GT(r->requests, 10000u);

  const double mu = 1000.0 / k.service_ms;
  const double lambda = k.load * k.servers * mu;
  const double a = lambda / mu;
  const double pwait = ErlangC(k.servers, a);
  const double wq_ms = 1000.0 * pwait / (k.servers * mu - lambda);

  double sum = 0;
  size_t waited = 0;
  for (double x : r->excess_ms) {
    sum += x;
    if (x > 1e-6) ++waited;
  }
  const double n = static_cast<double>(r->excess_ms.size());
  EXPECT_NEAR(sum / n, wq_ms, 0.1 * wq_ms) << "c=" << k.servers << " rho=" << k.load;
  EXPECT_NEAR(waited / n, pwait, 0.03);
  const Summary s = Summarize(*r);
  EXPECT_NEAR(s.mean_ms, k.service_ms + wq_ms, 0.05 * (k.service_ms + wq_ms));
}

INSTANTIATE_TEST_SUITE_P(Sites, SimMmc,
                         ::testing::Values(MmcCase{1, 1000, 0.6}, MmcCase{4, 1000, 0.75},
                                           MmcCase{16, 4000, 0.85}),
                         [](const ::testing::TestParamInfo<MmcCase>& info) {
                           return "c" + std::to_string(info.param.servers) + "_rho" +
                                  std::to_string(static_cast<int>(info.param.load * 100));
                         });

TEST(SiteQueue, ServesFifoOnCServersAndDropsEverythingOnFailure) {
  SiteQueue q(2);
  EXPECT_TRUE(q.Arrive({1, 5, false}, 0));
  EXPECT_TRUE(q.Arrive({2, 5, true}, 0));
  EXPECT_FALSE(q.Arrive({3, 5, false}, 1));
  EXPECT_FALSE(q.Arrive({4, 5, false}, 2));
  EXPECT_EQ(q.busy(), 2u);
  EXPECT_EQ(q.waiting(), 2u);
  std::optional<Job> next = q.Depart(1, 5);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, 3u);  // first come, first served
  EXPECT_DOUBLE_EQ(q.BusySeconds(5), 10.0);
  const uint32_t gen = q.generation();
  std::vector<Job> lost = q.Fail(6);
  ASSERT_EQ(lost.size(), 2u);  // requests 3 and 4; background job 2 is lost
  EXPECT_FALSE(q.up());
  EXPECT_NE(q.generation(), gen);
  EXPECT_FALSE(q.Arrive({5, 5, false}, 7));
  q.Recover(8);
  EXPECT_TRUE(q.Arrive({5, 5, false}, 8));
}

}  // namespace
}  // namespace cpn::lab::sim
