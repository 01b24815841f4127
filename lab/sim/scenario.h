// Scenarios: the named experiments of the simulator (steady, flash-crowd,
// site-failure, link-failure, metrics-delay, herding) as plain parameters
// with sensible defaults; every field can be overridden by the caller.
//
// Value types and pure functions.
#ifndef CPN_LAB_SIM_SCENARIO_H_
#define CPN_LAB_SIM_SCENARIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cpn::lab::sim {

struct Scenario {
  std::string name = "steady";
  uint64_t seed = 1;
  // Requests arriving in [warmup_s, duration_s) are measured; arrivals stop
  // at duration_s and the run drains (at most drain_s more).
  double duration_s = 600;
  double warmup_s = 120;
  double drain_s = 600;

  // Load: overall offered load (background + CPN demand) as a share of the
  // total capacity of the service's sites; background_share of it is local
  // background work at the sites (spread in proportion to capacity).
  double target_load = 0.65;
  double background_share = 0.2;
  // Mean background utilisation of links.
  double link_background = 0.3;
  // Ingress weights: routers with a site attached weigh hot_ingress_weight,
  // the others 1 (demand concentrates where people are); uniform: all 1.
  double hot_ingress_weight = 4;
  bool uniform_ingress = false;
  // Client connections: each ingress has this many; an arrival uses a
  // random one, which lives for an exponential time of this mean (a new
  // connection is a new flow).
  int clients_per_ingress = 16;
  double connection_lifetime_s = 10;

  // Control loop: epoch, site and link reporting, report delay (one way to
  // the controller), failure detection delay.
  double epoch_s = 1;
  double report_interval_s = 1;
  // Site agents report rates and means over this window (a rate counter,
  // as Prometheus rate()). The controller measures each ingress's demand
  // from its counters (DemandEstimator): an exponential average of time
  // constant demand_window_s that jumps when one over demand_short_s
  // departs from it by more than demand_jump_z Poisson deviations.
  double report_window_s = 30;
  double demand_window_s = 30;
  double demand_short_s = 2;
  double demand_jump_z = 4;
  double metric_delay_s = 0.5;
  double detect_delay_s = 1;
  // A request sent to a dead site or over a dead link is retried from the
  // ingress after this timeout.
  double retry_timeout_s = 1;

  // Flash crowd: arrivals at the ingresses within flash_radius_ms one-way
  // delay of flash_center (a router id; empty: the router of the busiest
  // ingress) multiplied by flash_factor for flash_duration_s.
  double flash_start_s = -1;
  double flash_duration_s = 60;
  double flash_factor = 5;
  std::string flash_center;
  double flash_radius_ms = 3;

  // Failures (negative time: none). Empty ids pick defaults: the site with
  // the most servers (ties: first), the first link on the shortest path
  // from the busiest ingress to that site.
  double site_fail_at_s = -1;
  double site_recover_at_s = -1;
  std::string site_fail_id;
  double link_fail_at_s = -1;
  double link_recover_at_s = -1;
  std::string link_fail_id;

  // Sampling of utilisation and weights for the report; utilisation
  // figures (max, time above 90 %, imbalance) use averages over
  // util_window_s (a 16-server site's 5 s utilisation is mostly noise).
  double sample_s = 5;
  double util_window_s = 30;
  // A (demand, site) weight move of 0.05 or more that reverses the previous
  // such move within this time counts as an oscillation (metrics.h).
  double oscillation_window_s = 10;
};

// The named scenarios, in report order.
std::vector<std::string> ScenarioNames();

// The scenario `name` with its defaults; INVALID_ARGUMENT listing the known
// names for an unknown one.
absl::StatusOr<Scenario> NamedScenario(const std::string& name);

// Checks ranges (times, shares, counts); INVALID_ARGUMENT naming the field.
absl::Status ValidateScenario(const Scenario& s);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_SCENARIO_H_
