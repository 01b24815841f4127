// The Prometheus text writer: the lines it writes, what it refuses, and that
// promtool (Prometheus's own linter, from Debian's prometheus package)
// accepts its output.
#include "common/telemetry/prometheus_text.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "tests/common/telemetry/promtool.h"

namespace cpn::telemetry {
namespace {

TEST(PrometheusTextTest, WritesFamiliesWithHelpTypeAndLabelledSamples) {
  PrometheusText t;
  ASSERT_TRUE(t.BeginFamily("cpn_port_rx_packets_total", "Packets received.", MetricType::kCounter)
                  .ok());
  ASSERT_TRUE(t.Sample({{"port", "eth1"}}, uint64_t{1027}).ok());
  ASSERT_TRUE(t.Sample({{"port", "eth2"}}, uint64_t{0}).ok());
  ASSERT_TRUE(t.BeginFamily("cpn_site_utilization", "Utilisation, ratio.", MetricType::kGauge).ok());
  ASSERT_TRUE(t.Sample({{"site", "horinger"}, {"service", "llm"}}, 0.25).ok());
  ASSERT_TRUE(t.Sample({}, 1.0 / 3).ok());
  EXPECT_EQ(t.text(),
            "# HELP cpn_port_rx_packets_total Packets received.\n"
            "# TYPE cpn_port_rx_packets_total counter\n"
            "cpn_port_rx_packets_total{port=\"eth1\"} 1027\n"
            "cpn_port_rx_packets_total{port=\"eth2\"} 0\n"
            "# HELP cpn_site_utilization Utilisation, ratio.\n"
            "# TYPE cpn_site_utilization gauge\n"
            "cpn_site_utilization{site=\"horinger\",service=\"llm\"} 0.25\n"
            "cpn_site_utilization 0.3333333333333333\n");
}

TEST(PrometheusTextTest, EscapesLabelValuesAndHelp) {
  PrometheusText t;
  ASSERT_TRUE(t.BeginFamily("g", "a \\ back\nslash", MetricType::kGauge).ok());
  ASSERT_TRUE(t.Sample({{"v", "q\"uote\\ new\nline"}}, 1.0).ok());
  EXPECT_EQ(t.text(),
            "# HELP g a \\\\ back\\nslash\n"
            "# TYPE g gauge\n"
            "g{v=\"q\\\"uote\\\\ new\\nline\"} 1\n");
}

TEST(PrometheusTextTest, SpecialValuesUseGoSpelling) {
  PrometheusText t;
  ASSERT_TRUE(t.BeginFamily("g", "h", MetricType::kGauge).ok());
  ASSERT_TRUE(t.Sample({{"k", "a"}}, std::numeric_limits<double>::infinity()).ok());
  ASSERT_TRUE(t.Sample({{"k", "b"}}, -std::numeric_limits<double>::infinity()).ok());
  ASSERT_TRUE(t.Sample({{"k", "c"}}, std::numeric_limits<double>::quiet_NaN()).ok());
  ASSERT_TRUE(t.Sample({{"k", "d"}}, 1e-7).ok());
  EXPECT_NE(t.text().find("g{k=\"a\"} +Inf\n"), std::string::npos);
  EXPECT_NE(t.text().find("g{k=\"b\"} -Inf\n"), std::string::npos);
  EXPECT_NE(t.text().find("g{k=\"c\"} NaN\n"), std::string::npos);
  EXPECT_NE(t.text().find("g{k=\"d\"} 1e-07\n"), std::string::npos);
}

TEST(PrometheusTextTest, RefusesWhatBreaksTheFormatAndWritesNothingOfIt) {
  PrometheusText t;
  EXPECT_EQ(t.Sample({}, 1.0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(t.BeginFamily("9lives", "h", MetricType::kGauge).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.BeginFamily("has-dash", "h", MetricType::kGauge).code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status counter = t.BeginFamily("cpn_packets", "h", MetricType::kCounter);
  EXPECT_EQ(counter.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(counter.message().find("*_total"), std::string::npos);
  EXPECT_EQ(t.text(), "");

  ASSERT_TRUE(t.BeginFamily("ok_total", "h", MetricType::kCounter).ok());
  EXPECT_EQ(t.BeginFamily("ok_total", "h", MetricType::kCounter).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Sample({{"__reserved", "x"}}, 1.0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Sample({{"a:b", "x"}}, 1.0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Sample({{"a", "x"}, {"a", "y"}}, 1.0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.Sample({}, -1.0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(t.text(), "# HELP ok_total h\n# TYPE ok_total counter\n");
}

// promtool check metrics (Prometheus's own linter) accepts the output,
// escapes and special values included.
TEST(PrometheusTextTest, PromtoolAcceptsTheOutput) {
  PrometheusText t;
  ASSERT_TRUE(t.BeginFamily("cpn_test_requests_total", "Requests \"served\".\nTwo lines.",
                            MetricType::kCounter)
                  .ok());
  ASSERT_TRUE(t.Sample({{"site", "a\"b"}, {"service", "x\\y"}}, uint64_t{5}).ok());
  ASSERT_TRUE(t.BeginFamily("cpn_test_load_ratio", "Load.", MetricType::kGauge).ok());
  ASSERT_TRUE(t.Sample({{"site", "a"}}, 0.5).ok());
  ASSERT_TRUE(t.Sample({{"site", "b"}}, std::numeric_limits<double>::infinity()).ok());
  std::string complaint;
  EXPECT_TRUE(testing::PromtoolAccepts(t.text(), &complaint))
      << complaint << "\n--- input ---\n" << t.text();
}

}  // namespace
}  // namespace cpn::telemetry
