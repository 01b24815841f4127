// Small networks and scenarios for the simulator tests.
#ifndef CPN_TESTS_LAB_SIM_TEST_UTIL_H_
#define CPN_TESTS_LAB_SIM_TEST_UTIL_H_

#include <memory>

#include "controller/model/network_model.h"
#include "lab/sim/scenario.h"

namespace cpn::lab::sim::testing {

// One router with one site of `servers` servers of service "svc" (service
// time `service_ms`): the single-site queue, no network.
std::shared_ptr<const model::NetworkModel> OneSite(uint32_t servers, double service_ms);

// Six ingress routers around a hub; two sites of 8 servers (service time
// 1000 ms) at routers "west" and "east", each 5 ms from the hub (and the
// ingresses 1..3 ms from it).
std::shared_ptr<const model::NetworkModel> TwoSites();

// A short scenario on these networks: no background, no link load, quick
// warmup.
Scenario Short(const std::string& name, double duration_s);

}  // namespace cpn::lab::sim::testing

#endif  // CPN_TESTS_LAB_SIM_TEST_UTIL_H_
