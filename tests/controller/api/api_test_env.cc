#include "tests/controller/api/api_test_env.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/api/proto_time.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace cpn::api::testing {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;
namespace compute = cpn::compute::v1;

tv1::Topology TestTopology() {
  tv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "apinet"
        routers { id: "in" srv6_locator: "fcbb:bb00:1::/48" roles: ROUTER_ROLE_INGRESS }
        routers { id: "core" srv6_locator: "fcbb:bb00:2::/48" roles: ROUTER_ROLE_CORE }
        routers { id: "east" srv6_locator: "fcbb:bb00:3::/48" roles: ROUTER_ROLE_SITE_GATEWAY }
        routers {
          id: "west"
          srv6_locator: "fcbb:bb00:4::/48"
          roles: ROUTER_ROLE_SITE_GATEWAY
          roles: ROUTER_ROLE_INGRESS
        }
        links {
          id: "in--core"
          a { router_id: "in" interface: "eth1" }
          b { router_id: "core" interface: "eth1" }
          propagation_delay_us: 1000
          capacity_bps: 10000000000
        }
        links {
          id: "core--east"
          a { router_id: "core" interface: "eth2" }
          b { router_id: "east" interface: "eth1" }
          propagation_delay_us: 2000
          capacity_bps: 10000000000
        }
        links {
          id: "core--west"
          a { router_id: "core" interface: "eth3" }
          b { router_id: "west" interface: "eth1" }
          propagation_delay_us: 5000
          capacity_bps: 10000000000
        }
        links {
          id: "in--west"
          a { router_id: "in" interface: "eth2" }
          b { router_id: "west" interface: "eth2" }
          propagation_delay_us: 9000
          capacity_bps: 10000000000
        }
        services {
          id: "llm"
          anycast_prefix: "2001:db8:cafe::/64"
          mean_request_bytes: 1000
          mean_response_bytes: 10000
          mean_service_time_ms: 50
        }
        sites {
          id: "east"
          attachment {
            router_id: "east"
            interface: "site0"
            next_hop_ipv6: "2001:db8:5:1::2"
            site_prefixes: "2001:db8:5:1::/64"
          }
          capacities { service_id: "llm" servers: 8 }
        }
        sites {
          id: "west"
          attachment {
            router_id: "west"
            interface: "site0"
            next_hop_ipv6: "2001:db8:5:2::2"
            site_prefixes: "2001:db8:5:2::/64"
          }
          capacities { service_id: "llm" servers: 8 }
        }
      )pb",
      &t));
  return t;
}

ControllerServerOptions TestOptions(absl::Duration epoch) {
  ControllerServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.loop.epoch_interval = epoch;
  o.controller_id = "test-controller";
  return o;
}

TestController StartController(ControllerServerOptions options, tv1::Topology topology,
                               std::unique_ptr<DecisionEngine> engine, const Clock* clock) {
  TestController c;
  if (engine == nullptr) {
    auto fake = std::make_unique<cpn::testing::FakeDecisionEngine>();
    c.fake = fake.get();
    engine = std::move(fake);
  }
  absl::StatusOr<std::unique_ptr<ControllerServer>> server =
      ControllerServer::Start(options, std::move(topology), std::move(engine), clock);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return c;
  c.server = *std::move(server);
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", c.server->port()),
                                     grpc::InsecureChannelCredentials());
  c.stub = cv1::ControllerService::NewStub(channel);
  return c;
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return ctx;
}

cv1::GetTopologyResponse GetTopology(cv1::ControllerService::Stub& stub) {
  cv1::GetTopologyResponse r;
  grpc::Status s = stub.GetTopology(Ctx().get(), cv1::GetTopologyRequest(), &r);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return r;
}

compute::ComputeMetrics Report(const std::string& site, const std::string& service, double busy,
                               double servers, uint64_t sequence, absl::Time measured_at) {
  compute::ComputeMetrics m;
  m.set_site_id(site);
  m.set_service_id(service);
  m.set_sequence(sequence);
  m.set_reporter_id("test-agent");
  *m.mutable_measured_at() = ToProtoTime(measured_at);
  compute::L0Metric* b = m.add_l0();
  b->set_type(compute::METRIC_TYPE_BUSY_SERVERS);
  b->set_unit(compute::METRIC_UNIT_COUNT);
  b->set_value(busy);
  compute::L0Metric* a = m.add_l0();
  a->set_type(compute::METRIC_TYPE_AVAILABLE_SERVERS);
  a->set_unit(compute::METRIC_UNIT_COUNT);
  a->set_value(servers);
  return m;
}

void SolveNow(cv1::ControllerService::Stub& stub) {
  cv1::SolveNowResponse r;
  grpc::Status s = stub.SolveNow(Ctx().get(), cv1::SolveNowRequest(), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

}  // namespace cpn::api::testing
