// Checking a parsed scenario and resolving it into what the lab runs: the
// network the controller is given (kept routers, links with their emulated
// delay and rate, the scenario's sites and services) and each link's
// emulation. Pure: no I/O (scenario_file.h reads files); callable from any
// thread.
#ifndef CPN_LAB_SCENARIO_SCENARIO_VALIDATE_H_
#define CPN_LAB_SCENARIO_SCENARIO_VALIDATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cpn/lab/v1/scenario.pb.h"
#include "cpn/topology/v1/topology.pb.h"
#include "lab/scenario/scenario_text.h"

namespace cpn::lab {

// How one link is emulated, both directions alike.
struct LinkEmulation {
  std::string id;
  std::string a;  // router ids
  std::string b;
  double delay_ms = 0;      // one way
  double rate_mbps = 0;     // each direction
  double loss_percent = 0;  // 0 <= loss < 100
};

struct ResolvedScenario {
  // As written (after validation).
  cpn::lab::v1::Scenario scenario;
  // What the controller loads: the kept routers (client routers gain the
  // INGRESS role, site routers SITE_GATEWAY), every kept or added link with
  // propagation delay and capacity equal to its emulation, the scenario's
  // sites and the services. Passes cpn::model::NetworkModel::Build.
  cpn::topology::v1::Topology topology;
  // One entry per link of `topology`, in the same order.
  std::vector<LinkEmulation> links;
};

// What the scenario's files hold, read by the caller (scenario_file.h).
struct ScenarioInputs {
  // The topology network.topology_file names; nullptr when the network is
  // inline.
  const cpn::topology::v1::Topology* file_topology = nullptr;
  // Mean of each service-time trace, ms, by the path written in the
  // scenario; a trace not listed gets 0 (the service's mean applies).
  std::map<std::string, double> trace_means_ms;
};

// Validates `parsed` and resolves it. On error returns INVALID_ARGUMENT with every problem found,
// one a line, each "<file>:<line>:<column>: <field path>: <what>", e.g.
//   demo.txtpb:41:5: sites[1].router: site "guian": unknown router "guiyan"
// (position of the nearest written field).
absl::StatusOr<ResolvedScenario> ValidateScenario(const ParsedScenario& parsed,
                                                  const ScenarioInputs& inputs);

// Adds a controller restart at `at_s`, down for `down_s`, to a validated
// scenario as if the file had it (cpn-lab run --controller-restart-at).
// INVALID_ARGUMENT when it falls outside the run, the controller would not
// be back before the end, or it overlaps another restart.
absl::Status AddControllerRestart(ResolvedScenario& scenario, double at_s, double down_s = 0);

// The mean of a service-time model in milliseconds; 0 for a trace (its mean
// is known only once the file is read).
double ModelMeanMs(const cpn::lab::v1::ServiceTimeModel& model);

// A seed for one entity of a scenario (a site's service, a client) derived
// from the scenario's seed: entities draw different sequences, each the same
// from run to run and build to build (FNV-1a, not std::hash).
uint64_t DeriveSeed(uint64_t seed, const std::string& kind, const std::string& id);

}  // namespace cpn::lab

#endif  // CPN_LAB_SCENARIO_SCENARIO_VALIDATE_H_
