#include "controller/model/summary.h"

#include <string>

#include "controller/model/network_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/model/test_topologies.h"

namespace cpn::model {
namespace {

using ::testing::HasSubstr;
namespace tv1 = cpn::topology::v1;

// Four routers, five links (one-way delay in µs):
//
//        1000        2000
//    a -------- b -------- c
//    | \______________4000_/|
//    |                      | 1500
//    +---------5000-------- d
//
// Shortest distances by hand (µs):
//   a-b 1000   a-c 3000 (a-b-c)   a-d 4500 (a-b-c-d)
//   b-c 2000   b-d 3500 (b-c-d)   c-d 1500
// Diameter: a-d, 4.5 ms. Mean over the 6 pairs: 15500 / 6 = 2583.33 µs.
tv1::Topology Diamond() {
  return testing::ParseTopology(R"pb(
    name: "diamond"
    routers { id: "a" srv6_locator: "fcbb:0:1::/48" }
    routers { id: "b" srv6_locator: "fcbb:0:2::/48" }
    routers { id: "c" srv6_locator: "fcbb:0:3::/48" }
    routers { id: "d" srv6_locator: "fcbb:0:4::/48" }
    links {
      id: "a-b"
      a { router_id: "a" interface: "e1" }
      b { router_id: "b" interface: "e1" }
      propagation_delay_us: 1000
      capacity_bps: 10000000000
    }
    links {
      id: "b-c"
      a { router_id: "b" interface: "e2" }
      b { router_id: "c" interface: "e1" }
      propagation_delay_us: 2000
      capacity_bps: 10000000000
    }
    links {
      id: "c-d"
      a { router_id: "c" interface: "e2" }
      b { router_id: "d" interface: "e1" }
      propagation_delay_us: 1500
      capacity_bps: 40000000000
    }
    links {
      id: "a-d"
      a { router_id: "a" interface: "e2" }
      b { router_id: "d" interface: "e2" }
      propagation_delay_us: 5000
      capacity_bps: 100000000000
    }
    links {
      id: "a-c"
      a { router_id: "a" interface: "e3" }
      b { router_id: "c" interface: "e3" }
      propagation_delay_us: 4000
      capacity_bps: 1000000000
    }
    services { id: "llm" anycast_prefix: "2001:db8:cafe:1::/64" mean_service_time_ms: 10 }
    services { id: "tts" anycast_prefix: "2001:db8:cafe:2::/64" mean_service_time_ms: 10 }
    sites {
      id: "s1"
      attachment { router_id: "c" interface: "s" }
      capacities { service_id: "llm" servers: 8 }
    }
    sites {
      id: "s2"
      attachment { router_id: "d" interface: "s" }
      capacities { service_id: "llm" servers: 24 }
      capacities { service_id: "tts" servers: 2 }
    }
  )pb");
}

ModelSummary SummaryOf(const tv1::Topology& t) {
  absl::StatusOr<std::shared_ptr<const NetworkModel>> m = NetworkModel::Build(t);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? Summarize(**m) : ModelSummary();
}

TEST(ModelSummaryTest, CountsAndCapacity) {
  const ModelSummary s = SummaryOf(Diamond());
  EXPECT_EQ(s.name, "diamond");
  EXPECT_EQ(s.routers, 4u);
  EXPECT_EQ(s.links, 5u);
  EXPECT_EQ(s.sites, 2u);
  EXPECT_EQ(s.services, 2u);
  EXPECT_EQ(s.optical_nodes, 0u);
  // 10 + 10 + 40 + 100 + 1 Gbit/s, each link once.
  EXPECT_EQ(s.total_link_capacity_bps, 161000000000u);
  ASSERT_EQ(s.compute.size(), 2u);
  EXPECT_EQ(s.compute[0].service_id, "llm");
  EXPECT_EQ(s.compute[0].servers, 32u);
  EXPECT_EQ(s.compute[0].sites, 2u);
  EXPECT_EQ(s.compute[1].servers, 2u);
  EXPECT_EQ(s.compute[1].sites, 1u);
}

TEST(ModelSummaryTest, DiameterAndMeanLatencyMatchTheHandComputation) {
  const ModelSummary s = SummaryOf(Diamond());
  EXPECT_EQ(s.connected_components, 1u);
  EXPECT_DOUBLE_EQ(s.diameter_ms, 4.5);
  EXPECT_EQ(s.diameter_from, "a");
  EXPECT_EQ(s.diameter_to, "d");
  EXPECT_NEAR(s.mean_path_latency_ms, 15.5 / 6, 1e-9);
  EXPECT_EQ(s.unreachable_pairs, 0u);
}

TEST(ModelSummaryTest, DownLinksAreLeftOutOfLatencies) {
  // Without b-c: a-c 4000 (direct), b-c 5000 (b-a-c), b-d 6000 (b-a-d),
  // a-d 5000, c-d 1500, a-b 1000. Diameter b-d, 6 ms.
  tv1::Topology t = Diamond();
  t.mutable_links(1)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  const ModelSummary s = SummaryOf(t);
  EXPECT_EQ(s.links_out_of_service, 1u);
  EXPECT_DOUBLE_EQ(s.diameter_ms, 6.0);
  EXPECT_EQ(s.diameter_from, "b");
  EXPECT_EQ(s.diameter_to, "d");
  EXPECT_NEAR(s.mean_path_latency_ms, (1000 + 4000 + 5000 + 5000 + 6000 + 1500) / 6.0 / 1000, 1e-9);
}

TEST(ModelSummaryTest, CountsComponentsAndUnreachablePairs) {
  // Cut d off: a-d and c-d down. Components {a, b, c} and {d}.
  tv1::Topology t = Diamond();
  t.mutable_links(2)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  t.mutable_links(3)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  const ModelSummary s = SummaryOf(t);
  EXPECT_EQ(s.connected_components, 2u);
  EXPECT_EQ(s.unreachable_pairs, 6u);  // d to/from each of a, b, c
  // Left: a-b 1000, b-c 2000, a-c 3000 (a-b-c beats the direct 4000).
  EXPECT_DOUBLE_EQ(s.diameter_ms, 3.0);
  EXPECT_EQ(s.diameter_from, "a");
  EXPECT_EQ(s.diameter_to, "c");

  // A down router is not counted in components or pairs.
  t.mutable_routers(3)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  const ModelSummary without_d = SummaryOf(t);
  EXPECT_EQ(without_d.connected_components, 1u);
  EXPECT_EQ(without_d.unreachable_pairs, 0u);
  EXPECT_EQ(without_d.routers_down, 1u);
}

TEST(ModelSummaryTest, FormatsAlignedRowsWithUnits) {
  const std::string text = FormatSummary(SummaryOf(Diamond()));
  EXPECT_THAT(text, HasSubstr("Network               diamond\n"));
  EXPECT_THAT(text, HasSubstr("Routers               4\n"));
  EXPECT_THAT(text,
              HasSubstr("Link capacity         161.00 Gbit/s (sum of links, one direction)\n"));
  EXPECT_THAT(text, HasSubstr("Diameter              4.500 ms (a -> d, one-way)\n"));
  EXPECT_THAT(text, HasSubstr("Mean path latency     2.583 ms (one-way)\n"));
  EXPECT_THAT(text, HasSubstr("Servers per service\n  llm       32 servers at 2 sites\n"
                              "  tts        2 servers at 1 site\n"));
}

TEST(ModelSummaryTest, EmptyNetworkHasNoDiameter) {
  const ModelSummary s = SummaryOf(tv1::Topology());
  EXPECT_EQ(s.connected_components, 0u);
  EXPECT_EQ(s.diameter_ms, 0);
  EXPECT_THAT(FormatSummary(s), HasSubstr("Diameter              n/a (no two routers connect)"));
}

TEST(ModelSummaryTest, SummarizesTheFullFixtureWithItsOpticalLayer) {
  const ModelSummary s = SummaryOf(testing::FullTopology());
  EXPECT_EQ(s.optical_nodes, 4u);
  EXPECT_EQ(s.fibers, 4u);
  EXPECT_EQ(s.lightpaths, 3u);
  EXPECT_EQ(s.links_out_of_service, 1u);  // sh--cd is down
  // Derived SRLGs of the 4 fibres plus operator 10, 11, 500.
  EXPECT_EQ(s.srlgs, 7u);
  // bj -> cd: bj-gz-cd = 9800 + 6500 (bj-sh-gz-cd = 5400 + 6000 + 6500).
  EXPECT_DOUBLE_EQ(s.diameter_ms, 16.3);
  EXPECT_EQ(s.diameter_from, "bj");
  EXPECT_EQ(s.diameter_to, "cd");
}

}  // namespace
}  // namespace cpn::model
