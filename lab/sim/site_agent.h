// SiteAgent: what a site's metrics agent measures and reports, over a
// sliding window of report intervals (a rate counter, as Prometheus
// rate()): the arrival rate of background (non-CPN) work, CPN's own arrival
// rate, the mean busy servers; plus, at the report, the waiting requests
// (queue length).
//
// Value type; single-threaded (the simulation's).
#ifndef CPN_LAB_SIM_SITE_AGENT_H_
#define CPN_LAB_SIM_SITE_AGENT_H_

#include <cstdint>
#include <vector>

#include "controller/te/metric_state.h"
#include "lab/sim/site_queue.h"

namespace cpn::lab::sim {

struct SiteReport {
  // Both forms carry the available servers, the requests waiting at the
  // report (te queue_length, CATS QUEUE_LENGTH) and CPN's own arrival rate
  // over the window (own_rps). The load as the background arrival rate
  // (te background_rps) ...
  te::PlacementMetrics background;
  // ... or as the mean busy servers over the window (te busy_servers, CATS
  // BUSY_SERVERS): the L0 values the controller's ingestion converts
  // (api::ToPlacementMetrics).
  te::PlacementMetrics in_system;
  // (busy + waiting) / servers now: what a simple CATS agent advertises
  // (huge while the site is down).
  double load = 0;
};

class SiteAgent {
 public:
  // Reports every `interval_s` over the last `window_s` (rounded to whole
  // intervals, at least one).
  SiteAgent(double interval_s, double window_s);

  void CountBackground() { ++background_; }
  void CountOwn() { ++own_; }
  // Closes the interval ending at `t` and reports.
  SiteReport Measure(SiteQueue& queue, double t);

 private:
  double interval_s_;
  std::vector<double> ring_background_, ring_own_, ring_busy_;
  size_t pos_ = 0;
  uint64_t background_ = 0, own_ = 0;
  double busy_at_ = 0;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_SITE_AGENT_H_
