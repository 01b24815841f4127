#include "lab/site/service_time.h"

#include <cmath>
#include <cstdlib>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cpn::lab {

absl::StatusOr<ServiceTimeSampler> ServiceTimeSampler::Create(
    const cpn::lab::v1::ServiceTimeModel& model, std::vector<double> trace, uint64_t seed) {
  namespace v1 = cpn::lab::v1;
  double mean = 0;
  switch (model.model_case()) {
    case v1::ServiceTimeModel::kExponential:
      mean = model.exponential().mean_ms();
      break;
    case v1::ServiceTimeModel::kDeterministic:
      mean = model.deterministic().time_ms();
      break;
    case v1::ServiceTimeModel::kLognormal:
      mean = model.lognormal().mean_ms();
      if (!(model.lognormal().sigma() > 0 && std::isfinite(model.lognormal().sigma())))
        return absl::InvalidArgumentError("lognormal service time: sigma must be > 0");
      break;
    case v1::ServiceTimeModel::kTrace:
      if (trace.empty())
        return absl::InvalidArgumentError("trace service time: the trace is empty");
      for (double t : trace)
        if (!(t > 0 && std::isfinite(t)))
          return absl::InvalidArgumentError("trace service time: every time must be > 0 ms");
      mean = std::accumulate(trace.begin(), trace.end(), 0.0) / static_cast<double>(trace.size());
      break;
    case v1::ServiceTimeModel::MODEL_NOT_SET:
      return absl::InvalidArgumentError("no service-time model");
  }
  if (!(mean > 0 && std::isfinite(mean)))
    return absl::InvalidArgumentError("service time: the mean must be > 0 ms");
  return ServiceTimeSampler(model, std::move(trace), seed, mean);
}

double ServiceTimeSampler::NextMs() {
  namespace v1 = cpn::lab::v1;
  switch (model_.model_case()) {
    case v1::ServiceTimeModel::kExponential:
      return std::exponential_distribution<double>(1.0 / mean_ms_)(rng_);
    case v1::ServiceTimeModel::kLognormal: {
      // E[exp(N(mu, s^2))] = exp(mu + s^2/2): choose mu for the mean.
      const double s = model_.lognormal().sigma();
      const double mu = std::log(mean_ms_) - s * s / 2;
      return std::lognormal_distribution<double>(mu, s)(rng_);
    }
    case v1::ServiceTimeModel::kTrace: {
      const double t = trace_[next_];
      next_ = (next_ + 1) % trace_.size();
      return t;
    }
    default:
      return mean_ms_;  // deterministic
  }
}

std::string ServiceTimeSampler::Describe() const {
  namespace v1 = cpn::lab::v1;
  switch (model_.model_case()) {
    case v1::ServiceTimeModel::kExponential:
      return absl::StrCat("exponential(mean ", mean_ms_, " ms)");
    case v1::ServiceTimeModel::kLognormal:
      return absl::StrCat("lognormal(mean ", mean_ms_, " ms, sigma ", model_.lognormal().sigma(),
                          ")");
    case v1::ServiceTimeModel::kTrace:
      return absl::StrCat("trace(", trace_.size(), " times, mean ", mean_ms_, " ms)");
    default:
      return absl::StrCat("deterministic(", mean_ms_, " ms)");
  }
}

}  // namespace cpn::lab

namespace cpn::lab {

absl::StatusOr<cpn::lab::v1::ServiceTimeModel> ParseServiceTimeSpec(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("service time \"", spec, "\": ", why,
                     " (expected exponential:MEAN_MS, deterministic:MS, lognormal:MEAN_MS,SIGMA or "
                     "trace:FILE)"));
  };
  auto number = [](const std::string& text, double* out) {
    char* end = nullptr;
    *out = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size() && std::isfinite(*out) && *out > 0;
  };
  cpn::lab::v1::ServiceTimeModel m;
  double a = 0, b = 0;
  if (kind == "exponential") {
    if (!number(arg, &a)) return bad("the mean must be a number > 0");
    m.mutable_exponential()->set_mean_ms(a);
  } else if (kind == "deterministic") {
    if (!number(arg, &a)) return bad("the time must be a number > 0");
    m.mutable_deterministic()->set_time_ms(a);
  } else if (kind == "lognormal") {
    const size_t comma = arg.find(',');
    if (comma == std::string::npos || !number(arg.substr(0, comma), &a) ||
        !number(arg.substr(comma + 1), &b)) {
      return bad("mean and sigma must be numbers > 0");
    }
    m.mutable_lognormal()->set_mean_ms(a);
    m.mutable_lognormal()->set_sigma(b);
  } else if (kind == "trace") {
    if (arg.empty()) return bad("no file");
    m.mutable_trace()->set_path(arg);
  } else {
    return bad("unknown model");
  }
  return m;
}

}  // namespace cpn::lab
