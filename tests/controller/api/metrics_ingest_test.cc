// MetricsIngest rules with a controlled clock: every rejection reason, the
// rate limit and its retry_after, and freshness by age.
#include "controller/api/metrics_ingest.h"

#include <memory>

#include "controller/api/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"
#include "tests/mocks/fake_clock.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;
using ::testing::HasSubstr;

class MetricsIngestTest : public ::testing::Test {
 protected:
  MetricsIngestTest() : store_(*ModelStore::Create(TestTopology())) {
    options_.min_interval = absl::Milliseconds(100);
    options_.burst = 2;
    ingest_ = std::make_unique<MetricsIngest>(store_.get(), &clock_, options_);
  }

  compute::ComputeMetrics At(uint64_t sequence, absl::Duration age = absl::ZeroDuration()) {
    return Report("east", "llm", 2, 8, sequence, clock_.Now() - age);
  }

  cv1::MetricsRejectReason RejectReason(const cv1::ReportMetricsResponse& r) {
    return r.has_rejected() ? r.rejected().reason() : cv1::METRICS_REJECT_REASON_UNSPECIFIED;
  }

  cpn::testing::FakeClock clock_;
  std::unique_ptr<ModelStore> store_;
  MetricsIngestOptions options_;
  std::unique_ptr<MetricsIngest> ingest_;
};

TEST_F(MetricsIngestTest, AcceptsAndKeepsTheLatest) {
  cv1::ReportMetricsResponse r = ingest_->Ingest(At(1, absl::Milliseconds(300)));
  ASSERT_TRUE(r.has_accepted()) << r.DebugString();
  EXPECT_EQ(r.site_id(), "east");
  EXPECT_EQ(r.sequence(), 1u);
  EXPECT_EQ(FromProtoDuration(r.accepted().age()), absl::Milliseconds(300));
  EXPECT_EQ(FromProtoDuration(r.accepted().min_interval()), absl::Milliseconds(100));
  std::vector<SiteReport> latest = ingest_->Latest(*store_->Current()->model);
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].report.sequence(), 1u);
  EXPECT_EQ(ingest_->accepted_count(), 1u);
}

TEST_F(MetricsIngestTest, UnknownSiteAndService) {
  compute::ComputeMetrics m = At(1);
  m.set_site_id("atlantis");
  cv1::ReportMetricsResponse r = ingest_->Ingest(m);
  EXPECT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_UNKNOWN_SITE);
  EXPECT_THAT(r.rejected().detail(), HasSubstr("site_id: no site \"atlantis\""));
  m = At(1);
  m.set_service_id("video");
  r = ingest_->Ingest(m);
  EXPECT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_UNKNOWN_SERVICE);
  EXPECT_THAT(r.rejected().detail(), HasSubstr("service_id"));
  EXPECT_EQ(ingest_->accepted_count(), 0u);
}

TEST_F(MetricsIngestTest, FutureBeyondSkewAndTooOld) {
  compute::ComputeMetrics m = At(1);
  *m.mutable_measured_at() = ToProtoTime(clock_.Now() + absl::Seconds(3));
  cv1::ReportMetricsResponse r = ingest_->Ingest(m);
  EXPECT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_FUTURE_TIMESTAMP);
  EXPECT_THAT(r.rejected().detail(), HasSubstr("measured_at"));
  // Within the skew is fine.
  *m.mutable_measured_at() = ToProtoTime(clock_.Now() + absl::Seconds(1));
  EXPECT_TRUE(ingest_->Ingest(m).has_accepted());
  r = ingest_->Ingest(At(2, absl::Seconds(31)));
  EXPECT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_STALE);
}

TEST_F(MetricsIngestTest, OlderOrRepeatedSequenceIsOutOfOrder) {
  ASSERT_TRUE(ingest_->Ingest(At(5)).has_accepted());
  clock_.Advance(absl::Seconds(1));
  cv1::ReportMetricsResponse r = ingest_->Ingest(At(5));
  EXPECT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_OUT_OF_ORDER);
  EXPECT_THAT(r.rejected().detail(), HasSubstr("sequence 5"));
  EXPECT_EQ(RejectReason(ingest_->Ingest(At(4))), cv1::METRICS_REJECT_REASON_OUT_OF_ORDER);
  EXPECT_TRUE(ingest_->Ingest(At(6)).has_accepted());
  // Another reporter has its own sequence, but may not go back in time.
  compute::ComputeMetrics other = At(1, absl::Seconds(2));
  other.set_reporter_id("other-agent");
  EXPECT_EQ(RejectReason(ingest_->Ingest(other)), cv1::METRICS_REJECT_REASON_OUT_OF_ORDER);
}

