// The cost model: Erlang B/C against known values, M/M/c waits, the convex
// continuation beyond the utilisation limit, link queueing.
#include "controller/te/cost_model.h"

#include <cmath>

#include "gtest/gtest.h"

namespace cpn::te {
namespace {

TEST(ErlangTest, SingleServerReducesToMm1) {
  for (double a : {0.1, 0.5, 0.9, 0.99}) {
    EXPECT_NEAR(ErlangB(1, a), a / (1 + a), 1e-15);
    EXPECT_NEAR(ErlangC(1, a), a, 1e-15);  // P(wait) = ρ
    // W_q = ρ / (µ − λ): with µ = 1000/S.
    const double s_ms = 10, mu = 100, lambda = a * mu;
    MmcQueue q(1, s_ms, 0.999);
    EXPECT_NEAR(q.Wait(lambda).value, 1000.0 * a / (mu - lambda), 1e-9);
  }
}

TEST(ErlangTest, PublishedValues) {
  // Erlang C, c = 5 servers, a = 4 erlangs: 0.5541 (standard tables).
  EXPECT_NEAR(ErlangC(5, 4.0), 0.5541, 5e-5);
  // Erlang B, c = 10, a = 5: 0.01838; c = 2, a = 1: 0.2.
  EXPECT_NEAR(ErlangB(10, 5.0), 0.018385, 1e-6);
  EXPECT_NEAR(ErlangB(2, 1.0), 0.2, 1e-15);
  // Erlang C, c = 2, a = 1: 1/3.
  EXPECT_NEAR(ErlangC(2, 1.0), 1.0 / 3.0, 1e-15);
  // Erlang C, c = 10, a = 8: 0.4092 (tables).
  EXPECT_NEAR(ErlangC(10, 8.0), 0.4092, 5e-5);
}

TEST(ErlangTest, RobustForThousandsOfServers) {
  for (uint32_t c : {1000u, 3000u, 5000u}) {
    double prev = 0;
    for (double rho : {0.5, 0.9, 0.95, 0.99, 0.999}) {
      const double v = ErlangC(c, rho * c);
      EXPECT_TRUE(std::isfinite(v));
      EXPECT_GE(v, prev);  // increasing in load
      EXPECT_LE(v, 1.0);
      prev = v;
    }
    // Far from saturation the wait probability vanishes; near it it does not.
    EXPECT_LT(ErlangC(c, 0.5 * c), 1e-12);
    EXPECT_GT(ErlangC(c, 0.999 * c), 0.5);
  }
  EXPECT_EQ(ErlangC(100, 100), 1.0);
  EXPECT_EQ(ErlangC(100, 150), 1.0);
}

TEST(ErlangTest, DerivativeMatchesFiniteDifference) {
  for (uint32_t c : {1u, 2u, 5u, 40u, 800u}) {
    for (double rho : {0.2, 0.7, 0.95}) {
      const double a = rho * c, h = 1e-6 * c;
      const double fd = (ErlangC(c, a + h) - ErlangC(c, a - h)) / (2 * h);
      EXPECT_NEAR(ErlangCDerivative(c, a), fd, 1e-5 * std::max(1.0, std::abs(fd)))
          << "c=" << c << " rho=" << rho;
    }
  }
}

TEST(MmcQueueTest, WaitSlopeMatchesFiniteDifferenceAndIsConvex) {
  for (uint32_t c : {1u, 4u, 64u, 2000u}) {
    MmcQueue q(c, 20.0, 0.99);
    const double cap = q.capacity_rps();
    double prev_slope = -1;
    for (double rho = 0.05; rho < 1.3; rho += 0.05) {
      const double l = rho * cap, h = 1e-6 * cap;
      const DelayValue w = q.Wait(l);
      const double fd = (q.Wait(l + h).value - q.Wait(l - h).value) / (2 * h);
      EXPECT_TRUE(std::isfinite(w.value));
      EXPECT_NEAR(w.slope, fd, 1e-4 * std::max(1.0, std::abs(fd))) << c << " " << rho;
      const double fd2 = (q.Wait(l + h).slope - q.Wait(l - h).slope) / (2 * h);
      EXPECT_NEAR(w.curvature, fd2, 1e-3 * std::max(1e-6, std::abs(fd2))) << c << " " << rho;
      EXPECT_GE(w.slope, prev_slope - 1e-9) << "not convex at c=" << c << " rho=" << rho;
      prev_slope = w.slope;
    }
  }
}

TEST(MmcQueueTest, ContinuationIsSmoothAndSteep) {
  MmcQueue q(8, 50.0, 0.99);
  const double l0 = 0.99 * q.capacity_rps(), h = 1e-7 * l0;
  // Value and slope continuous at the switch point.
  EXPECT_NEAR(q.Wait(l0 - h).value, q.Wait(l0 + h).value, 1e-3 * q.Wait(l0).value);
  EXPECT_NEAR(q.Wait(l0 - h).slope, q.Wait(l0 + h).slope, 1e-3 * q.Wait(l0).slope);
  // Finite at and beyond capacity, and far above the wait at 90 %.
  const double at_cap = q.Wait(q.capacity_rps()).value;
  EXPECT_TRUE(std::isfinite(at_cap));
  EXPECT_GT(at_cap, 20 * q.Wait(0.9 * q.capacity_rps()).value);
  EXPECT_GT(q.Wait(1.5 * q.capacity_rps()).value, at_cap);
}

TEST(MmcQueueTest, CostAndMarginal) {
  MmcQueue q(4, 100.0, 0.99);  // capacity 40 req/s
  const double bg = 10, a = 15;
  const DelayValue c = q.Cost(bg, a);
  const DelayValue w = q.Wait(bg + a);
  EXPECT_NEAR(c.value, a * (w.value + 100.0), 1e-9);
  const double h = 1e-6;
  EXPECT_NEAR(c.slope, (q.Cost(bg, a + h).value - q.Cost(bg, a - h).value) / (2 * h), 1e-4);
}

TEST(LinkCostTest, QueueFactorAndContinuation) {
  EXPECT_DOUBLE_EQ(LinkQueueFactor(0, 0.99).value, 0);
  EXPECT_DOUBLE_EQ(LinkQueueFactor(0.5, 0.99).value, 1.0);
  EXPECT_DOUBLE_EQ(LinkQueueFactor(0.5, 0.99).slope, 4.0);
  const DelayValue below = LinkQueueFactor(0.99 - 1e-9, 0.99);
  const DelayValue above = LinkQueueFactor(0.99 + 1e-9, 0.99);
  EXPECT_NEAR(below.value, above.value, 1e-3);
  EXPECT_NEAR(below.slope, above.slope, 1);
  EXPECT_TRUE(std::isfinite(LinkQueueFactor(3.0, 0.99).value));
  EXPECT_GT(LinkQueueFactor(1.0, 0.99).value, 250);  // 99 + 100 + 100
}

TEST(LinkCostTest, ProcessorSharingOnOneLink) {
  // One request of b bytes on one link at utilisation u: transfer plus
  // queueing is the processor-sharing sojourn 8b / (C (1 − u)).
  const double b = 50'000, cap = 1e9, u = 0.6;
  const double total = TransferMs(b, 1'000'000'000) + ArcQueueingMs(b, cap, u, 0.99);
  EXPECT_NEAR(total, 8000.0 * b / (cap * (1 - u)), 1e-9);
}

TEST(LinkCostTest, ArcCostDerivative) {
  const double cap = 1e10, u0 = 0.3;
  for (double g : {0.0, 1e8, 5e8, 8e8, 9e8}) {
    const double h = 1e3;
    const double fd =
        (ArcCost(cap, u0, g + h, 0.99).value - ArcCost(cap, u0, std::max(0.0, g - h), 0.99).value) /
        (g > 0 ? 2 * h : h);
    EXPECT_NEAR(ArcCost(cap, u0, g, 0.99).slope, fd, 1e-6 * std::max(1.0, std::abs(fd)));
  }
}

}  // namespace
}  // namespace cpn::te
