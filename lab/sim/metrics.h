// What one simulation run measured, and the summary numbers of the report:
// completion times, latency-bound violations, site utilisation over time,
// link load, decision churn and oscillation, flows moved while their site
// lived.
//
// Value types and pure functions.
#ifndef CPN_LAB_SIM_METRICS_H_
#define CPN_LAB_SIM_METRICS_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cpn::lab::sim {

// A span of the run when something happened (for the charts).
struct EventSpan {
  std::string label;
  double from_s = 0;
  double to_s = 0;
};

struct RunResult {
  std::string policy;
  std::string scenario;
  std::string topology;
  // Completion time (ms) of every measured request, in completion order.
  std::vector<double> completion_ms;
  // The same less the request's service time: what steering changes
  // (network, transfer, waiting for a server, retries).
  std::vector<double> excess_ms;
  uint64_t requests = 0;    // measured requests (arrived in the window)
  uint64_t unfinished = 0;  // measured requests not done when the run ended
                            // (not in the percentiles; in violation_share)
  uint64_t violations = 0;  // completion above the service's latency bound
  uint64_t retries = 0;     // requests sent again: lost with their site, or sent
                            // to a dead site or over a dead link
  uint64_t moved_live = 0;  // requests of a flow sent to another site while
                            // the flow's previous site lived
  uint64_t repicked = 0;    // flows re-picked because their site or path died
  double latency_bound_ms = 0;

  // Sampled every sample_s: time, per-site utilisation (busy share of the
  // servers over the sample), per-site queue length at the sample, the
  // focus ingress's weight per site.
  std::vector<std::string> site_ids;
  std::vector<double> sample_t;
  std::vector<std::vector<double>> site_util;   // [sample][site]; < 0 while down
  std::vector<std::vector<double>> site_queue;  // [sample][site]
  std::string focus_ingress;
  std::vector<std::vector<double>> focus_weights;  // [sample][site]
  double sample_s = 0;
  double util_window_s = 0;
  double warmup_s = 0;
  double duration_s = 0;
  std::vector<EventSpan> events;

  // Links: the highest utilisation of any arc in any sample after warmup,
  // and arc-seconds at or above capacity.
  double max_link_util = 0;
  double link_overload_s = 0;

  // Decisions, per epoch after warmup: churn = share of the demand whose
  // new flows were redirected (½ Σ |Δw| weighted by rate).
  std::vector<double> churn;
  uint64_t flips = 0;         // reversals of a (demand, site) weight (WeightTracker)
  uint64_t oscillations = 0;  // large reversals within the oscillation window
};

struct Summary {
  double mean_ms = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0;
  double excess_mean_ms = 0, excess_p99_ms = 0;
  double violation_share = 0;
  // Over util_window_s averages of the samples:
  double max_site_util = 0;    // highest utilisation of any site
  double time_above_90_s = 0;  // site-seconds above 90 %
  double imbalance_s = 0;      // seconds with a site > 95 % while another < 70 %
  double mean_churn = 0, max_churn = 0;
};

// Percentile (0..100) of unsorted values by linear interpolation; 0 when empty.
double Percentile(std::vector<double> values, double pct);

// The summary of a run (samples before warmup or after duration ignored).
Summary Summarize(const RunResult& r);

// Counts direction reversals of weights across epochs. A weight moves when
// it differs from its last recorded value by at least `epsilon` (the value
// is then recorded); a reversal is a move against the weight's previous
// move, and counts only when it comes within `window_s` of that move.
class ReversalCounter {
 public:
  ReversalCounter(double epsilon, double window_s) : eps_(epsilon), window_s_(window_s) {}
  // The weights this epoch (a fixed layout); reversals count only when
  // `count`.
  void Observe(double now_s, const std::vector<double>& weights, bool count);
  uint64_t reversals() const { return reversals_; }

 private:
  double eps_;
  double window_s_;
  std::vector<double> ref_;
  std::vector<int8_t> dir_;
  std::vector<double> at_;
  uint64_t reversals_ = 0;
};

// The simulator's two counts over the (demand, site) weights: flips (any
// reversal of a move of 0.01 or more, at any distance in time) and
// oscillations (a move of 0.05 or more — a twentieth of the demand's new
// flows — reversing the previous such move within `window_s`).
class WeightTracker {
 public:
  explicit WeightTracker(double window_s)
      : flips_(0.01, std::numeric_limits<double>::infinity()), oscillations_(0.05, window_s) {}
  void Observe(double now_s, const std::vector<double>& weights, bool count) {
    flips_.Observe(now_s, weights, count);
    oscillations_.Observe(now_s, weights, count);
  }
  uint64_t flips() const { return flips_.reversals(); }
  uint64_t oscillations() const { return oscillations_.reversals(); }

 private:
  ReversalCounter flips_;
  ReversalCounter oscillations_;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_METRICS_H_
