// The lab link emulation core (dataplane/stages/link_emulation.h) on a fake
// clock (1 GHz "TSC") with fake mbuf pointers: exact delay, exact rate
// spacing, rate-queue and FIFO overflow, order, loss ratio for a seed, and
// determinism. No EAL: the core never touches a packet.
#include "dataplane/stages/link_emulation.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

constexpr uint64_t kHz = 1'000'000'000;  // 1 tick = 1 ns.

rte_mbuf* Fake(uint32_t i) {
  return reinterpret_cast<rte_mbuf*>(static_cast<uintptr_t>(0x10000 + 64 * uint64_t{i}));
}
uint32_t IndexOf(rte_mbuf* m) {
  return static_cast<uint32_t>((reinterpret_cast<uintptr_t>(m) - 0x10000) / 64);
}

LinkEmulationParams Params(uint32_t delay_us, uint64_t rate_bps = 0, double loss = 0,
                           uint32_t queue = 0, uint64_t seed = 0) {
  return MakeLinkEmulationParams({delay_us, rate_bps, loss, queue, seed}, kHz, 1);
}

TEST(DpLinkEmulation, ZeroSettingsAreNoEmulation) {
  EXPECT_FALSE(Params(0).enabled);
  EXPECT_FALSE(MakeLinkEmulationParams({0, 0, 0, 100, 7}, kHz, 1).enabled);  // Queue/seed alone.
  EXPECT_TRUE(Params(1).enabled);
  EXPECT_TRUE(Params(0, 1000).enabled);
  EXPECT_TRUE(Params(0, 0, 0.01).enabled);
  const LinkEmulationParams p = Params(0, 1000);
  EXPECT_EQ(p.queue_limit, kDefaultEmulationQueue);
  EXPECT_NE(p.seed, 0u);
  EXPECT_EQ(Params(0, 0, 1.0).loss_threshold, uint64_t{1} << 53);
}

