// cpn-dataplane's /metrics rendering of a counters snapshot: the series an
// operator queries, with their labels, and promtool's approval.
#include "dataplane/telemetry/prometheus_counters.h"

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/common/telemetry/promtool.h"

namespace cpn::dataplane {
namespace {

namespace tv1 = cpn::telemetry::v1;

tv1::CountersSnapshot Sample() {
  tv1::CountersSnapshot s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    dataplane_id: "shanghai"
    boot_id: 77
    installed_version: 12
    ports { port_id: 1 name: "access" oper_state: OPER_STATE_UP rx_packets: 1000 rx_bytes: 64000
            tx_packets: 10 tx_bytes: 640 speed_bps: 10000000000 }
    ports { port_id: 2 name: "core\"1" oper_state: OPER_STATE_DOWN tx_dropped: 3 }
    drops { reason: DROP_REASON_NO_ROUTE packets: 5 }
    drops { reason: DROP_REASON_MALFORMED_SRH packets: 2 }
    steering_rules { rule_id: 10 packets: 900 bytes: 72000 new_flows: 300 repicked_flows: 4
                     not_steered_packets: 1 rerouted_flows: 6 }
    policies { policy_id: 1 packets: 600 bytes: 48000 new_flows: 200 }
    policies { policy_id: 2 packets: 300 bytes: 24000 new_flows: 100 }
    local_sids { sid: "fcbb:bb00:1::1" packets: 7 bytes: 700 }
    affinity { entries: 300 capacity: 262144 insertions: 304 evictions: 0 }
    workers { worker_id: 0 lcore_id: 1 busy_ratio: 0.25 packets: 1000 empty_polls: 50 }
  )pb", &s));
  return s;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(DataplanePrometheusTest, EveryCounterGroupIsExposedWithItsLabels) {
  absl::StatusOr<std::string> text = RenderDataplaneMetrics(Sample());
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string& t = *text;
  EXPECT_TRUE(Has(t, "cpn_dataplane_info{dataplane_id=\"shanghai\"} 1")) << t;
  EXPECT_TRUE(Has(t, "cpn_dataplane_boot_id 77"));
  EXPECT_TRUE(Has(t, "cpn_dataplane_installed_version 12"));
  EXPECT_TRUE(Has(t, "cpn_port_up{port_id=\"1\",port=\"access\"} 1"));
  EXPECT_TRUE(Has(t, "cpn_port_up{port_id=\"2\",port=\"core\\\"1\"} 0"));
  EXPECT_TRUE(Has(t, "cpn_port_rx_packets_total{port_id=\"1\",port=\"access\"} 1000"));
  EXPECT_TRUE(Has(t, "cpn_port_tx_dropped_total{port_id=\"2\",port=\"core\\\"1\"} 3"));
  EXPECT_TRUE(Has(t, "cpn_port_speed_bytes_per_second{port_id=\"1\",port=\"access\"} 1250000000"));
  EXPECT_TRUE(Has(t, "cpn_drops_total{reason=\"no_route\"} 5"));
  EXPECT_TRUE(Has(t, "cpn_drops_total{reason=\"malformed_srh\"} 2"));
  EXPECT_TRUE(Has(t, "cpn_steering_rule_new_flows_total{rule_id=\"10\"} 300"));
  EXPECT_TRUE(Has(t, "cpn_steering_rule_repicked_flows_total{rule_id=\"10\"} 4"));
  EXPECT_TRUE(Has(t, "cpn_steering_rule_rerouted_flows_total{rule_id=\"10\"} 6"));
  EXPECT_TRUE(Has(t, "cpn_policy_packets_total{policy_id=\"2\"} 300"));
  EXPECT_TRUE(Has(t, "cpn_local_sid_packets_total{sid=\"fcbb:bb00:1::1\"} 7"));
  EXPECT_TRUE(Has(t, "cpn_affinity_entries 300"));
  EXPECT_TRUE(Has(t, "cpn_affinity_capacity 262144"));
  EXPECT_TRUE(Has(t, "cpn_worker_busy_ratio{worker=\"0\",lcore=\"1\"} 0.25"));
  std::string complaint;
  EXPECT_TRUE(cpn::telemetry::testing::PromtoolAccepts(t, &complaint)) << complaint << "\n" << t;
}

TEST(DataplanePrometheusTest, AnEmptyDataplaneIsStillAValidPage) {
  tv1::CountersSnapshot s;
  s.set_dataplane_id("idle");
  absl::StatusOr<std::string> text = RenderDataplaneMetrics(s);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->find("cpn_port_"), std::string::npos);
  std::string complaint;
  EXPECT_TRUE(cpn::telemetry::testing::PromtoolAccepts(*text, &complaint)) << complaint;
}

}  // namespace
}  // namespace cpn::dataplane
