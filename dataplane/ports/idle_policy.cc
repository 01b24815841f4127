#include "dataplane/ports/idle_policy.h"

#include <rte_cycles.h>

#include <algorithm>

namespace cpn::dataplane {
namespace {

void DefaultSleep(uint32_t us) { rte_delay_us_sleep(us); }

}  // namespace

AdaptiveIdle::AdaptiveIdle(const IdleConfig& config, SleepFn sleep)
    : config_{config.spin_polls, std::max<uint32_t>(config.min_sleep_us, 1),
              std::max(config.max_sleep_us, std::max<uint32_t>(config.min_sleep_us, 1))},
      sleep_(sleep != nullptr ? sleep : &DefaultSleep) {}

uint32_t AdaptiveIdle::NextSleepUs(uint32_t packets) {
  if (packets != 0) {
    empty_polls_ = 0;
    current_us_ = 0;
    return 0;
  }
  if (empty_polls_ < config_.spin_polls) {
    ++empty_polls_;
    return 0;
  }
  current_us_ =
      current_us_ == 0 ? config_.min_sleep_us : std::min(current_us_ * 2, config_.max_sleep_us);
  ++total_sleeps_;
  return current_us_;
}

}  // namespace cpn::dataplane
