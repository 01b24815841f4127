// Telemetry end to end: a real Prometheus server (Debian's prometheus)
// scrapes the /metrics of a real cpn-controller and of the three
// cpn-dataplane processes it programs (tests/e2e/network.h), promtool
// accepts every page, and queries return the series an operator would
// graph: each dataplane's installed version equal to the version the
// controller's session reports for it, and the new flows the ingress
// steered.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/telemetry/http_get.h"
#include "tests/common/telemetry/prometheus_server.h"
#include "tests/common/telemetry/promtool.h"
#include "tests/e2e/network.h"

namespace cpn::testing {
namespace {

namespace cv1 = cpn::controller::v1;
using telemetry::testing::HttpGet;
using telemetry::testing::HttpResponse;
using telemetry::testing::PrometheusServer;
using telemetry::testing::PromtoolAccepts;

constexpr const char* kRouters[] = {"ing", "tr", "st"};

// The value of the first sample of a one-series instant query answer
// ({"resultType":"vector","result":[{"metric":{...},"value":[t,"V"]}]}), or
// "" when the answer has none.
std::string FirstValue(const std::string& body) {
  const size_t at = body.find("\"value\":[");
  if (at == std::string::npos) return "";
  const size_t open = body.find(",\"", at);
  const size_t close = body.find('"', open + 2);
  if (open == std::string::npos || close == std::string::npos) return "";
  return body.substr(open + 2, close - open - 2);
}

TEST(TelemetryE2e, ARealPrometheusScrapesTheControllerAndEveryDataplane) {
  Network net;
  ASSERT_NO_FATAL_FAILURE(net.StartDataplanes());
  const int c = net.StartController(2, 20, {"--metrics-listen", "127.0.0.1:0"});
  const std::string controller_port =
      net.controller_process(c).WaitForNumberAfter("metrics on http://127.0.0.1:");
  ASSERT_FALSE(controller_port.empty()) << net.controller_process(c).log();
  ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 2, 2));
  ASSERT_NO_FATAL_FAILURE(net.SetDemand(c, 20));
  ASSERT_TRUE(net.WaitForSessions(c, cv1::SESSION_STATE_PRIMARY));
  // The ingress has its steering rule before flows are injected.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (net.IngressWeights().empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(net.IngressWeights().empty());
  std::vector<Flow> flows;
  for (int i = 0; i < 50; ++i) flows.push_back(ServiceFlow(i));
  ASSERT_EQ(net.Inject(flows).site_of_flow.size(), flows.size());

  // promtool accepts both daemons' pages.
  std::vector<std::pair<std::string, int>> pages = {{"controller", std::stoi(controller_port)}};
  for (const char* r : kRouters) pages.emplace_back(r, net.metrics_port(r));
  std::vector<std::string> dataplane_targets;
  for (const auto& [who, port] : pages) {
    const HttpResponse page = HttpGet(port, "/metrics");
    ASSERT_EQ(page.status, 200) << who << ": " << page.body;
    std::string complaint;
    EXPECT_TRUE(PromtoolAccepts(page.body, &complaint)) << who << ": " << complaint;
    if (who != "controller") dataplane_targets.push_back(absl::StrCat("127.0.0.1:", port));
  }

  PrometheusServer prometheus({{"cpn-controller", {absl::StrCat("127.0.0.1:", controller_port)}},
                               {"cpn-dataplane", dataplane_targets}});
  ASSERT_TRUE(prometheus.ok()) << prometheus.error();
  auto has = [](const std::string& what) {
    return [what](const std::string& body) { return body.find(what) != std::string::npos; };
  };
  // Every target is up.
  std::string body = prometheus.QueryUntil("count(up == 1)", has("\"4\""));
  EXPECT_EQ(FirstValue(body), "4") << body << "\n" << prometheus.log();
  // The controller's view of each session matches what the dataplane
  // itself says it installed. The dataplane's series carry the scrape
  // target, not the router; join them through cpn_dataplane_info's
  // dataplane_id label.
  for (const char* r : kRouters) {
    const std::string controller_side =
        FirstValue(prometheus.QueryUntil(
            absl::StrCat("cpn_southbound_installed_version{router=\"", r, "\"}"),
            has("\"value\"")));
    const std::string dataplane_side = FirstValue(prometheus.QueryUntil(
        absl::StrCat("cpn_dataplane_installed_version and on(instance) cpn_dataplane_info{",
                     "dataplane_id=\"", r, "\"}"),
        has("\"value\"")));
    EXPECT_FALSE(controller_side.empty()) << r;
    EXPECT_EQ(controller_side, dataplane_side) << r << "\n" << prometheus.log();
  }
  // The ingress steered every injected flow.
  body = prometheus.QueryUntil(
      "sum(cpn_steering_rule_new_flows_total and on(instance) cpn_dataplane_info{dataplane_id=\"ing\"})",
      [](const std::string& b) {
        const std::string v = FirstValue(b);
        return !v.empty() && std::stod(v) >= 50;
      });
  ASSERT_FALSE(FirstValue(body).empty()) << body;
  EXPECT_GE(std::stod(FirstValue(body)), 50) << body;
}

}  // namespace
}  // namespace cpn::testing
