// The IPFIX export counters on cpn-dataplane's /metrics: the cpn_ipfix_*
// families appear only when export is on, and promtool accepts the page.
#include <string>

#include "dataplane/telemetry/prometheus_counters.h"
#include "gtest/gtest.h"
#include "tests/common/telemetry/promtool.h"

namespace cpn::dataplane {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(IpfixMetrics, ExportCountersAreRenderedAndAccepted) {
  cpn::telemetry::v1::CountersSnapshot s;
  s.set_dataplane_id("shanghai");
  const IpfixExportCounters c{120, 30, 4, 2, 1};
  absl::StatusOr<std::string> text = RenderDataplaneMetrics(s, &c);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_TRUE(Has(*text, "cpn_ipfix_records_sent_total 120")) << *text;
  EXPECT_TRUE(Has(*text, "cpn_ipfix_messages_sent_total 30")) << *text;
  EXPECT_TRUE(Has(*text, "cpn_ipfix_records_dropped_total{reason=\"rate\"} 4")) << *text;
  EXPECT_TRUE(Has(*text, "cpn_ipfix_records_dropped_total{reason=\"ring_full\"} 2")) << *text;
  EXPECT_TRUE(Has(*text, "cpn_ipfix_send_errors_total 1")) << *text;
  std::string complaint;
  EXPECT_TRUE(cpn::telemetry::testing::PromtoolAccepts(*text, &complaint)) << complaint;

  absl::StatusOr<std::string> off = RenderDataplaneMetrics(s, nullptr);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->find("cpn_ipfix_"), std::string::npos);
}

}  // namespace
}  // namespace cpn::dataplane
