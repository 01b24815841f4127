#include "lab/sim/site_agent.h"

#include <algorithm>
#include <cmath>

#include "absl/time/time.h"

namespace cpn::lab::sim {

SiteAgent::SiteAgent(double interval_s, double window_s) : interval_s_(interval_s) {
  const size_t n = std::max<size_t>(1, static_cast<size_t>(std::llround(window_s / interval_s)));
  ring_background_.assign(n, 0.0);
  ring_own_.assign(n, 0.0);
  ring_busy_.assign(n, 0.0);
}

SiteReport SiteAgent::Measure(SiteQueue& q, double t) {
  const double busy = q.BusySeconds(t) - busy_at_;
  busy_at_ += busy;
  const size_t slot = pos_ % ring_busy_.size();
  ring_background_[slot] = static_cast<double>(background_);
  ring_own_[slot] = static_cast<double>(own_);
  ring_busy_[slot] = busy;
  background_ = own_ = 0;
  const size_t filled = std::min(ring_busy_.size(), ++pos_);
  double bg = 0, own = 0, busy_sum = 0;
  for (size_t x = 0; x < filled; ++x) {
    bg += ring_background_[x];
    own += ring_own_[x];
    busy_sum += ring_busy_[x];
  }
  const double span = static_cast<double>(filled) * interval_s_;

  SiteReport r;
  te::PlacementMetrics pm;
  pm.measured_at = absl::UnixEpoch() + absl::Milliseconds(std::llround(t * 1000.0));
  pm.available_servers = q.up() ? q.servers() : 0;
  // CATS QUEUE_LENGTH: the requests waiting now; CPN's own arrival rate
  // over the window (the steered requests are recognisable at the site).
  pm.queue_length = q.up() ? static_cast<double>(q.waiting()) : 0.0;
  pm.own_rps = own / span;
  r.in_system = pm;
  r.in_system.busy_servers = q.up() ? busy_sum / span : 0.0;
  r.background = pm;
  r.background.background_rps = bg / span;
  r.load = q.up() ? (q.busy() + static_cast<double>(q.waiting())) / q.servers() : 1e9;
  return r;
}

}  // namespace cpn::lab::sim
