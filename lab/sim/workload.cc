#include "lab/sim/workload.h"

#include <algorithm>
#include <cmath>

namespace cpn::lab::sim {

std::vector<double> NormalizeToMeanOne(const std::vector<double>& values) {
  std::vector<double> out;
  out.reserve(values.size());
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v) || v < 0) continue;
    out.push_back(v);
    sum += v;
  }
  if (out.empty() || sum <= 0) return {};
  const double scale = static_cast<double>(out.size()) / sum;
  for (double& v : out) v *= scale;
  return out;
}

ArrivalProcess::ArrivalProcess(const std::vector<double>* gaps, uint64_t seed)
    : gaps_(gaps), rng_(seed) {
  if (gaps_ != nullptr && !gaps_->empty()) {
    pos_ = std::uniform_int_distribution<size_t>(0, gaps_->size() - 1)(rng_);
  }
}

double ArrivalProcess::NextGap(double rate) {
  if (gaps_ == nullptr || gaps_->empty()) {
    return std::exponential_distribution<double>(rate)(rng_);
  }
  const double g = (*gaps_)[pos_];
  pos_ = (pos_ + 1) % gaps_->size();
  return g / rate;
}

ServiceSampler::ServiceSampler(const std::vector<double>* factors, uint64_t seed)
    : factors_(factors), rng_(seed) {}

double ServiceSampler::Next(double mean_s) {
  if (factors_ == nullptr || factors_->empty()) {
    return std::exponential_distribution<double>(1.0 / mean_s)(rng_);
  }
  const size_t i = std::uniform_int_distribution<size_t>(0, factors_->size() - 1)(rng_);
  return (*factors_)[i] * mean_s;
}

double SeriesAt(const LoadSeries& series, size_t offset, double t) {
  if (series.values.empty() || series.step_s <= 0) return 1.0;
  const size_t k = static_cast<size_t>(std::max(0.0, t) / series.step_s);
  return series.values[(k + offset) % series.values.size()];
}

}  // namespace cpn::lab::sim
