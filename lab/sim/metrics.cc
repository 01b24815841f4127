#include "lab/sim/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace cpn::lab::sim {

double Percentile(std::vector<double> values, double pct) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(pct, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - static_cast<double>(lo));
}

namespace {

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

}  // namespace

Summary Summarize(const RunResult& r) {
  Summary s;
  const std::vector<double>& c = r.completion_ms;
  if (!c.empty()) {
    s.mean_ms = Mean(c);
    s.p50_ms = Percentile(c, 50);
    s.p95_ms = Percentile(c, 95);
    s.p99_ms = Percentile(c, 99);
  }
  if (!r.excess_ms.empty()) {
    s.excess_mean_ms = Mean(r.excess_ms);
    s.excess_p99_ms = Percentile(r.excess_ms, 99);
  }
  if (r.requests > 0) {
    s.violation_share =
        static_cast<double>(r.violations + r.unfinished) / static_cast<double>(r.requests);
  }
  // Utilisation averaged over util_window_s (windows with a down sample
  // of a site skip that site).
  const size_t k = std::max<size_t>(
      1, static_cast<size_t>(std::llround(r.util_window_s / std::max(1e-9, r.sample_s))));
  for (size_t i = 0; i < r.sample_t.size(); ++i) {
    const double t = r.sample_t[i];
    if (t <= r.warmup_s || t > r.duration_s || i + 1 < k) continue;
    double hi = -1, lo = 2;
    for (size_t j = 0; j < r.site_ids.size(); ++j) {
      double sum = 0;
      bool down = false;
      for (size_t x = i + 1 - k; x <= i; ++x) {
        down = down || r.site_util[x][j] < 0;
        sum += r.site_util[x][j];
      }
      if (down) continue;
      const double u = sum / static_cast<double>(k);
      s.max_site_util = std::max(s.max_site_util, u);
      if (u > 0.9) s.time_above_90_s += r.sample_s;
      hi = std::max(hi, u);
      lo = std::min(lo, u);
    }
    if (hi > 0.95 && lo < 0.70) s.imbalance_s += r.sample_s;
  }
  s.mean_churn = Mean(r.churn);
  for (double x : r.churn) s.max_churn = std::max(s.max_churn, x);
  return s;
}

void ReversalCounter::Observe(double now_s, const std::vector<double>& w, bool count) {
  if (ref_.size() != w.size()) {
    ref_ = w;
    dir_.assign(w.size(), 0);
    at_.assign(w.size(), -std::numeric_limits<double>::infinity());
    return;
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const double delta = w[i] - ref_[i];
    if (std::abs(delta) < eps_) continue;
    const int8_t dir = delta > 0 ? 1 : -1;
    if (count && dir_[i] != 0 && dir != dir_[i] && now_s - at_[i] <= window_s_) ++reversals_;
    dir_[i] = dir;
    at_[i] = now_s;
    ref_[i] = w[i];
  }
}

}  // namespace cpn::lab::sim
