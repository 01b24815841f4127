// Damping: the per-epoch step bound, failover, hysteresis, flap
// suppression, and that a square-wave load does not make decisions
// oscillate (while an undamped greedy baseline does).
#include "controller/te/damping.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/te/decision.h"
#include "gtest/gtest.h"
#include "tests/controller/te/decision_test_util.h"

namespace cpn::te {
namespace {

using testing::CacheCandidates;
using testing::FreshMetrics;
using testing::MakeDemand;
using testing::MakeInputs;
using testing::NetBuilder;

struct Case {
  std::vector<double> previous, target, last_move, mp, mt;
  std::vector<uint8_t> dead;
  DampingInput Input() const {
    DampingInput in;
    in.previous = previous;
    in.target = target;
    in.last_move = last_move;
    in.dead = dead;
    in.marginal_previous = mp;
    in.marginal_target = mt;
    in.expected_ms = 50;
    in.now = absl::FromUnixSeconds(100);
    return in;
  }
};

std::vector<double> RandomDistribution(std::mt19937_64& rng, int n) {
  std::exponential_distribution<double> e(1.0);
  std::vector<double> v(n);
  double s = 0;
  for (double& x : v) s += (x = e(rng));
  for (double& x : v) x /= s;
  return v;
}

TEST(DampTest, StepBoundIsNeverExceeded) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> size(2, 6);
  std::uniform_real_distribution<double> u(0, 1);
  DampingOptions o;
  o.suppress_threshold = 0;  // no suppression: exercise every move
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = size(rng);
    Case c;
    c.previous = RandomDistribution(rng, n);
    c.target = RandomDistribution(rng, n);
    c.last_move.assign(n, 0);
    c.dead.assign(n, 0);
    // Marginals that make the target clearly better.
    for (int i = 0; i < n; ++i) {
      c.mp.push_back(100 + 50 * (c.previous[i] - c.target[i]) + u(rng));
      c.mt.push_back(c.mp.back());
    }
    std::vector<double> w(n);
    const DampingResult r = Damp(o, c.Input(), w);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      EXPECT_LE(std::abs(w[i] - c.previous[i]), o.max_step + 1e-12) << "trial " << trial;
      EXPECT_GE(w[i], 0);
      sum += w[i];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    if (r.outcome == DampingOutcome::kReached) {
      for (int i = 0; i < n; ++i) EXPECT_NEAR(w[i], c.target[i], 1e-12);
    }
  }
}

TEST(DampTest, FailoverBypassesTheBound) {
  Case c{{0.7, 0.3, 0.0}, {0.0, 0.5, 0.5}, {0, 0, 0}, {1e300, 10, 10}, {1e300, 10, 10}, {1, 0, 0}};
  std::vector<double> w(3);
  const DampingResult r = Damp(DampingOptions{}, c.Input(), w);
  EXPECT_DOUBLE_EQ(w[0], 0.0);  // the dead candidate at once
  EXPECT_NEAR(r.failover_share, 0.7, 1e-12);
  EXPECT_NEAR(w[1] + w[2], 1.0, 1e-12);
  // Its share went to the live candidates by target: 0.3 + 0.35, 0.35.
  EXPECT_NEAR(w[1], 0.65, 1e-12);
  EXPECT_NEAR(w[2], 0.35, 1e-12);
}

TEST(DampTest, HysteresisHoldsSmallGains) {
  // Moving 0.2 of weight between candidates whose marginals differ by 1 ms:
  // gain 0.2 ms < max(2 % of 50 ms, 1 ms).
  Case c{{0.6, 0.4}, {0.4, 0.6}, {0, 0}, {51, 50}, {51, 50}, {0, 0}};
  std::vector<double> w(2);
  const DampingResult r = Damp(DampingOptions{}, c.Input(), w);
  EXPECT_EQ(r.outcome, DampingOutcome::kHeld);
  EXPECT_DOUBLE_EQ(w[0], 0.6);
  EXPECT_NEAR(r.gain_ms, 0.2, 1e-12);
  // A large gain moves, by at most the bound.
  c.mp = {80, 50};
  c.mt = {80, 50};
  const DampingResult r2 = Damp(DampingOptions{}, c.Input(), w);
  EXPECT_EQ(r2.outcome, DampingOutcome::kLimited);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
}

