// ReportMetrics over a real gRPC stream: one answer per report, in order;
// rejections name the reason and field and do not end the stream; accepted
// reports show in ListSiteStates with their age.
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "controller/api/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;
using ::testing::HasSubstr;

TEST(MetricsApiTest, StreamAnswersEveryReportInOrderAndStaysOpen) {
  TestController c = StartController();
  ASSERT_NE(c.server, nullptr);
  grpc::ClientContext ctx;
  auto stream = c.stub->ReportMetrics(&ctx);
  const absl::Time now = absl::Now();

  std::vector<compute::ComputeMetrics> reports;
  reports.push_back(Report("east", "llm", 2, 8, 10, now));                     // accepted
  reports.push_back(Report("atlantis", "llm", 2, 8, 1, now));                  // unknown site
  reports.push_back(Report("east", "video", 2, 8, 11, now));                   // unknown service
  reports.push_back(Report("east", "llm", 2, 8, 12, now + absl::Minutes(1)));  // future
  reports.push_back(Report("east", "llm", 2, 8, 13, now - absl::Minutes(5)));  // stale
  reports.push_back(Report("east", "llm", 2, 8, 9, now));                      // older sequence
  reports.push_back(Report("west", "llm", 7, 8, 1, now));                      // accepted
  const std::vector<cv1::MetricsRejectReason> expected = {
      cv1::METRICS_REJECT_REASON_UNSPECIFIED,     cv1::METRICS_REJECT_REASON_UNKNOWN_SITE,
      cv1::METRICS_REJECT_REASON_UNKNOWN_SERVICE, cv1::METRICS_REJECT_REASON_FUTURE_TIMESTAMP,
      cv1::METRICS_REJECT_REASON_STALE,           cv1::METRICS_REJECT_REASON_OUT_OF_ORDER,
      cv1::METRICS_REJECT_REASON_UNSPECIFIED};
  for (size_t i = 0; i < reports.size(); ++i) {
    ASSERT_TRUE(stream->Write(reports[i]));
    cv1::ReportMetricsResponse r;
    ASSERT_TRUE(stream->Read(&r)) << "no answer to report " << i;
    EXPECT_EQ(r.site_id(), reports[i].site_id());
    EXPECT_EQ(r.sequence(), reports[i].sequence());
    if (expected[i] == cv1::METRICS_REJECT_REASON_UNSPECIFIED) {
      EXPECT_TRUE(r.has_accepted()) << i << ": " << r.DebugString();
    } else {
      ASSERT_TRUE(r.has_rejected()) << i;
      EXPECT_EQ(r.rejected().reason(), expected[i]) << i << ": " << r.rejected().detail();
      EXPECT_FALSE(r.rejected().detail().empty());
    }
  }
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  cv1::ListSiteStatesResponse states;
  ASSERT_TRUE(c.stub->ListSiteStates(Ctx().get(), cv1::ListSiteStatesRequest(), &states).ok());
  ASSERT_EQ(states.sites_size(), 2);
  EXPECT_EQ(states.sites(0).site_id(), "east");
  EXPECT_EQ(states.sites(0).last_report().sequence(), 10u);
  EXPECT_EQ(states.sites(0).freshness(), cv1::METRICS_FRESHNESS_FRESH);
  EXPECT_EQ(states.sites(1).site_id(), "west");
  EXPECT_EQ(states.sites(1).last_report().sequence(), 1u);
  EXPECT_LT(FromProtoDuration(states.sites(1).age()), absl::Seconds(30));
}

