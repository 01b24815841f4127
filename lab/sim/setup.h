// SimSetup: everything about a simulation that follows from the network,
// the scenario and the workload but not from the policy — sites of the
// service, ingresses and their demand, the flash-crowd region, the failure
// schedule. Built once and shared by the runs of every policy, so that they
// see identical input.
//
// Value types and pure functions.
#ifndef CPN_LAB_SIM_SETUP_H_
#define CPN_LAB_SIM_SETUP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/model/network_model.h"
#include "lab/sim/scenario.h"
#include "lab/sim/workload.h"

namespace cpn::lab::sim {

struct SimSite {
  std::string id;
  model::PlacementIndex placement;
  model::SiteIndex site;
  model::RouterIndex router;
  uint32_t servers = 0;
  double mean_service_s = 0;
  // Mean background arrivals, requests per second.
  double background_rps = 0;
  size_t background_offset = 0;  // where the site reads the background series
};

struct SimIngress {
  std::string id;
  model::RouterIndex router;
  double weight = 1;
  double rate = 0;  // mean CPN requests per second
  bool flash_region = false;
};

struct TopologyChange {
  double at_s = 0;
  bool site = false;   // a site (else a link)
  uint32_t index = 0;  // SiteIndex or LinkIndex
  bool down = true;
  std::string what;  // "site horinger down"
};

struct SimSetup {
  Scenario scenario;
  const Workload* workload = nullptr;
  std::shared_ptr<const model::NetworkModel> model;
  model::ServiceIndex service;
  double latency_bound_ms = 0;
  double request_bytes = 0;
  double response_bytes = 0;
  std::vector<SimSite> sites;  // in placement order
  std::vector<SimIngress> ingresses;
  double capacity_rps = 0;
  double demand_rps = 0;  // sum of the ingresses' rates
  std::string flash_center;
  double flash_region_rps = 0;                // base rate of the region's ingresses
  size_t focus_ingress = 0;                   // the flash centre, else the busiest ingress
  std::vector<TopologyChange> changes;        // ascending time
  std::vector<size_t> arc_background_offset;  // per arc
};

// Resolves the scenario on the network: `service_id` empty takes the first
// service. Errors (INVALID_ARGUMENT / NOT_FOUND) name the scenario field or
// the entity: no service, no site hosting it, unknown flash centre, failed
// site or link, no ingress that reaches a site.
absl::StatusOr<SimSetup> BuildSetup(std::shared_ptr<const model::NetworkModel> model,
                                    const Scenario& scenario, const Workload* workload,
                                    const std::string& service_id = "");

// One-way shortest propagation delays (ms) from `source` over in-service
// arcs; infinity where unreachable. pred_arc (optional): the arc into each
// router on the shortest-path tree, -1 for none.
std::vector<double> OneWayDelaysMs(const model::NetworkModel& model, model::RouterIndex source,
                                   std::vector<int64_t>* pred_arc = nullptr);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_SETUP_H_