TEST(DampTest, ReversalsAreSuppressedAfterTheThreshold) {
  DampingOptions o;  // threshold 2, penalty 1 per reversal
  std::vector<double> w(2);
  DampingState state;
  double prev0 = 0.5;
  int moves = 0;
  for (int epoch = 0; epoch < 10; ++epoch) {
    // The target flips every epoch; the marginals favour it strongly.
    const bool up = epoch % 2 == 0;
    Case c{{prev0, 1 - prev0}, {up ? 1.0 : 0.0, up ? 0.0 : 1.0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
    c.mp = {up ? 50.0 : 150.0, up ? 150.0 : 50.0};
    c.mt = c.mp;
    const double last = epoch == 0 ? 0.0 : (up ? -0.1 : 0.1);
    c.last_move = {last, -last};
    DampingInput in = c.Input();
    in.state = state;
    in.now = absl::FromUnixSeconds(100) + absl::Milliseconds(100 * epoch);
    const DampingResult r = Damp(o, in, w);
    state = r.state;
    if (std::abs(w[0] - prev0) > 1e-12) ++moves;
    prev0 = w[0];
  }
  // The first move, then at most two reversals before suppression.
  EXPECT_LE(moves, 3);
  EXPECT_TRUE(state.suppressed);
}

TEST(DampTest, OverloadBypassesHysteresisAndSuppression) {
  Case c{{0.6, 0.4}, {0.4, 0.6}, {-0.1, 0.1}, {51, 50}, {51, 50}, {0, 0}};
  DampingInput in = c.Input();
  in.overload = true;
  in.state.suppressed = true;
  in.state.penalty = 5;
  in.state.penalty_at = in.now;
  std::vector<double> w(2);
  const DampingResult r = Damp(DampingOptions{}, in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kLimited);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
}

// Candidate 0 overloaded (u 1.2), candidate 1 not (u 0.8); suppressed.
TEST(DampTest, OverloadReliefGoesThroughButNotBackOntoTheOverloadedSite) {
  const std::vector<double> util = {1.2, 0.8};
  // Relief: weight off the overloaded candidate, a reversal (the last move
  // was onto it), small gain: neither hysteresis nor suppression holds it.
  Case off{{0.6, 0.4}, {0.4, 0.6}, {0.1, -0.1}, {51, 50}, {51, 50}, {0, 0}};
  DampingInput in = off.Input();
  in.overload = true;
  in.utilization = util;
  in.state.suppressed = true;
  in.state.penalty = 5;
  in.state.penalty_at = in.now;
  std::vector<double> w(2);
  DampingResult r = Damp(DampingOptions{}, in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kLimited);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
  // Back onto the overloaded candidate the demand last moved away from:
  // no relief, so hysteresis holds it; with a large gain, suppression does.
  Case onto{{0.4, 0.6}, {0.6, 0.4}, {-0.1, 0.1}, {50, 51}, {50, 51}, {0, 0}};
  in = onto.Input();
  in.overload = true;
  in.utilization = util;
  in.state.suppressed = true;
  in.state.penalty = 5;
  in.state.penalty_at = in.now;
  r = Damp(DampingOptions{}, in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kHeld);
  EXPECT_NEAR(w[0], 0.4, 1e-12);
  onto.mp = onto.mt = {50, 500};
  DampingInput big = onto.Input();
  big.overload = true;
  big.utilization = util;
  big.state = in.state;
  r = Damp(DampingOptions{}, big, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kSuppressed);
  EXPECT_NEAR(w[0], 0.4, 1e-12);
}

// Three candidates; candidate 0 fell 1 s ago, 1 and 2 rose 1 s ago.
// The target puts weight back onto 0: within the hold 0 keeps its weight,
// and the move still happens between the others as far as they balance.
TEST(DampTest, AWeightDoesNotTurnBackWithinTheReversalHold) {
  Case c{{0.2, 0.5, 0.3}, {0.5, 0.1, 0.4}, {-0.1, 0.05, 0.05}, {90, 90, 50}, {90, 90, 50},
         {0, 0, 0}};
  std::vector<absl::Time> at(3, absl::FromUnixSeconds(99));
  DampingInput in = c.Input();
  in.last_move_at = at;
  std::vector<double> w(3);
  DampingOptions o;
  o.max_step = 1;  // the held target itself, not a step toward it
  DampingResult r = Damp(o, in, w);
  // 0 held (a rise after a fall) and 1 too (a fall after a rise). Only 2
  // is free, and a move needs two weights to change: held back.
  EXPECT_EQ(r.outcome, DampingOutcome::kHeldBack);
  EXPECT_DOUBLE_EQ(w[0], 0.2);
  EXPECT_DOUBLE_EQ(w[1], 0.5);
  // Candidate 1 fell last (-0.05): it may fall again; 0 stays held. 2
  // gains its 0.1 and 1 loses only that much (not the 0.4 the target
  // takes from it, which was to go to 0).
  c.last_move = {-0.1, -0.05, 0.05};
  in = c.Input();
  in.last_move_at = at;
  r = Damp(o, in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kReached);
  EXPECT_DOUBLE_EQ(w[0], 0.2);
  EXPECT_NEAR(w[1], 0.4, 1e-12);
  EXPECT_NEAR(w[2], 0.4, 1e-12);
  // Past the hold (11 s later) the whole move is made.
  in.now = absl::FromUnixSeconds(99) + o.reversal_hold + absl::Seconds(1);
  c.last_move = {-0.1, 0.05, 0.05};
  in.last_move = c.last_move;
  r = Damp(o, in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kReached);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
  EXPECT_NEAR(w[1], 0.1, 1e-12);
  // Without move times (or with a zero hold) nothing is held.
  in = c.Input();
  r = Damp(o, in, w);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
  in.last_move_at = at;
  o.reversal_hold = absl::ZeroDuration();
  r = Damp(o, in, w);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
}

// The release of the reversal hold for saturated candidates (an option;
// off by default).
DampingOptions ReleasingAtSaturation() {
  DampingOptions o;
  o.reversal_hold_release_utilization = 0.95;
  return o;
}

// Candidate 0 rose 1 s ago (every weight moved then) and is now
// overloaded; candidate 2 has not moved.
struct JustGainedThenOverloaded {
  Case c{{0.6, 0.3, 0.1}, {0.3, 0.3, 0.4}, {0.1, -0.1, 0}, {51, 50, 50}, {51, 50, 50},
         {0, 0, 0}};
  std::vector<absl::Time> at = std::vector<absl::Time>(3, absl::FromUnixSeconds(99));
  std::vector<double> utilization = {1.1, 0.7, 0.5};
  DampingInput Input() const {
    DampingInput in = c.Input();
    in.last_move_at = at;
    in.overload = true;
    in.utilization = utilization;
    return in;
  }
};

TEST(DampTest, ASaturatedCandidateKeepsWeightItJustGainedByDefault) {
  // By default the hold keeps candidate 0's weight (a fall now would be a
  // reversal within the hold: an oscillation); the decision engine
  // re-solves the free demands instead.
  const JustGainedThenOverloaded s;
  DampingInput in = s.Input();
  std::vector<double> w(3);
  const DampingResult r = Damp(DampingOptions{}, in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kHeldBack);
  EXPECT_TRUE(r.held);
  EXPECT_DOUBLE_EQ(w[0], 0.6);
}

TEST(DampTest, AnOverloadedCandidateShedsWeightItJustGained) {
  // With the release on, candidate 0's fall goes through (onto 2, which
  // has not moved).
  JustGainedThenOverloaded s;
  DampingInput in = s.Input();
  std::vector<double> w(3);
  DampingResult r = Damp(ReleasingAtSaturation(), in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kLimited);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
  // Candidate 1 is the overloaded one (0 at 0.9 is not saturated): 0
  // keeps what it just gained; 1 sheds its 0.2 onto 2, which gains only
  // that (of the 0.4 the target gives it), by the step bound 0.1 now.
  s.c.target = {0.4, 0.1, 0.5};
  in.target = s.c.target;
  const std::vector<double> other = {0.9, 1.1, 0.5};
  in.utilization = other;
  r = Damp(ReleasingAtSaturation(), in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kLimited);
  EXPECT_DOUBLE_EQ(w[0], 0.6);
  EXPECT_NEAR(w[1], 0.2, 1e-12);
  EXPECT_NEAR(w[2], 0.2, 1e-12);
}

TEST(DampTest, ASaturatedCandidateShedsWeightEvenWhenEveryReceiverJustLostSome) {
  // Candidate 0 rose 1 s ago and is saturated; 1 and 2 both fell 1 s ago, so
  // taking its weight turns them back. The relief goes through anyway: 0
  // falls by the step bound (0.1), 1 and 2 take it in proportion to the
  // gains their targets want (0.1 and 0.3 of 0.4).
  Case c{{0.6, 0.2, 0.2}, {0.2, 0.3, 0.5}, {0.1, -0.05, -0.05}, {80, 50, 50}, {80, 50, 50},
         {0, 0, 0}};
  DampingInput in = c.Input();
  const std::vector<absl::Time> at(3, absl::FromUnixSeconds(99));
  in.last_move_at = at;
  in.overload = true;
  const std::vector<double> saturated = {1.2, 0.5, 0.5};
  in.utilization = saturated;
  std::vector<double> w(3);
  const DampingResult r = Damp(ReleasingAtSaturation(), in, w);
  EXPECT_EQ(r.outcome, DampingOutcome::kLimited);
  EXPECT_NEAR(w[0], 0.5, 1e-12);
  EXPECT_NEAR(w[1], 0.225, 1e-12);
  EXPECT_NEAR(w[2], 0.275, 1e-12);
  // Not saturated (0.9): the same move is held back entirely.
  const std::vector<double> busy = {0.9, 0.5, 0.5};
  in.utilization = busy;
  EXPECT_EQ(Damp(ReleasingAtSaturation(), in, w).outcome, DampingOutcome::kHeldBack);
  EXPECT_DOUBLE_EQ(w[0], 0.6);
}

TEST(DampTest, NewDemandTakesItsTarget) {
  Case c{{0, 0}, {0.3, 0.7}, {0, 0}, {1, 1}, {1, 1}, {0, 0}};
  std::vector<double> w(2);
  EXPECT_EQ(Damp(DampingOptions{}, c.Input(), w).outcome, DampingOutcome::kNew);
  EXPECT_DOUBLE_EQ(w[1], 0.7);
}

// --- Engine-level -----------------------------------------------------------

// Ten ingresses behind a hub, two identical sites of 400 req/s each.
struct TwoSites {
  std::shared_ptr<const model::NetworkModel> model;
  std::vector<Demand> demands;
  CandidateSet candidates;
};

TwoSites MakeTwoSites() {
  NetBuilder b;
  b.Router("hub").Router("r1").Router("r2");
  b.Link("hub", "r1", 3000).Link("hub", "r2", 3000);
  for (int i = 0; i < 10; ++i)
    b.Router(absl::StrFormat("i%d", i)).Link(absl::StrFormat("i%d", i), "hub", 500 + 100 * i);
  b.Service("svc", 50);
  b.Site("s1", "r1", {{"svc", 20}}).Site("s2", "r2", {{"svc", 20}});
  TwoSites t;
  t.model = b.Build();
  for (int i = 0; i < 10; ++i) {
    t.demands.push_back(MakeDemand(*t.model, absl::StrFormat("i%d", i), "svc", 30));
  }
  t.candidates = CacheCandidates(t.model, t.demands);
  return t;
}

// Direction flips of every weight over a series of sets, counting only
// epochs >= from.
int MaxFlips(const std::vector<std::vector<double>>& series, size_t from) {
  int worst = 0;
  const size_t n = series.front().size();
  for (size_t c = 0; c < n; ++c) {
    int flips = 0, last = 0;
    for (size_t t = 1; t < series.size(); ++t) {
      const double d = series[t][c] - series[t - 1][c];
      const int sign = d > 1e-6 ? 1 : d < -1e-6 ? -1 : 0;
      if (sign == 0) continue;
      if (last != 0 && sign != last && t >= from) ++flips;
      last = sign;
    }
    worst = std::max(worst, flips);
  }
  return worst;
}

// Site s1's background load alternates between 10 % and 60 % of capacity
// every `half_period` epochs (100 ms apart) for 50 epochs.
std::vector<std::vector<double>> RunSquareWave(const TwoSites& t, const DecisionOptions& o,
                                               int half_period) {
  DecisionEngine engine(o);
  std::shared_ptr<const DecisionSet> prev;
  std::vector<std::vector<double>> series;
  auto demands = std::make_shared<const std::vector<Demand>>(t.demands);
  auto candidates = std::make_shared<const CandidateSet>(t.candidates);
  const absl::Time start = absl::FromUnixSeconds(1000);
  for (int epoch = 0; epoch < 50; ++epoch) {
    const absl::Time now = start + absl::Milliseconds(100) * epoch;
    const bool high = (epoch / half_period) % 2 == 1;
    MetricState m = FreshMetrics(*t.model, now, 0.1);
    m.placements[0].background_rps = (high ? 0.6 : 0.1) * 400;
    DecisionInputs in;
    in.model = t.model;
    in.demands = demands;
    in.candidates = candidates;
    in.metrics = std::make_shared<const MetricState>(std::move(m));
    in.now = now;
    in.epoch = epoch + 1;
    auto r = engine.Decide(in, prev.get());
    EXPECT_TRUE(r.ok()) << r.status();
    prev = *r;
    series.push_back(testing::Weights(*prev));
  }
  return series;
}

// The undamped greedy baseline: every demand sends everything to the site
// whose metrics show the least utilisation.
std::vector<std::vector<double>> RunGreedy(const TwoSites& t, int half_period) {
  std::vector<std::vector<double>> series;
  for (int epoch = 0; epoch < 50; ++epoch) {
    const bool high = (epoch / half_period) % 2 == 1;
    const double u1 = high ? 0.6 : 0.1, u2 = 0.1;
    std::vector<double> w;
    for (size_t d = 0; d < t.demands.size(); ++d) {
      for (const Candidate& c : t.candidates.by_demand[d]) {
        const bool at_s1 = c.placement.value() == 0;
        // Ties go to s1.
        w.push_back((u1 <= u2) == at_s1 ? 1.0 : 0.0);
      }
    }
    series.push_back(w);
  }
  return series;
}

TEST(SquareWaveTest, DampedDecisionsDoNotOscillateWhileGreedyDoes) {
  const TwoSites t = MakeTwoSites();
  for (int half_period : {1, 2, 5}) {
    SCOPED_TRACE(absl::StrFormat("half period %d epochs", half_period));
    const auto damped = RunSquareWave(t, DecisionOptions{}, half_period);
    const auto greedy = RunGreedy(t, half_period);
    DecisionOptions undamped_options;
    undamped_options.damping_enabled = false;
    const auto undamped = RunSquareWave(t, undamped_options, half_period);

    // Over the whole run no damped weight changes direction more than
    // twice: hysteresis holds small gains and flap suppression refuses the
    // third reversal (the penalty needs minutes to decay).
    EXPECT_LE(MaxFlips(damped, 0), 2);
    // Greedy flips on every edge of the wave; so does the bare optimum.
    const int edges = 50 / half_period - 1;
    EXPECT_GE(MaxFlips(greedy, 0), edges - 1);
    EXPECT_GE(MaxFlips(undamped, 0), edges / 2);
    // The damped weights still respond: they differ from the first epoch's.
    double moved = 0;
    for (size_t c = 0; c < damped.front().size(); ++c) {
      moved = std::max(moved, std::abs(damped.back()[c] - damped.front()[c]));
    }
    EXPECT_GT(moved, 0.05);
  }
}

// The overload square wave: the two sites' background alternates between
// 20 % and 90 % of capacity in antiphase (the 300 req/s of demand then
// overloads whichever site is high at the held weights), the way a queue
// signal makes sites look over 100 % in turn. Damping must not follow every
// edge, as it did when overload bypassed hysteresis and suppression.
TEST(SquareWaveTest, OverloadSquareWaveDoesNotFlipEveryEpoch) {
  const TwoSites t = MakeTwoSites();
  for (int half_period : {1, 2}) {
    SCOPED_TRACE(absl::StrFormat("half period %d epochs", half_period));
    DecisionEngine engine;
    std::shared_ptr<const DecisionSet> prev;
    std::vector<std::vector<double>> series;
    auto demands = std::make_shared<const std::vector<Demand>>(t.demands);
    auto candidates = std::make_shared<const CandidateSet>(t.candidates);
    int overloaded_epochs = 0;
    for (int epoch = 0; epoch < 50; ++epoch) {
      const absl::Time now = absl::FromUnixSeconds(1000) + absl::Milliseconds(100) * epoch;
      const bool high = (epoch / half_period) % 2 == 1;
      MetricState m = FreshMetrics(*t.model, now, 0.2);
      m.placements[high ? 0 : 1].background_rps = 0.9 * 400;
      DecisionInputs in{t.model,    demands,
                        candidates, std::make_shared<const MetricState>(std::move(m)),
                        now,        static_cast<uint64_t>(epoch + 1)};
      auto r = engine.Decide(in, prev.get());
      ASSERT_TRUE(r.ok()) << r.status();
      prev = *r;
      for (double u : prev->site_utilization) overloaded_epochs += u >= 1.0;
      series.push_back(testing::Weights(*prev));
    }
    EXPECT_GT(overloaded_epochs, 0);  // the wave does overload a site
    const int edges = 50 / half_period - 1;
    EXPECT_LE(MaxFlips(series, 0), edges / 4);
  }
}

// Half the demands just raised their weight at s1 (held by the reversal
// hold), then s1's background jumps and overloads it. Re-solving around
// the holds sends the free demands' share off s1 instead of the share the
// unconstrained target gave them: s1 ends less loaded, and the held
// weights stay where they were either way.
double OverloadedSiteWithHalfTheDemandsHeld(bool resolve, std::vector<double>* held_s1) {
  const TwoSites t = MakeTwoSites();
  DecisionOptions o;
  o.damping.max_step = 1.0;  // no step bound: the targets are what differs
  o.resolve_around_holds = resolve;
  DecisionEngine engine(o);
  auto demands = std::make_shared<const std::vector<Demand>>(t.demands);
  auto candidates = std::make_shared<const CandidateSet>(t.candidates);
  auto decide = [&](absl::Time now, double s1_background, const DecisionSet* prev) {
    MetricState m = FreshMetrics(*t.model, now, 0.2);
    m.placements[0].background_rps = s1_background * 400;
    DecisionInputs in;
    in.model = t.model;
    in.demands = demands;
    in.candidates = candidates;
    in.metrics = std::make_shared<const MetricState>(std::move(m));
    in.now = now;
    in.epoch = prev == nullptr ? 1 : prev->epoch + 1;
    auto r = engine.Decide(in, prev);
    EXPECT_TRUE(r.ok()) << r.status();
    return *r;
  };
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  std::shared_ptr<const DecisionSet> first = decide(t0, 0.2, nullptr);
  // Demands 0-4 raised their s1 weight 1 s ago; 5-9 have not moved.
  auto edited = std::make_shared<DecisionSet>(*first);
  for (size_t d = 0; d < 5; ++d) {
    auto dd = std::make_shared<DemandDecision>(*edited->decisions[d]);
    for (CandidateDecision& cd : dd->candidates) {
      cd.last_move = cd.candidate.placement.value() == 0 ? 0.1 : -0.1;
      cd.last_move_at = t0 + absl::Seconds(1);
    }
    edited->decisions[d] = dd;
  }
  std::shared_ptr<const DecisionSet> second = decide(t0 + absl::Seconds(2), 0.7, edited.get());
  held_s1->clear();
  for (size_t d = 0; d < 5; ++d) {
    double before = 0, after = 0;
    for (const CandidateDecision& cd : first->decisions[d]->candidates) {
      if (cd.candidate.placement.value() == 0) before += cd.weight;
    }
    for (const CandidateDecision& cd : second->decisions[d]->candidates) {
      if (cd.candidate.placement.value() == 0) after += cd.weight;
    }
    held_s1->push_back(after - before);
  }
  return second->site_utilization[0];
}

TEST(EngineDampingTest, FreeDemandsTakeUpWhatTheHeldOnesCannotShed) {
  std::vector<double> held_on, held_off;
  const double with = OverloadedSiteWithHalfTheDemandsHeld(true, &held_on);
  const double without = OverloadedSiteWithHalfTheDemandsHeld(false, &held_off);
  for (double x : held_on) EXPECT_GE(x, -1e-9);
  for (double x : held_off) EXPECT_GE(x, -1e-9);
  EXPECT_LT(with, without - 0.02) << "s1 utilisation with re-solve " << with << ", without "
                                  << without;
}

TEST(EngineDampingTest, NoWeightMovesMoreThanTheBoundPerEpoch) {
  const TwoSites t = MakeTwoSites();
  DecisionEngine engine;
  std::shared_ptr<const DecisionSet> prev;
  auto demands = std::make_shared<const std::vector<Demand>>(t.demands);
  auto candidates = std::make_shared<const CandidateSet>(t.candidates);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 0.8);
  int limited = 0;
  for (int epoch = 0; epoch < 60; ++epoch) {
    const absl::Time now = absl::FromUnixSeconds(1000) + absl::Milliseconds(100) * epoch;
    MetricState m = FreshMetrics(*t.model, now, 0.0);
    m.placements[0].background_rps = u(rng) * 400;
    m.placements[1].background_rps = u(rng) * 400;
    DecisionInputs in{t.model,    demands,
                      candidates, std::make_shared<const MetricState>(m),
                      now,        static_cast<uint64_t>(epoch + 1)};
    auto r = engine.Decide(in, prev.get());
    ASSERT_TRUE(r.ok());
    if (prev) {
      for (const auto& d : (*r)->decisions) {
        ASSERT_NE(d->basis, DecisionBasis::kFailover);
        for (const CandidateDecision& c : d->candidates) {
          EXPECT_LE(std::abs(c.weight - c.previous_weight), 0.1 + 1e-9);
        }
        limited += d->damping_outcome == DampingOutcome::kLimited;
      }
    }
    prev = *r;
  }
  EXPECT_GT(limited, 0);  // the bound did bind
}

TEST(EngineDampingTest, SiteFailureBypassesDamping) {
  const TwoSites t = MakeTwoSites();
  DecisionEngine engine;
  auto demands = std::make_shared<const std::vector<Demand>>(t.demands);
  auto candidates = std::make_shared<const CandidateSet>(t.candidates);
  const absl::Time now = absl::FromUnixSeconds(1000);
  MetricState m = FreshMetrics(*t.model, now, 0.1);
  DecisionInputs in{t.model, demands, candidates, std::make_shared<const MetricState>(m), now, 1};
  auto first = engine.Decide(in, nullptr);
  ASSERT_TRUE(first.ok());
  // s1 loses every server.
  m.placements[0].available_servers = 0;
  m.placements[0].measured_at = now + absl::Milliseconds(100);
  in.metrics = std::make_shared<const MetricState>(m);
  in.now = now + absl::Milliseconds(100);
  in.epoch = 2;
  auto second = engine.Decide(in, first->get());
  ASSERT_TRUE(second.ok());
  for (const auto& d : (*second)->decisions) {
    double on_s1_before = 0;
    for (const CandidateDecision& c : d->candidates) {
      if (c.candidate.placement.value() == 0) {
        EXPECT_EQ(c.weight, 0.0);
        EXPECT_EQ(c.reason, RejectReason::kSiteDown);
        on_s1_before += c.previous_weight;
      }
    }
    if (on_s1_before > 0) {
      EXPECT_EQ(d->basis, DecisionBasis::kFailover);
      EXPECT_EQ(d->last_change.cause, ChangeCause::kFailover);
    }
  }
}

}  // namespace
}  // namespace cpn::te