TEST(DpLinkEmulation, UsToTscRoundsUp) {
  EXPECT_EQ(UsToTsc(2000, kHz), 2'000'000u);
  EXPECT_EQ(UsToTsc(1, 3), 1u);  // 3e-6 ticks -> 1: never shorter than asked.
  EXPECT_EQ(UsToTsc(0, kHz), 0u);
  EXPECT_EQ(UsToTsc(10'000'000, 3'000'000'000), 30'000'000'000u);
}

TEST(DpLinkEmulation, DelayIsExact) {
  EmulatedLink link;
  const LinkEmulationParams p = Params(2000);
  const uint64_t t0 = 123'456;
  ASSERT_EQ(link.Offer(p, t0, Fake(0), 100), EmulationVerdict::kQueued);
  ASSERT_EQ(link.Offer(p, t0 + 10, Fake(1), 1500), EmulationVerdict::kQueued);
  EXPECT_EQ(link.next_release(), t0 + 2'000'000);
  rte_mbuf* out[4];
  EXPECT_EQ(link.Release(t0 + 1'999'999, out, 4), 0);
  ASSERT_EQ(link.Release(t0 + 2'000'000, out, 4), 1);
  EXPECT_EQ(out[0], Fake(0));
  EXPECT_EQ(link.Release(t0 + 2'000'009, out, 4), 0);
  ASSERT_EQ(link.Release(t0 + 2'000'010, out, 4), 1);
  EXPECT_EQ(out[0], Fake(1));
  EXPECT_TRUE(link.empty());
  EXPECT_EQ(link.next_release(), UINT64_MAX);
}

TEST(DpLinkEmulation, RateSpacesPacketsByTheirSerialisationTime) {
  EmulatedLink link;
  // 8 Mbit/s at 1 GHz: 1000 ticks a byte, a 1000-byte frame takes 1 ms.
  const LinkEmulationParams p = Params(0, 8'000'000, 0, 100);
  for (uint32_t i = 0; i < 5; ++i) {
    ASSERT_EQ(link.Offer(p, 0, Fake(i), 1000), EmulationVerdict::kQueued);
  }
  rte_mbuf* out[8];
  for (uint32_t i = 0; i < 5; ++i) {
    const uint64_t due = (i + 1) * uint64_t{1'000'000};
    EXPECT_EQ(link.next_release(), due);
    EXPECT_EQ(link.Release(due - 1, out, 8), 0) << i;
    ASSERT_EQ(link.Release(due, out, 8), 1) << i;
    EXPECT_EQ(out[0], Fake(i));
  }
  // An idle wire starts serialising at once: no credit for the idle time.
  ASSERT_EQ(link.Offer(p, 9'000'000, Fake(9), 500), EmulationVerdict::kQueued);
  EXPECT_EQ(link.next_release(), 9'500'000u);
}

TEST(DpLinkEmulation, RateAndDelayAdd) {
  EmulatedLink link;
  const LinkEmulationParams p = Params(300, 8'000'000, 0, 100);  // 300 us + 1 us a byte.
  ASSERT_EQ(link.Offer(p, 1000, Fake(0), 100), EmulationVerdict::kQueued);
  ASSERT_EQ(link.Offer(p, 1000, Fake(1), 100), EmulationVerdict::kQueued);
  rte_mbuf* out[4];
  EXPECT_EQ(link.next_release(), 1000 + 100'000 + 300'000u);
  EXPECT_EQ(link.Release(1000 + 100'000 + 300'000, out, 4), 1);
  EXPECT_EQ(link.next_release(), 1000 + 200'000 + 300'000u);
}

TEST(DpLinkEmulation, LongRunRateIsExactToTheFixedPointStep) {
  EmulatedLink link;
  // 10 Mbit/s: 800 ticks a byte. 1000 frames of 1514 bytes = 1.2112 s.
  const LinkEmulationParams p = Params(0, 10'000'000, 0, 8192);
  rte_mbuf* out[1];
  uint64_t last = 0;
  for (uint32_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(link.Offer(p, 0, Fake(i), 1514), EmulationVerdict::kQueued);
  }
  while (!link.empty()) {
    last = link.next_release();
    ASSERT_EQ(link.Release(last, out, 1), 1);
  }
  EXPECT_EQ(last, 1000u * 1514 * 800);
  // A rate that does not divide the clock: the fixed-point remainder is
  // carried, so the error stays below one tick per 65536 bytes.
  EmulatedLink odd;
  const LinkEmulationParams q = Params(0, 3'000'000, 0, 8192);  // 2666.67 ticks a byte.
  for (uint32_t i = 0; i < 3000; ++i)
    ASSERT_EQ(odd.Offer(q, 0, Fake(i), 1000), EmulationVerdict::kQueued);
  while (!odd.empty()) {
    last = odd.next_release();
    ASSERT_EQ(odd.Release(last, out, 1), 1);
  }
  const double exact = 3000.0 * 1000 * 8 / 3e6 * 1e9;
  EXPECT_NEAR(static_cast<double>(last), exact, 3'000'000 / 65536.0 + 1);
}

TEST(DpLinkEmulation, RateQueueOverflowDrops) {
  EmulatedLink link;
  const LinkEmulationParams p = Params(0, 8'000'000, 0, 5);  // 1 ms a 1000-byte frame.
  int queued = 0, full = 0;
  for (uint32_t i = 0; i < 10; ++i) {
    const EmulationVerdict v = link.Offer(p, 0, Fake(i), 1000);
    (v == EmulationVerdict::kQueued ? queued : full) += 1;
    EXPECT_NE(v, EmulationVerdict::kLost);
  }
  EXPECT_EQ(queued, 5);
  EXPECT_EQ(full, 5);
  EXPECT_EQ(link.RateBacklog(0), 5u);
  // After the first frame is on the wire, one more fits.
  EXPECT_EQ(link.RateBacklog(1'000'000), 4u);
  EXPECT_EQ(link.Offer(p, 1'000'000, Fake(20), 1000), EmulationVerdict::kQueued);
  EXPECT_EQ(link.Offer(p, 1'000'000, Fake(21), 1000), EmulationVerdict::kQueueFull);
  // Packets only delayed (past the rate queue) do not count against it.
  EmulatedLink delayed;
  const LinkEmulationParams d = Params(50'000, 8'000'000, 0, 2);  // 50 ms delay.
  uint64_t now = 0;
  for (uint32_t i = 0; i < 10; ++i, now += 1'000'000) {
    EXPECT_EQ(delayed.Offer(d, now, Fake(i), 1000), EmulationVerdict::kQueued) << i;
  }
  EXPECT_EQ(delayed.size(), 10u);
}

TEST(DpLinkEmulation, FullFifoDrops) {
  EmulatedLink link(0, 16);
  EXPECT_EQ(link.capacity(), 16u);
  const LinkEmulationParams p = Params(1000);
  int full = 0;
  for (uint32_t i = 0; i < 20; ++i) {
    if (link.Offer(p, i, Fake(i), 64) == EmulationVerdict::kQueueFull) ++full;
  }
  EXPECT_EQ(full, 4);
  rte_mbuf* out[32];
  ASSERT_EQ(link.Release(UINT64_MAX - 1, out, 32), 16);
  for (uint32_t i = 0; i < 16; ++i) EXPECT_EQ(out[i], Fake(i));
}

TEST(DpLinkEmulation, KeepsOrderWhenTheDelayShrinks) {
  EmulatedLink link;
  ASSERT_EQ(link.Offer(Params(2000), 0, Fake(0), 64), EmulationVerdict::kQueued);
  ASSERT_EQ(link.Offer(Params(10), 1000, Fake(1), 64), EmulationVerdict::kQueued);
  rte_mbuf* out[4];
  EXPECT_EQ(link.Release(1'000'000, out, 4), 0);  // The second waits for the first.
  ASSERT_EQ(link.Release(2'000'000, out, 4), 2);
  EXPECT_EQ(out[0], Fake(0));
  EXPECT_EQ(out[1], Fake(1));
}

TEST(DpLinkEmulation, TakeAllEmptiesRegardlessOfTime) {
  EmulatedLink link;
  for (uint32_t i = 0; i < 40; ++i) link.Offer(Params(1'000'000), 0, Fake(i), 64);
  rte_mbuf* out[32];
  EXPECT_EQ(link.TakeAll(out, 32), 32);
  EXPECT_EQ(IndexOf(out[31]), 31u);
  EXPECT_EQ(link.TakeAll(out, 32), 8);
  EXPECT_TRUE(link.empty());
}

TEST(DpLinkEmulation, IdleSleepEndsByTheNextDeparture) {
  constexpr uint64_t kTscPerUs = 1000;
  EXPECT_EQ(SleepBeforeDeparture(1000, UINT64_MAX, 5, kTscPerUs), 1000u);  // Nothing held.
  EXPECT_EQ(SleepBeforeDeparture(1000, 5 + 300 * kTscPerUs, 5, kTscPerUs), 300u);
  EXPECT_EQ(SleepBeforeDeparture(1000, 5 + 300 * kTscPerUs + 999, 5, kTscPerUs), 300u);
  EXPECT_EQ(SleepBeforeDeparture(10, 5 + 300 * kTscPerUs, 5, kTscPerUs), 10u);
  EXPECT_EQ(SleepBeforeDeparture(1000, 5 + 999, 5, kTscPerUs), 0u);  // < 1 us: spin.
  EXPECT_EQ(SleepBeforeDeparture(1000, 5, 5, kTscPerUs), 0u);        // Due now.
  EXPECT_EQ(SleepBeforeDeparture(1000, 4, 5, kTscPerUs), 0u);        // Overdue.
}

// Offers n packets at one time step each and returns the verdicts.
std::vector<EmulationVerdict> Offers(EmulatedLink& link, const LinkEmulationParams& p, uint32_t n,
                                     uint64_t* now) {
  std::vector<EmulationVerdict> v;
  rte_mbuf* out[32];
  for (uint32_t i = 0; i < n; ++i, ++*now) {
    v.push_back(link.Offer(p, *now, Fake(i), 100));
    while (link.Release(*now, out, 32) != 0) {
    }
  }
  return v;
}

TEST(DpLinkEmulation, LossRatioHoldsForASeed) {
  for (double ratio : {0.01, 0.1, 0.5, 0.9}) {
    EmulatedLink link;
    uint64_t now = 0;
    const uint32_t n = 100'000;
    const std::vector<EmulationVerdict> v = Offers(link, Params(0, 0, ratio, 0, 42), n, &now);
    uint32_t lost = 0;
    for (EmulationVerdict x : v) lost += x == EmulationVerdict::kLost;
    // Binomial: within 6 standard deviations (a fixed seed: deterministic).
    const double mean = n * ratio, sd = std::sqrt(n * ratio * (1 - ratio));
    EXPECT_NEAR(lost, mean, 6 * sd) << "ratio " << ratio;
  }
  EmulatedLink all, none;
  uint64_t now = 0;
  for (EmulationVerdict x : Offers(all, Params(0, 0, 1.0, 0, 7), 1000, &now)) {
    EXPECT_EQ(x, EmulationVerdict::kLost);
  }
  for (EmulationVerdict x : Offers(none, Params(5, 0, 0.0, 0, 7), 1000, &now)) {
    EXPECT_EQ(x, EmulationVerdict::kQueued);
  }
}

TEST(DpLinkEmulation, LossIsDeterministicForASeed) {
  uint64_t t1 = 0, t2 = 0, t3 = 0, t4 = 0;
  EmulatedLink a(0), b(0), c(0), other_worker(1);
  const std::vector<EmulationVerdict> va = Offers(a, Params(0, 0, 0.3, 0, 99), 2000, &t1);
  EXPECT_EQ(va, Offers(b, Params(0, 0, 0.3, 0, 99), 2000, &t2));
  EXPECT_NE(va, Offers(c, Params(0, 0, 0.3, 0, 100), 2000, &t3));
  EXPECT_NE(va, Offers(other_worker, Params(0, 0, 0.3, 0, 99), 2000, &t4));
  // A new seed starts its sequence over, as on a fresh link.
  const std::vector<EmulationVerdict> again = Offers(a, Params(0, 0, 0.3, 0, 100), 2000, &t1);
  EmulatedLink fresh(0);
  uint64_t t5 = 0;
  EXPECT_EQ(again, Offers(fresh, Params(0, 0, 0.3, 0, 100), 2000, &t5));
  // Seed 0 derives one from the port: stable, and different per port.
  EXPECT_EQ(MakeLinkEmulationParams({0, 0, 0.3, 0, 0}, kHz, 3).seed, DefaultEmulationSeed(3));
  EXPECT_NE(DefaultEmulationSeed(3), DefaultEmulationSeed(4));
}

}  // namespace
}  // namespace cpn::dataplane
