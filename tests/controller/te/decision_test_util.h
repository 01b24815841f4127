// Small networks, demands and candidates for the joint-decision tests and
// benchmark.
#ifndef CPN_TESTS_CONTROLLER_TE_DECISION_TEST_UTIL_H_
#define CPN_TESTS_CONTROLLER_TE_DECISION_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/model/network_model.h"
#include "controller/te/candidates.h"
#include "controller/te/decision.h"
#include "controller/te/demand.h"
#include "controller/te/metric_state.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::te::testing {

// Builds a Topology programmatically; ids are used as given.
class NetBuilder {
 public:
  NetBuilder& Router(const std::string& id);
  NetBuilder& Link(const std::string& a, const std::string& b, uint64_t delay_us,
                   uint64_t capacity_bps = 10'000'000'000);
  NetBuilder& Service(const std::string& id, double service_time_ms, uint64_t request_bytes = 1000,
                      uint64_t response_bytes = 1000, double latency_bound_ms = 0);
  struct Capacity {
    std::string service_id;
    uint32_t servers = 1;
    double service_time_ms = 0;  // 0: the service's
    double static_weight = 0;    // 0: derived
  };
  NetBuilder& Site(const std::string& id, const std::string& router,
                   std::vector<Capacity> capacities);
  cpn::topology::v1::Topology& topology() { return topo_; }
  // Builds the snapshot; fails the test on an invalid topology.
  std::shared_ptr<const model::NetworkModel> Build() const;

 private:
  cpn::topology::v1::Topology topo_;
  int interfaces_ = 0;
};

// One demand by ids.
Demand MakeDemand(const model::NetworkModel& m, const std::string& ingress,
                  const std::string& service, double rps);

// Candidates from the path cache with k paths per (ingress, site router).
CandidateSet CacheCandidates(const std::shared_ptr<const model::NetworkModel>& m,
                             const std::vector<Demand>& demands, int k = 1);

// Inputs for an engine from parts.
DecisionInputs MakeInputs(std::shared_ptr<const model::NetworkModel> m, std::vector<Demand> demands,
                          CandidateSet candidates, MetricState metrics,
                          absl::Time now = absl::FromUnixSeconds(1000), uint64_t epoch = 1);

// Fresh metrics (measured at `now`) giving every placement `background`
// utilisation of its capacity.
MetricState FreshMetrics(const model::NetworkModel& m, absl::Time now, double background = 0.0);

// The weight vector of a set, flattened in candidate order.
std::vector<double> Weights(const DecisionSet& set);
std::vector<double> Targets(const DecisionSet& set);

// A synthetic network for benchmarks: `routers` routers on a random
// geometric-ish graph (ring plus random chords, seeded), `sites` sites at
// random routers, `services` services each hosted at `sites_per_service`
// sites, every router an ingress of every service until `demands` demands.
struct SyntheticNetwork {
  std::shared_ptr<const model::NetworkModel> model;
  std::vector<Demand> demands;
};
SyntheticNetwork MakeSyntheticNetwork(int routers, int sites, int services, int sites_per_service,
                                      int demands, uint64_t seed);

// Sites, services and demands on an existing (e.g. imported) topology.
SyntheticNetwork AddComputeAndDemands(cpn::topology::v1::Topology topo, int sites, int services,
                                      int sites_per_service, int demands, uint64_t seed);

}  // namespace cpn::te::testing

#endif  // CPN_TESTS_CONTROLLER_TE_DECISION_TEST_UTIL_H_