TEST_F(MetricsIngestTest, InvalidValues) {
  compute::ComputeMetrics m = At(1);
  compute::L0Metric* u = m.add_l0();
  u->set_type(compute::METRIC_TYPE_SERVER_UTILIZATION);
  u->set_value(1.5);
  cv1::ReportMetricsResponse r = ingest_->Ingest(m);
  EXPECT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_INVALID);
  EXPECT_THAT(r.rejected().detail(), HasSubstr("l0[2] (METRIC_TYPE_SERVER_UTILIZATION)"));
  u->set_value(0.5);
  u->set_unit(compute::METRIC_UNIT_WATTS);
  EXPECT_THAT(ingest_->Ingest(m).rejected().detail(), HasSubstr("unit METRIC_UNIT_WATTS"));
  m = At(1);
  m.mutable_l0(0)->set_value(-1);
  EXPECT_THAT(ingest_->Ingest(m).rejected().detail(), HasSubstr("negative"));
  m = At(1);
  m.clear_measured_at();
  EXPECT_THAT(ingest_->Ingest(m).rejected().detail(), HasSubstr("measured_at is missing"));
}

TEST_F(MetricsIngestTest, RateLimitPerSiteAndService) {
  EXPECT_TRUE(ingest_->Ingest(At(1)).has_accepted());
  EXPECT_TRUE(ingest_->Ingest(At(2)).has_accepted());  // burst of 2
  cv1::ReportMetricsResponse r = ingest_->Ingest(At(3));
  ASSERT_EQ(RejectReason(r), cv1::METRICS_REJECT_REASON_RATE_LIMITED);
  EXPECT_EQ(FromProtoDuration(r.rejected().retry_after()), absl::Milliseconds(100));
  // Another site has its own bucket.
  EXPECT_TRUE(ingest_->Ingest(Report("west", "llm", 1, 8, 1, clock_.Now())).has_accepted());
  clock_.Advance(absl::Milliseconds(100));
  EXPECT_TRUE(ingest_->Ingest(At(3)).has_accepted());
  EXPECT_EQ(RejectReason(ingest_->Ingest(At(4))), cv1::METRICS_REJECT_REASON_RATE_LIMITED);
}

TEST_F(MetricsIngestTest, FreshnessFollowsAge) {
  const absl::Time t = clock_.Now();
  EXPECT_EQ(ingest_->FreshnessAt(t, t + absl::Seconds(1)), cv1::METRICS_FRESHNESS_FRESH);
  EXPECT_EQ(ingest_->FreshnessAt(t, t + absl::Seconds(10)), cv1::METRICS_FRESHNESS_STALE);
  EXPECT_EQ(ingest_->FreshnessAt(t, t + absl::Seconds(31)), cv1::METRICS_FRESHNESS_MISSING);
  EXPECT_EQ(ingest_->FreshnessAt(absl::InfinitePast(), t), cv1::METRICS_FRESHNESS_MISSING);
}

TEST_F(MetricsIngestTest, ReportsOfDeletedSitesAreDropped) {
  ASSERT_TRUE(ingest_->Ingest(At(1)).has_accepted());
  ASSERT_TRUE(store_
                  ->Mutate({},
                           [](cpn::topology::v1::Topology& t) {
                             for (int i = 0; i < t.sites_size(); ++i) {
                               if (t.sites(i).id() == "east")
                                 t.mutable_sites()->DeleteSubrange(i, 1);
                             }
                             return absl::OkStatus();
                           })
                  .ok());
  EXPECT_TRUE(ingest_->Latest(*store_->Current()->model).empty());
}

}  // namespace
}  // namespace cpn::api::testing
