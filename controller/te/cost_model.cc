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

void ErlangCDerivatives(uint32_t servers, double a, double* c_out, double* dc_out,
                        double* d2c_out) {
  const double c = servers;
  if (a <= 0) {
    *c_out = 0;
    *dc_out = servers == 1 ? 1.0 : 0.0;
    // C(2, a) = a²/(2 + a) for small a: second derivative 1 at 0.
    *d2c_out = servers == 2 ? 1.0 : 0.0;
    return;
  }
  const double b = ErlangB(servers, a);
  const double k = c / a - 1.0 + b;
  const double db = b * k;
  const double d2b = db * k + b * (-c / (a * a) + db);
  const double d = c - a + a * b;
  const double dd = -1.0 + b + a * db;
  const double d2d = 2 * db + a * d2b;
  const double num = db * d - b * dd;
  *c_out = c * b / d;
  *dc_out = c * num / (d * d);
  *d2c_out = c * ((d2b * d - b * d2d) * d - 2 * dd * num) / (d * d * d);
}

double ErlangCDerivative(uint32_t servers, double a) {
  double c, dc, d2c;
  ErlangCDerivatives(servers, a, &c, &dc, &d2c);
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
  w2_ = std::max(at.curvature, 0.0);
}

DelayValue MmcQueue::Exact(double lambda) const {
  const double a = lambda / mu_;
  double erlang_c, dc, d2c;
  ErlangCDerivatives(servers_, a, &erlang_c, &dc, &d2c);
  const double u = servers_ - a;  // > 0 here
  // W = 1000·C / (µ u), u = c − a; derivatives in a, then λ = µ·a:
  //   dW/da = (1000/µ) (C' u + C) / u²
  //   d²W/da² = (1000/µ) (C'' / u + 2 (C' u + C) / u³)
  const double n = dc * u + erlang_c;
  DelayValue v;
  v.value = 1000.0 * erlang_c / (mu_ * u);
  v.slope = 1000.0 / (mu_ * mu_) * n / (u * u);
  v.curvature = 1000.0 / (mu_ * mu_ * mu_) * (d2c / u + 2 * n / (u * u * u));
  return v;
}

DelayValue MmcQueue::Wait(double lambda) const {
  if (lambda < lambda0_) return Exact(std::max(lambda, 0.0));
  const double d = lambda - lambda0_;
  return DelayValue{w0_ + w1_ * d + 0.5 * w2_ * d * d, w1_ + w2_ * d, w2_};
}

DelayValue MmcQueue::Cost(double background_rps, double assigned_rps) const {
  const DelayValue w = Wait(background_rps + assigned_rps);
  return DelayValue{assigned_rps * (w.value + service_time_ms_),
                    w.value + service_time_ms_ + assigned_rps * w.slope,
                    2 * w.slope + assigned_rps * w.curvature};
}

DelayValue LinkQueueFactor(double u, double umax) {
  u = std::max(u, 0.0);
  if (u < umax) {
    const double r = 1.0 / (1.0 - u);
    return DelayValue{u * r, r * r, 2 * r * r * r};
  }
  const double r = 1.0 / (1.0 - umax);
  const double f0 = umax * r, f1 = r * r, f2 = 2 * r * r * r;
  const double d = u - umax;
  return DelayValue{f0 + f1 * d + 0.5 * f2 * d * d, f1 + f2 * d, f2};
}

double ArcQueueingMs(double bytes, double capacity_bps, double u, double umax) {
  return 8000.0 * bytes / capacity_bps * LinkQueueFactor(u, umax).value;
}

DelayValue ArcCost(double capacity_bps, double u0, double g, double umax) {
  const double k = 8.0 / capacity_bps;
  const DelayValue phi = LinkQueueFactor(u0 + k * g, umax);
  return DelayValue{1000.0 * k * g * phi.value, 1000.0 * k * (phi.value + k * g * phi.slope),
                    1000.0 * k * k * (2 * phi.slope + k * g * phi.curvature)};
}

double TransferMs(double bytes, uint64_t bottleneck_bps) {
  if (bottleneck_bps == UINT64_MAX || bottleneck_bps == 0) return 0;
  return 8000.0 * bytes / static_cast<double>(bottleneck_bps);
}

}  // namespace cpn::te
