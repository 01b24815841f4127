// DemandEstimator: the controller's estimate of one ingress's request rate
// from its counters, as the ingestion layer would make it. A long
// exponential average (time constant long_tau_s) keeps Poisson noise out
// of the decisions; a short one (short_tau_s) watches for real changes: when
// it departs from the long one by more than `jump_z` standard deviations of
// the Poisson noise expected over the short window, the long estimate jumps
// to the short one (a change point: a flash crowd is seen in seconds).
//
// Value type; pure.
#ifndef CPN_LAB_SIM_DEMAND_ESTIMATOR_H_
#define CPN_LAB_SIM_DEMAND_ESTIMATOR_H_

#include <cstdint>

namespace cpn::lab::sim {

struct DemandEstimatorOptions {
  double long_tau_s = 30;
  double short_tau_s = 2;
  double jump_z = 4;
};

class DemandEstimator {
 public:
  DemandEstimator(double initial_rps, const DemandEstimatorOptions& options)
      : options_(options), long_(initial_rps), short_(initial_rps) {}

  // `count` arrivals over the last `dt_s` seconds; returns the estimate.
  double Update(uint64_t count, double dt_s);
  double rate() const { return long_; }
  uint64_t jumps() const { return jumps_; }

 private:
  DemandEstimatorOptions options_;
  double long_;
  double short_;
  uint64_t jumps_ = 0;
};

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_DEMAND_ESTIMATOR_H_
