// Adaptive polling for worker loops, so several dataplanes share two cores.
//
// A worker calls OnPoll(packets) after each rx poll. While traffic flows it
// never sleeps. After `spin_polls` empty polls in a row it sleeps
// min_sleep_us, doubling on every further empty poll up to max_sleep_us
// (~1 ms: a 1 ms nap costs at most ~1 ms of extra latency to the first
// packet of a burst and keeps an idle dataplane near 0% CPU). Any packet
// resets it to busy polling.
//
// Threading: one AdaptiveIdle per worker; not shared.
#ifndef CPN_DATAPLANE_PORTS_IDLE_POLICY_H_
#define CPN_DATAPLANE_PORTS_IDLE_POLICY_H_

#include <cstdint>

namespace cpn::dataplane {

struct IdleConfig {
  uint32_t spin_polls = 256;  // K: empty polls before the first sleep.
  uint32_t min_sleep_us = 10;
  uint32_t max_sleep_us = 1000;
};

class AdaptiveIdle {
 public:
  using SleepFn = void (*)(uint32_t us);

  // `sleep` defaults to rte_delay_us_sleep (nanosleep: yields the core).
  explicit AdaptiveIdle(const IdleConfig& config = {}, SleepFn sleep = nullptr);

  // Pure state update: how long to sleep after a poll that found `packets`.
  uint32_t NextSleepUs(uint32_t packets);

  // NextSleepUs, then sleeps that long. Returns the microseconds slept.
  uint32_t OnPoll(uint32_t packets) {
    const uint32_t us = NextSleepUs(packets);
    if (us != 0) sleep_(us);
    return us;
  }

  uint64_t total_sleeps() const { return total_sleeps_; }

 private:
  const IdleConfig config_;
  const SleepFn sleep_;
  uint32_t empty_polls_ = 0;
  uint32_t current_us_ = 0;
  uint64_t total_sleeps_ = 0;
};

}  // namespace cpn::dataplane

#endif  // CPN_DATAPLANE_PORTS_IDLE_POLICY_H_
