// Workload: what drives a simulation apart from the network — the shape of
// the request arrival process, the distribution of compute cost per
// request, and the background load of sites and links over time. Either
// from real traces (parsed by trace_io.h) or synthetic (Poisson arrivals,
// exponential service, constant background).
//
// Every series here is normalised to mean 1; the scenario scales it. Value
// types and pure functions; single-threaded use per simulation.
#ifndef CPN_LAB_SIM_WORKLOAD_H_
#define CPN_LAB_SIM_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace cpn::lab::sim {

// A load series over time: mean 1, one value per step (empty: constant 1).
struct LoadSeries {
  std::string source;  // where it came from, for the report
  std::vector<double> values;
  double step_s = 30;
};

struct Workload {
  // Inter-arrival gaps of a real arrival process, mean 1 (empty: Poisson).
  std::vector<double> arrival_gaps;
  // Per-request compute cost, mean 1 (empty: exponential).
  std::vector<double> service_factors;
  // Site background load over time, from one or more data centres' series
  // (empty: constant). Site i reads series i mod n, from its own offset.
  std::vector<LoadSeries> site_backgrounds;
  // Link background load over time (no values: constant).
  LoadSeries link_background;
  // Relative request volume per ingress router id, from a traffic matrix
  // (traffic_matrix.h); empty: the scenario's hub weighting. Routers it
  // lacks send nothing.
  std::map<std::string, double> ingress_volume;
  std::string ingress_volume_source;
  // Where the data came from, for the report.
  std::string description = "synthetic: Poisson arrivals, exponential service";
};

// Scales `values` (all >= 0, some > 0) to mean 1; drops non-finite and
// negative values.
std::vector<double> NormalizeToMeanOne(const std::vector<double>& values);

// Arrival process of one stream: the workload's gaps (cycled from a seeded
// random start, so streams differ) rescaled to `rate`, or Poisson.
class ArrivalProcess {
 public:
  ArrivalProcess(const std::vector<double>* gaps, uint64_t seed);
  // The gap to the next arrival at `rate` requests per second (> 0).
  double NextGap(double rate);

 private:
  const std::vector<double>* gaps_;
  std::mt19937_64 rng_;
  size_t pos_ = 0;
};

// Service-time sampler: bootstrap from the workload's factors, or
// exponential; times in seconds for a mean of `mean_s`.
class ServiceSampler {
 public:
  ServiceSampler(const std::vector<double>* factors, uint64_t seed);
  double Next(double mean_s);

 private:
  const std::vector<double>* factors_;
  std::mt19937_64 rng_;
};

// The value of a mean-1 series at time t for a stream shifted by `offset`
// steps (1 when the series is empty); piecewise constant.
double SeriesAt(const LoadSeries& series, size_t offset, double t);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_WORKLOAD_H_
