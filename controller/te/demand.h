// Demand: the traffic of one service entering the network at one ingress
// router, the unit the joint decision assigns to (site, path) candidates.
//
// Value types and pure functions; safe from any thread. Indices refer to one
// NetworkModel snapshot.
#ifndef CPN_CONTROLLER_TE_DEMAND_H_
#define CPN_CONTROLLER_TE_DEMAND_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

#include "absl/status/status.h"
#include "controller/model/index.h"
#include "controller/model/network_model.h"

namespace cpn::te {

// Where a demand's rate comes from (values as cpn.controller.v1.DemandSource).
enum class DemandSource : uint8_t {
  kConfigured = 1,  // set by an operator
  kMeasured = 2,    // from the ingress dataplane's counters
};

// Identifies a demand within one snapshot.
struct DemandKey {
  model::RouterIndex ingress;
  model::ServiceIndex service;

  friend auto operator<=>(const DemandKey&, const DemandKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const DemandKey& k) {
    return H::combine(std::move(h), k.ingress, k.service);
  }
};

struct Demand {
  model::RouterIndex ingress;
  model::ServiceIndex service;
  // Request rate λ, requests per second; >= 0 and finite.
  double requests_per_second = 0;
  // Mean bytes per request (ingress -> site) and per response (site ->
  // ingress); unset: the service's mean_request_bytes / mean_response_bytes.
  std::optional<double> request_bytes;
  std::optional<double> response_bytes;
  DemandSource source = DemandSource::kConfigured;

  DemandKey key() const { return DemandKey{ingress, service}; }
};

// The request and response sizes a demand uses (its own, else its
// service's). The indices must be valid for `model`.
double RequestBytes(const model::NetworkModel& model, const Demand& demand);
double ResponseBytes(const model::NetworkModel& model, const Demand& demand);

// Checks demands against a snapshot: indices in range, rate and sizes >= 0
// and finite, no two demands with the same key. INVALID_ARGUMENT naming the
// first offending demand (by position and ids).
absl::Status ValidateDemands(const model::NetworkModel& model, std::span<const Demand> demands);

}  // namespace cpn::te

#endif  // CPN_CONTROLLER_TE_DEMAND_H_
