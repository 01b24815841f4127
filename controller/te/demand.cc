#include "controller/te/demand.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cpn::te {

double RequestBytes(const model::NetworkModel& model, const Demand& demand) {
  if (demand.request_bytes.has_value()) return *demand.request_bytes;
  return static_cast<double>(model.service(demand.service).mean_request_bytes);
}

double ResponseBytes(const model::NetworkModel& model, const Demand& demand) {
  if (demand.response_bytes.has_value()) return *demand.response_bytes;
  return static_cast<double>(model.service(demand.service).mean_response_bytes);
}

namespace {

std::string Describe(const model::NetworkModel& model, size_t i, const Demand& d) {
  const bool router_ok = d.ingress.valid() && d.ingress.value() < model.num_routers();
  const bool service_ok = d.service.valid() && d.service.value() < model.services().size();
  return absl::StrFormat("demand #%d (ingress %s, service %s)", i,
                         router_ok ? "\"" + model.router(d.ingress).id + "\""
                                   : absl::StrFormat("index %d", d.ingress.value()),
                         service_ok ? "\"" + model.service(d.service).id + "\""
                                    : absl::StrFormat("index %d", d.service.value()));
}

bool NonNegativeFinite(double v) { return std::isfinite(v) && v >= 0; }

}  // namespace

absl::Status ValidateDemands(const model::NetworkModel& model, std::span<const Demand> demands) {
  absl::flat_hash_map<DemandKey, size_t> seen;
  seen.reserve(demands.size());
  for (size_t i = 0; i < demands.size(); ++i) {
    const Demand& d = demands[i];
    if (!d.ingress.valid() || d.ingress.value() >= model.num_routers()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(model, i, d), ": ingress is not a router of the model"));
    }
    if (!d.service.valid() || d.service.value() >= model.services().size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Describe(model, i, d), ": service is not a service of the model"));
    }
    if (!NonNegativeFinite(d.requests_per_second)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: requests_per_second %g must be >= 0 and finite",
                          Describe(model, i, d), d.requests_per_second));
    }
    if (d.request_bytes && !NonNegativeFinite(*d.request_bytes)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: request_bytes %g must be >= 0 and finite", Describe(model, i, d), *d.request_bytes));
    }
    if (d.response_bytes && !NonNegativeFinite(*d.response_bytes)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: response_bytes %g must be >= 0 and finite", Describe(model, i, d),
                          *d.response_bytes));
    }
    auto [it, inserted] = seen.emplace(d.key(), i);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: same ingress and service as demand #%d", Describe(model, i, d), it->second));
    }
  }
  return absl::OkStatus();
}

}  // namespace cpn::te
