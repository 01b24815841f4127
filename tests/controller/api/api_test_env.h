// Shared setup of the northbound API tests: a small network, a controller
// serving it on an ephemeral localhost port, and a client stub over a real
// gRPC channel.
#ifndef CPN_TESTS_CONTROLLER_API_API_TEST_ENV_H_
#define CPN_TESTS_CONTROLLER_API_API_TEST_ENV_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "controller/api/controller_server.h"
#include "cpn/controller/v1/controller.grpc.pb.h"
#include "cpn/topology/v1/topology.pb.h"
#include "tests/mocks/fake_decision_engine.h"

namespace cpn::api::testing {

// The network of the API tests (one-way delays):
//
//   in --1ms-- core --2ms-- east    site "east": 8 servers of "llm"
//   in --9ms-- west                 site "west": 8 servers of "llm"
//   core --5ms-- west
//
// Routers "in" and "west" have ROUTER_ROLE_INGRESS; "east" and "west"
// ROUTER_ROLE_SITE_GATEWAY. Service "llm": 2001:db8:cafe::/64, 50 ms per
// request.
cpn::topology::v1::Topology TestTopology();

// Options for a test controller: localhost, ephemeral port, the given epoch
// (default: long, so that only triggers and SolveNow run the loop).
ControllerServerOptions TestOptions(absl::Duration epoch = absl::Hours(1));

struct TestController {
  std::unique_ptr<ControllerServer> server;
  std::unique_ptr<cpn::controller::v1::ControllerService::Stub> stub;
  // The engine when it is the fake (else null); owned by the server.
  cpn::testing::FakeDecisionEngine* fake = nullptr;
};

// Starts a controller (the fake engine when `engine` is null) and connects
// a stub to it. Fails the test (and returns an empty server) on error.
TestController StartController(ControllerServerOptions options = TestOptions(),
                               cpn::topology::v1::Topology topology = TestTopology(),
                               std::unique_ptr<DecisionEngine> engine = nullptr,
                               const Clock* clock = nullptr);

// A context with a 10 s deadline.
std::unique_ptr<grpc::ClientContext> Ctx();

// GetTopology over the stub (topology and generation).
cpn::controller::v1::GetTopologyResponse GetTopology(
    cpn::controller::v1::ControllerService::Stub& stub);

// A compute report for (site, service) with BUSY_SERVERS and
// AVAILABLE_SERVERS, measured at `measured_at`.
cpn::compute::v1::ComputeMetrics Report(const std::string& site, const std::string& service,
                                        double busy, double servers, uint64_t sequence,
                                        absl::Time measured_at);

// SolveNow over the stub; fails the test on error.
void SolveNow(cpn::controller::v1::ControllerService::Stub& stub);

}  // namespace cpn::api::testing

#endif  // CPN_TESTS_CONTROLLER_API_API_TEST_ENV_H_
