// cpn-controller's /metrics rendering: decisions by basis, solver figures,
// site load and metric staleness, link load and southbound sessions — and
// promtool's approval.
#include "controller/telemetry/controller_metrics.h"

#include <string>

#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/common/telemetry/promtool.h"

namespace cpn::controller_telemetry {
namespace {

namespace cv1 = cpn::controller::v1;
using google::protobuf::TextFormat;

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(ControllerMetricsTest, DecisionsSitesLinksAndSessionsAreExposed) {
  api::DecisionSet set;
  set.epoch = 42;
  set.model_generation = 3;
  ASSERT_TRUE(TextFormat::ParseFromString(
      R"pb(solve_duration { nanos: 2500000 } iterations: 7 relative_gap: 0.0001
           objective_value: 48000.5)pb",
      &set.solver));
  for (cv1::DecisionBasis b : {cv1::DECISION_BASIS_OPTIMIZED, cv1::DECISION_BASIS_DAMPED,
                               cv1::DECISION_BASIS_DAMPED}) {
    api::DecisionRecord r;
    r.decision.set_basis(b);
    set.records.push_back(r);
  }
  cv1::SiteState site;
  ASSERT_TRUE(TextFormat::ParseFromString(
      R"pb(site_id: "horinger" service_id: "llm-inference" freshness: METRICS_FRESHNESS_STALE
           age { seconds: 3 } servers: 48 utilization: 0.7 assigned_rate_rps: 5
           background_rate_rps: 3.5 expected_wait_ms: 12)pb",
      &site));
  set.site_states.push_back(site);
  cv1::LinkState link;
  ASSERT_TRUE(TextFormat::ParseFromString(
      R"pb(link_id: "shanghai-beijing"
           a_to_b { utilization: 0.5 planned_rate_bps: 8000 queueing_delay_ms: 1 }
           b_to_a { utilization: 0.1 })pb",
      &link));
  set.link_states.push_back(link);

  ControllerMetricsInput in;
  in.controller_id = "ctl-a";
  in.decisions = &set;
  in.changed_decisions = 2;
  in.now = absl::FromUnixSeconds(1000);
  cv1::DataplaneSession session;
  ASSERT_TRUE(TextFormat::ParseFromString(
      R"pb(router_id: "shanghai" state: SESSION_STATE_PRIMARY installed_version: 9
           desired_version: 10 pending_updates: 4 last_write_at { seconds: 998 })pb",
      &session));
  in.sessions.push_back(session);
  in.write_stats["shanghai"] = {12, 0.25, 0.125};

  absl::StatusOr<std::string> text = RenderControllerMetrics(in);
  ASSERT_TRUE(text.ok()) << text.status();
  const std::string& t = *text;
  EXPECT_TRUE(Has(t, "cpn_southbound_writes_total{router=\"shanghai\"} 12"));
  EXPECT_TRUE(Has(t, "cpn_southbound_write_seconds_total{router=\"shanghai\"} 0.25"));
  EXPECT_TRUE(Has(t, "cpn_southbound_apply_seconds_total{router=\"shanghai\"} 0.125"));
  EXPECT_TRUE(Has(t, "cpn_controller_info{controller_id=\"ctl-a\"} 1"));
  SCOPED_TRACE(t);
  EXPECT_TRUE(Has(t, "cpn_controller_epochs_total 42"));
  EXPECT_TRUE(Has(t, "cpn_controller_decisions{basis=\"optimized\"} 1"));
  EXPECT_TRUE(Has(t, "cpn_controller_decisions{basis=\"damped\"} 2"));
  EXPECT_TRUE(Has(t, "cpn_controller_decisions{basis=\"unserved\"} 0"));
  EXPECT_TRUE(Has(t, "cpn_controller_decisions_changed 2"));
  EXPECT_TRUE(Has(t, "cpn_controller_solve_duration_seconds 0.0025"));
  EXPECT_TRUE(Has(t, "cpn_controller_solver_iterations 7"));
  EXPECT_TRUE(Has(t, "cpn_site_utilization_ratio{site=\"horinger\",service=\"llm-inference\"} 0.7"));
  EXPECT_TRUE(Has(t, "cpn_site_expected_wait_seconds{site=\"horinger\",service=\"llm-inference\"} 0.012"));
  EXPECT_TRUE(Has(t, "cpn_site_metrics_age_seconds{site=\"horinger\",service=\"llm-inference\"} 3"));
  EXPECT_TRUE(Has(t, "cpn_site_metrics_freshness{site=\"horinger\",service=\"llm-inference\","
                     "freshness=\"stale\"} 1"));
  EXPECT_TRUE(Has(t, "cpn_link_utilization_ratio{link=\"shanghai-beijing\",direction=\"a_to_b\"} 0.5"));
  EXPECT_TRUE(Has(t, "cpn_link_planned_bytes_per_second{link=\"shanghai-beijing\",direction=\"a_to_b\"} 1000"));
  EXPECT_TRUE(Has(t, "cpn_southbound_session_state{router=\"shanghai\",state=\"primary\"} 1"));
  EXPECT_TRUE(Has(t, "cpn_southbound_pending_updates{router=\"shanghai\"} 4"));
  EXPECT_TRUE(Has(t, "cpn_southbound_last_write_age_seconds{router=\"shanghai\"} 2"));
  std::string complaint;
  EXPECT_TRUE(cpn::telemetry::testing::PromtoolAccepts(t, &complaint)) << complaint << "\n" << t;
}

TEST(ControllerMetricsTest, BeforeTheFirstEpochOnlyTheIdentity) {
  ControllerMetricsInput in;
  in.controller_id = "ctl";
  absl::StatusOr<std::string> text = RenderControllerMetrics(in);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("cpn_controller_epochs_total"), std::string::npos);
  std::string complaint;
  EXPECT_TRUE(cpn::telemetry::testing::PromtoolAccepts(*text, &complaint)) << complaint;
}

}  // namespace
}  // namespace cpn::controller_telemetry
