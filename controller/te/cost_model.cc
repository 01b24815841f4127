#include "controller/te/cost_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cpn::te {

double ErlangB(uint32_t servers, double a) {
  if (a <= 0) return servers == 0 ? 1.0 : 0.0;
  double b = 1.0;
  for (uint32_t k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  return b;
}

double ErlangC(uint32_t servers, double a) {
  if (servers == 0) return 1.0;
  if (a >= servers) return 1.0;
  if (a <= 0) return 0.0;
  const double b = ErlangB(servers, a);
  const double c = servers;
  return c * b / (c - a + a * b);
}

namespace {

// C and dC/da together (one Erlang B recursion).
void ErlangCAndDerivative(uint32_t servers, double a, double* c_out, double* dc_out) {
  const double c = servers;
  if (a <= 0) {
    *c_out = 0;
    *dc_out = servers == 1 ? 1.0 : 0.0;
    return;
  }
  const double b = ErlangB(servers, a);
  const double db = b * (c / a - 1.0 + b);
  const double d = c - a + a * b;
  const double dd = -1.0 + b + a * db;
  *c_out = c * b / d;
  *dc_out = c * (db * d - b * dd) / (d * d);
}

}  // namespace

double ErlangCDerivative(uint32_t servers, double a) {
  double c, dc;
  ErlangCAndDerivative(servers, a, &c, &dc);
  return dc;
}

MmcQueue::MmcQueue(uint32_t servers, double service_time_ms, double max_utilization)
    : servers_(servers), service_time_ms_(service_time_ms) {
  mu_ = 1000.0 / service_time_ms;
  capacity_rps_ = servers * mu_;
  lambda0_ = max_utilization * capacity_rps_;
  const DelayValue at = Exact(lambda0_);
  w0_ = at.value;
  w1_ = at.slope;
  // Second derivative by a central difference of the exact slope; the exact
  // formula is valid up to capacity, so both points are well defined.
  const double h = 1e-4 * (capacity_rps_ - lambda0_);
  w2_ = (Exact(lambda0_ + h).slope - Exact(lambda0_ - h).slope) / (2 * h);
  w2_ = std::max(w2_, 0.0);
}

DelayValue MmcQueue::Exact(double lambda) const {
  const double a = lambda / mu_;
  const double c = servers_;
  double erlang_c, d_erlang_c;
  ErlangCAndDerivative(servers_, a, &erlang_c, &d_erlang_c);
  const double gap = c - a;  // > 0 here
  // W = 1000·C / (µ (c − a)); dW/dλ = (1/µ) dW/da.
  DelayValue v;
  v.value = 1000.0 * erlang_c / (mu_ * gap);
  v.slope = 1000.0 / (mu_ * mu_) * (d_erlang_c * gap + erlang_c) / (gap * gap);
  return v;
}

DelayValue MmcQueue::Wait(double lambda) const {
  if (lambda < lambda0_) return Exact(std::max(lambda, 0.0));
  const double d = lambda - lambda0_;
  return DelayValue{w0_ + w1_ * d + 0.5 * w2_ * d * d, w1_ + w2_ * d};
}

DelayValue MmcQueue::Cost(double background_rps, double assigned_rps) const {
  const DelayValue w = Wait(background_rps + assigned_rps);
  return DelayValue{assigned_rps * (w.value + service_time_ms_),
                    w.value + service_time_ms_ + assigned_rps * w.slope};
}

DelayValue LinkQueueFactor(double u, double umax) {
  u = std::max(u, 0.0);
  if (u < umax) {
    const double r = 1.0 / (1.0 - u);
    return DelayValue{u * r, r * r};
  }
  const double r = 1.0 / (1.0 - umax);
  const double f0 = umax * r, f1 = r * r, f2 = 2 * r * r * r;
  const double d = u - umax;
  return DelayValue{f0 + f1 * d + 0.5 * f2 * d * d, f1 + f2 * d};
}

double ArcQueueingMs(double bytes, double capacity_bps, double u, double umax) {
  return 8000.0 * bytes / capacity_bps * LinkQueueFactor(u, umax).value;
}

DelayValue ArcCost(double capacity_bps, double u0, double g, double umax) {
  const double k = 8.0 / capacity_bps;
  const DelayValue phi = LinkQueueFactor(u0 + k * g, umax);
  return DelayValue{1000.0 * k * g * phi.value, 1000.0 * k * (phi.value + k * g * phi.slope)};
}

double TransferMs(double bytes, uint64_t bottleneck_bps) {
  if (bottleneck_bps == UINT64_MAX || bottleneck_bps == 0) return 0;
  return 8000.0 * bytes / static_cast<double>(bottleneck_bps);
}

}  // namespace cpn::te
