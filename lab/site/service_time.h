// ServiceTimeSampler: draws service times from a scenario's model
// (cpn.lab.v1.ServiceTimeModel), seeded, so a seed gives the same sequence.
// Not thread-safe: one owner draws (SiteServer under its mutex).
#ifndef CPN_LAB_SITE_SERVICE_TIME_H_
#define CPN_LAB_SITE_SERVICE_TIME_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cpn/lab/v1/scenario.pb.h"

namespace cpn::lab {

class ServiceTimeSampler {
 public:
  // `trace` holds the service times (ms) of a trace model, read by the
  // caller; ignored otherwise. INVALID_ARGUMENT for a model without a valid
  // parameter (as ValidateScenario checks).
  static absl::StatusOr<ServiceTimeSampler> Create(const cpn::lab::v1::ServiceTimeModel& model,
                                                   std::vector<double> trace, uint64_t seed);
  // The next service time, milliseconds, > 0.
  double NextMs();
  // The model's mean, milliseconds.
  double mean_ms() const { return mean_ms_; }
  // "exponential(mean 4 ms)" and the like.
  std::string Describe() const;

 private:
  ServiceTimeSampler(cpn::lab::v1::ServiceTimeModel model, std::vector<double> trace, uint64_t seed,
                     double mean_ms)
      : model_(std::move(model)), trace_(std::move(trace)), rng_(seed), mean_ms_(mean_ms) {}

  cpn::lab::v1::ServiceTimeModel model_;
  std::vector<double> trace_;
  size_t next_ = 0;  // trace position
  std::mt19937_64 rng_;
  double mean_ms_;
};

}  // namespace cpn::lab

namespace cpn::lab {

// Parses a command-line model: "exponential:MEAN_MS", "deterministic:MS",
// "lognormal:MEAN_MS,SIGMA" or "trace:FILE" (the file is read by the
// caller). INVALID_ARGUMENT names the spec.
absl::StatusOr<cpn::lab::v1::ServiceTimeModel> ParseServiceTimeSpec(const std::string& spec);

}  // namespace cpn::lab

#endif  // CPN_LAB_SITE_SERVICE_TIME_H_
