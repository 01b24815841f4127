#include "lab/sim/demand_estimator.h"

#include <algorithm>
#include <cmath>

namespace cpn::lab::sim {

double DemandEstimator::Update(uint64_t count, double dt_s) {
  if (!(dt_s > 0)) return long_;
  const double inst = static_cast<double>(count) / dt_s;
  long_ += (1 - std::exp(-dt_s / options_.long_tau_s)) * (inst - long_);
  short_ += (1 - std::exp(-dt_s / options_.short_tau_s)) * (inst - short_);
  // An EWMA of Poisson counts with time constant τ has variance ≈ λ / (2τ).
  const double sigma = std::sqrt(std::max(long_, 0.1) / (2 * options_.short_tau_s));
  if (std::abs(short_ - long_) > options_.jump_z * sigma) {
    long_ = short_;
    ++jumps_;
  }
  return long_;
}

}  // namespace cpn::lab::sim
