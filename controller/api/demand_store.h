// DemandStore: the demands (ingress router, service) the decisions are made
// for — configured by operators (SetDemand) or measured from dataplane
// counters — with a configured rate overriding the measured one until it is
// deleted.
//
// Threads: every method from any thread; one mutex guards the table, held
// only for the duration of one call (never across I/O or a solve).
#ifndef CPN_CONTROLLER_API_DEMAND_STORE_H_
#define CPN_CONTROLLER_API_DEMAND_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/api/clock.h"
#include "controller/model/network_model.h"
#include "cpn/controller/v1/demand.pb.h"

namespace cpn::api {

class DemandStore {
 public:
  // `clock` must outlive the store.
  explicit DemandStore(const Clock* clock) : clock_(clock) {}

  DemandStore(const DemandStore&) = delete;
  DemandStore& operator=(const DemandStore&) = delete;

  // Configures a demand. INVALID_ARGUMENT naming the field for an unknown
  // router or service (in `model`), a router without ROUTER_ROLE_INGRESS, a
  // negative or non-finite rate or size, or source MEASURED.
  absl::StatusOr<cpn::controller::v1::Demand> Set(const cpn::controller::v1::Demand& demand,
                                                  const model::NetworkModel& model);
  // Removes a configured demand and returns the one now in effect (the
  // measured rate, or 0). NOT_FOUND when none is configured for the key.
  absl::StatusOr<cpn::controller::v1::Demand> Delete(const cpn::controller::v1::DemandKey& key);

  // Records a measured rate (from the ingress dataplane's counters).
  void SetMeasured(const cpn::controller::v1::DemandKey& key, double requests_per_second,
                   double bytes_per_request, absl::Time measured_at);

  // Demands matching the filter, ordered by ingress router then service.
  std::vector<cpn::controller::v1::Demand> List(
      const cpn::controller::v1::ListDemandsRequest& filter) const;

  // The demands in effect for `model`: one per key whose router and service
  // exist, the configured rate over the measured one; ordered by key.
  std::vector<cpn::controller::v1::Demand> Effective(const model::NetworkModel& model) const;

  // The demand in effect for a key, if any.
  std::optional<cpn::controller::v1::Demand> Find(const cpn::controller::v1::DemandKey& key) const;

  // Drops configured demands whose router or service `model` no longer has
  // (a deleted router or service takes its demands with it).
  void Prune(const model::NetworkModel& model);

  // Number of demands held (configured or measured).
  size_t size() const;
  // Changes with every Set, Delete, SetMeasured and effective Prune.
  uint64_t version() const;

 private:
  using Key = std::pair<std::string, std::string>;  // (ingress, service)
  struct Measured {
    double requests_per_second = 0;
    double bytes_per_request = 0;
    absl::Time at;
  };
  struct Entry {
    std::optional<cpn::controller::v1::Demand> configured;
    std::optional<Measured> measured;
  };
  static cpn::controller::v1::Demand InEffect(const Key& key, const Entry& entry);

  const Clock* clock_;
  mutable absl::Mutex mu_;
  std::map<Key, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_DEMAND_STORE_H_