TEST(MetricsApiTest, SiteStatesWithoutReportsAreMissing) {
  TestController c = StartController();
  ASSERT_NE(c.server, nullptr);
  cv1::ListSiteStatesRequest request;
  request.add_site_ids("west");
  cv1::ListSiteStatesResponse states;
  ASSERT_TRUE(c.stub->ListSiteStates(Ctx().get(), request, &states).ok());
  ASSERT_EQ(states.sites_size(), 1);
  EXPECT_EQ(states.sites(0).freshness(), cv1::METRICS_FRESHNESS_MISSING);
  EXPECT_EQ(states.sites(0).servers(), 8u);
  EXPECT_FALSE(states.sites(0).has_last_report());

  cv1::ListLinkStatesResponse links;
  ASSERT_TRUE(c.stub->ListLinkStates(Ctx().get(), cv1::ListLinkStatesRequest(), &links).ok());
  ASSERT_EQ(links.links_size(), 4);
  EXPECT_EQ(links.links(0).link_id(), "core--east");
  EXPECT_EQ(links.links(0).status(), cv1::LINK_STATUS_UP);
  EXPECT_EQ(links.links(0).a_to_b().capacity_bps(), 10000000000u);
  EXPECT_FALSE(links.links(0).a_to_b().has_measured_at());  // never measured
}

TEST(MetricsApiTest, LinkStatesShowTheMeasuredLoadOfEachDirection) {
  TestController c = StartController();
  ASSERT_NE(c.server, nullptr);
  const absl::Time at = absl::FromUnixSeconds(1'900'000'000);
  // What the southbound counters feed records: east's port on core--east.
  c.server->link_loads().Set(LinkLoad{"core--east", "east", 0.25, at});
  cv1::ListLinkStatesRequest request;
  request.add_link_ids("core--east");
  cv1::ListLinkStatesResponse links;
  ASSERT_TRUE(c.stub->ListLinkStates(Ctx().get(), request, &links).ok());
  ASSERT_EQ(links.links_size(), 1);
  const cv1::LinkState& l = links.links(0);
  // core--east runs a = core, b = east: east sends b -> a.
  EXPECT_DOUBLE_EQ(l.b_to_a().utilization(), 0.25);
  EXPECT_DOUBLE_EQ(l.b_to_a().rate_bps(), 2.5e9);
  EXPECT_EQ(FromProtoTime(l.b_to_a().measured_at()), at);
  EXPECT_FALSE(l.a_to_b().has_measured_at());
  EXPECT_EQ(l.a_to_b().utilization(), 0);
}

// An accepted report triggers a decision without waiting for the epoch;
// reports within the trigger's rate limit are not lost but decided on once
// the limit ends (two sites reporting together both count).
TEST(MetricsApiTest, ReportsTriggerDecisionsWithinTheRateLimit) {
  ControllerServerOptions o = TestOptions();  // the epoch is an hour
  o.metrics_trigger_interval = absl::Milliseconds(300);
  TestController c = StartController(o);
  ASSERT_NE(c.server, nullptr);
  auto calls_reach = [&](int n) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (c.fake->decide_calls() < n && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
    return c.fake->decide_calls() >= n;
  };
  ASSERT_TRUE(calls_reach(1));  // the first run at start
  const int start = c.fake->decide_calls();
  grpc::ClientContext ctx;
  auto stream = c.stub->ReportMetrics(&ctx);
  const absl::Time now = absl::Now();
  // The first report's run is over before the second report arrives (a
  // run already under way when it arrives would read it and serve it), and
  // the second comes within the 300 ms limit of the first trigger.
  for (const char* site : {"east", "west"}) {
    ASSERT_TRUE(stream->Write(Report(site, "llm", 2, 8, 1, now)));
    cv1::ReportMetricsResponse r;
    ASSERT_TRUE(stream->Read(&r));
    ASSERT_TRUE(r.has_accepted()) << r.DebugString();
    if (std::string(site) == "east") {
      ASSERT_TRUE(calls_reach(start + 1));
    }
  }
  const absl::Time sent = absl::Now();
  EXPECT_TRUE(calls_reach(start + 2)) << "the second report waited for the epoch";
  EXPECT_GE(absl::Now() - sent, absl::Milliseconds(100)) << "the rate limit was not kept";
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(c.fake->decide_calls(), start + 2) << "two reports, two runs";
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace cpn::api::testing
