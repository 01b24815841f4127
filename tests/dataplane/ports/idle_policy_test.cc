#include "dataplane/ports/idle_policy.h"

#include <vector>

#include "gtest/gtest.h"

namespace cpn::dataplane {
namespace {

std::vector<uint32_t> g_slept;
void RecordSleep(uint32_t us) { g_slept.push_back(us); }

TEST(DpIdle, SpinsThenBacksOffToTheCapAndResetsOnTraffic) {
  g_slept.clear();
  IdleConfig cfg;
  cfg.spin_polls = 3;
  cfg.min_sleep_us = 10;
  cfg.max_sleep_us = 1000;
  AdaptiveIdle idle(cfg, &RecordSleep);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(idle.OnPoll(0), 0u);  // K empty polls: spin.
  std::vector<uint32_t> want = {10, 20, 40, 80, 160, 320, 640, 1000, 1000};
  for (uint32_t w : want) EXPECT_EQ(idle.OnPoll(0), w);
  EXPECT_EQ(g_slept, want);
  EXPECT_EQ(idle.total_sleeps(), want.size());
  EXPECT_EQ(idle.OnPoll(5), 0u);  // Traffic: straight back to busy polling...
  for (int i = 0; i < 3; ++i) EXPECT_EQ(idle.OnPoll(0), 0u);  // ...with K spins again...
  EXPECT_EQ(idle.OnPoll(0), 10u);                             // ...and the backoff from the start.
}

TEST(DpIdle, NeverSleepsWhileBusy) {
  AdaptiveIdle idle({}, &RecordSleep);
  g_slept.clear();
  for (int i = 0; i < 100000; ++i) idle.OnPoll(i % 100 == 0 ? 0 : 32);
  EXPECT_TRUE(g_slept.empty());
}

TEST(DpIdle, RealSleepYieldsTheCore) {
  IdleConfig cfg;
  cfg.spin_polls = 0;
  cfg.min_sleep_us = 1000;
  AdaptiveIdle idle(cfg);  // Default sleep: nanosleep.
  EXPECT_EQ(idle.OnPoll(0), 1000u);
}

}  // namespace
}  // namespace cpn::dataplane
