// The site's queue: FIFO order, bounded queue, load windows, and -- driven
// by a discrete-event simulation in virtual time with the site's own
// service-time sampler -- the M/M/c mean wait of Erlang's C formula.
#include "lab/site/fifo_pool.h"

#include <cmath>
#include <map>
#include <queue>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "lab/site/service_time.h"

namespace cpn::lab {
namespace {

// Erlang C: probability that an arrival waits in M/M/c with offered load a
// = λ/µ, and the mean wait λ, µ per second.
double ErlangCMeanWaitS(int c, double lambda, double mu) {
  const double a = lambda / mu, rho = a / c;
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const double last = term * a / c / (1 - rho);  // a^c / c! / (1 - ρ)
  const double wait_probability = last / (sum + last);
  return wait_probability / (c * mu - lambda);
}

struct SimResult {
  double mean_wait_ms = 0;
  double mean_busy = 0;
};

// Poisson arrivals at `lambda`/s served by FifoPool + ServiceTimeSampler in
// virtual time.
SimResult Simulate(int c, double lambda, const cpn::lab::v1::ServiceTimeModel& model, int jobs,
                   int warmup) {
  FifoPool pool(c, 1 << 30, 0);
  auto sampler = ServiceTimeSampler::Create(model, {}, 42);
  EXPECT_TRUE(sampler.ok());
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(lambda);
  using Done = std::pair<double, uint64_t>;  // (time s, job)
  std::priority_queue<Done, std::vector<Done>, std::greater<Done>> busy;
  std::map<uint64_t, double> arrived, service;
  double next_arrival = gap(rng), wait_sum = 0;
  uint64_t next_job = 0;
  int measured = 0;
  auto start = [&](uint64_t job, double now) {
    service[job] = sampler->NextMs();
    if (job >= static_cast<uint64_t>(warmup)) {
      wait_sum += (now - arrived[job]) * 1000;
      ++measured;
    }
    busy.push({now + service[job] / 1000, job});
  };
  while (next_job < static_cast<uint64_t>(jobs) || !busy.empty()) {
    if (next_job < static_cast<uint64_t>(jobs) &&
        (busy.empty() || next_arrival < busy.top().first)) {
      const uint64_t job = next_job++;
      arrived[job] = next_arrival;
      if (job == static_cast<uint64_t>(warmup)) pool.TakeWindow(next_arrival);
      if (pool.Arrive(job, next_arrival) == FifoPool::Admission::kStarted) start(job, next_arrival);
      next_arrival += gap(rng);
      continue;
    }
    auto [t, job] = busy.top();
    busy.pop();
    std::optional<uint64_t> next = pool.Finish(t, service[job], (t - arrived[job]) * 1000);
    arrived.erase(job);
    service.erase(job);
    if (next) start(*next, t);
    if (next_job == static_cast<uint64_t>(jobs) && busy.empty()) {
      SimResult r;
      r.mean_wait_ms = wait_sum / measured;
      r.mean_busy = pool.TakeWindow(t).mean_busy;
      return r;
    }
  }
  return {};
}

TEST(FifoPoolMMc, MeanWaitMatchesErlangC) {
  // c = 4, mean service 4 ms (µ = 250/s), ρ = 0.7 (λ = 700/s).
  cpn::lab::v1::ServiceTimeModel model;
  model.mutable_exponential()->set_mean_ms(4);
  const SimResult r = Simulate(4, 700, model, 400000, 5000);
  const double expected_ms = ErlangCMeanWaitS(4, 700, 250) * 1000;  // 1.43 ms
  EXPECT_NEAR(expected_ms, 1.429, 0.01);
  EXPECT_NEAR(r.mean_wait_ms, expected_ms, 0.05 * expected_ms);
  EXPECT_NEAR(r.mean_busy, 2.8, 0.05);  // λ/µ servers busy on average
}

TEST(FifoPoolMMc, DeterministicServiceWaitsLessThanExponential) {
  // M/D/c waits about half as long as M/M/c (Cosmetatos); a sanity check
  // that the model reaches the queue.
  cpn::lab::v1::ServiceTimeModel model;
  model.mutable_deterministic()->set_time_ms(4);
  const SimResult r = Simulate(4, 700, model, 100000, 2000);
  const double mmc_ms = ErlangCMeanWaitS(4, 700, 250) * 1000;
  EXPECT_LT(r.mean_wait_ms, 0.7 * mmc_ms);
  EXPECT_GT(r.mean_wait_ms, 0.3 * mmc_ms);
}

TEST(FifoPool, ServesInArrivalOrderAndBoundsTheQueue) {
  FifoPool pool(1, 2, 0);
  EXPECT_EQ(pool.Arrive(1, 0), FifoPool::Admission::kStarted);
  EXPECT_EQ(pool.Arrive(2, 0.1), FifoPool::Admission::kQueued);
  EXPECT_EQ(pool.Arrive(3, 0.2), FifoPool::Admission::kQueued);
  EXPECT_EQ(pool.Arrive(4, 0.3), FifoPool::Admission::kRejected);
  EXPECT_EQ(pool.queue_length(), 2u);
  EXPECT_EQ(pool.Finish(1.0, 1000, 1000), std::optional<uint64_t>(2));
  EXPECT_EQ(pool.Finish(2.0, 1000, 1900), std::optional<uint64_t>(3));
  EXPECT_EQ(pool.Finish(3.0, 1000, 2800), std::nullopt);
  EXPECT_EQ(pool.busy(), 0);
  const LoadWindow w = pool.TakeWindow(4.0);
  EXPECT_EQ(w.window_s, 4.0);
  EXPECT_EQ(w.arrivals, 4u);
  EXPECT_EQ(w.rejected, 1u);
  EXPECT_EQ(w.completions, 3u);
  EXPECT_DOUBLE_EQ(w.mean_busy, 3.0 / 4.0);  // busy from 0 to 3 of 4 s
  EXPECT_DOUBLE_EQ(w.mean_service_ms, 1000);
  EXPECT_DOUBLE_EQ(w.mean_sojourn_ms, 1900);
  // Queue: one waiting 0.1..0.2, two 0.2..1.0 (the 4th refused), one
  // 1.0..2.0 -> 0.1 + 1.6 + 1.0 = 2.7 job-seconds.
  EXPECT_NEAR(w.mean_queue, 2.7 / 4.0, 1e-9);
  EXPECT_EQ(w.recent_completions, 3u);
  EXPECT_DOUBLE_EQ(w.recent_service_ms, 1000);
  EXPECT_DOUBLE_EQ(w.recent_span_s, 3.0);  // first completion at 1.0 s
  const LoadWindow next = pool.TakeWindow(5.0);
  EXPECT_EQ(next.arrivals, 0u);
  EXPECT_EQ(next.mean_busy, 0);
  EXPECT_EQ(next.mean_service_ms, 0);  // no completion in this window ...
  EXPECT_EQ(next.recent_completions, 3u);  // ... but the history stays
  EXPECT_DOUBLE_EQ(next.recent_service_ms, 1000);
}

TEST(FifoPool, AnAbandonedJobFreesItsServerForTheNext) {
  FifoPool pool(1, 10, 0);
  EXPECT_EQ(pool.Arrive(1, 0), FifoPool::Admission::kStarted);
  EXPECT_EQ(pool.Arrive(2, 0), FifoPool::Admission::kQueued);
  EXPECT_EQ(pool.Arrive(3, 0), FifoPool::Admission::kQueued);
  EXPECT_EQ(pool.Finish(1.0, 1000, 1000), std::optional<uint64_t>(2));
  // Job 2's client gave up: the server takes job 3 instead, then idles.
  EXPECT_EQ(pool.Abandon(1.0), std::optional<uint64_t>(3));
  EXPECT_EQ(pool.busy(), 1);
  EXPECT_EQ(pool.Abandon(1.0), std::nullopt);
  EXPECT_EQ(pool.busy(), 0);
  const LoadWindow w = pool.TakeWindow(2.0);
  EXPECT_EQ(w.completions, 1u);
  EXPECT_EQ(w.abandoned, 2u);
  EXPECT_DOUBLE_EQ(w.mean_busy, 0.5);  // busy 0..1 s of 2
  EXPECT_EQ(pool.TakeWindow(3.0).abandoned, 0u);
}

TEST(FifoPool, RecentServiceTimeKeepsTheLastCompletions) {
  FifoPool pool(1, 0, 0);
  // kServiceHistory completions of 10 ms, then as many of 30 ms: the
  // history then holds only the 30 ms ones.
  double t = 0;
  for (size_t i = 0; i < 2 * FifoPool::kServiceHistory; ++i) {
    ASSERT_EQ(pool.Arrive(i, t), FifoPool::Admission::kStarted);
    const double ms = i < FifoPool::kServiceHistory ? 10 : 30;
    t += ms / 1000;
    pool.Finish(t, ms, ms);
    if (i + 1 == FifoPool::kServiceHistory + FifoPool::kServiceHistory / 2) {
      const LoadWindow half = pool.TakeWindow(t);
      EXPECT_EQ(half.recent_completions, FifoPool::kServiceHistory);
      EXPECT_DOUBLE_EQ(half.recent_service_ms, 20);
    }
  }
  const LoadWindow w = pool.TakeWindow(t);
  EXPECT_EQ(w.recent_completions, FifoPool::kServiceHistory);
  EXPECT_NEAR(w.recent_service_ms, 30, 1e-9);
  EXPECT_NEAR(w.recent_span_s, (FifoPool::kServiceHistory - 1) * 0.030, 1e-9);
}

TEST(ServiceTime, ModelsHaveTheirMeansAndSeedsRepeat) {
  cpn::lab::v1::ServiceTimeModel m;
  m.mutable_lognormal()->set_mean_ms(50);
  m.mutable_lognormal()->set_sigma(0.8);
  auto a = ServiceTimeSampler::Create(m, {}, 3);
  auto b = ServiceTimeSampler::Create(m, {}, 3);
  ASSERT_TRUE(a.ok());
  double sum = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = a->NextMs();
    EXPECT_EQ(x, b->NextMs());
    sum += x;
  }
  EXPECT_NEAR(sum / 200000, 50, 1.0);

  m.mutable_trace()->set_path("t");
  auto t = ServiceTimeSampler::Create(m, {1, 2, 6}, 0);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->mean_ms(), 3);
  EXPECT_EQ(t->NextMs(), 1);
  EXPECT_EQ(t->NextMs(), 2);
  EXPECT_EQ(t->NextMs(), 6);
  EXPECT_EQ(t->NextMs(), 1);  // repeats
  EXPECT_FALSE(ServiceTimeSampler::Create(m, {}, 0).ok());
}

TEST(ServiceTime, ParsesCommandLineSpecs) {
  auto e = ParseServiceTimeSpec("exponential:4");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exponential().mean_ms(), 4);
  auto l = ParseServiceTimeSpec("lognormal:400,0.8");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->lognormal().sigma(), 0.8);
  EXPECT_EQ(ParseServiceTimeSpec("trace:x.txt")->trace().path(), "x.txt");
  EXPECT_EQ(ParseServiceTimeSpec("deterministic:2")->deterministic().time_ms(), 2);
  for (const char* bad : {"exponential:-1", "exponential:", "lognormal:4", "gamma:3", "trace:"}) {
    EXPECT_EQ(ParseServiceTimeSpec(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace cpn::lab
