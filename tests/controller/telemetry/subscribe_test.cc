// TelemetryService.Subscribe over a real gRPC socket, served by a
// ControllerServer the way cpn-controller assembles it: initial state, one
// SyncComplete, then a decision change within an epoch of a metric report,
// samples at their interval, events from the recorder; bad requests are
// INVALID_ARGUMENT naming the field.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "controller/telemetry/decision_events.h"
#include "controller/telemetry/event_recorder.h"
#include "controller/telemetry/telemetry_service.h"
#include "cpn/telemetry/v1/telemetry.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::controller_telemetry {
namespace {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::telemetry::v1;
using api::testing::Ctx;
using api::testing::Report;
using api::testing::StartController;
using api::testing::TestOptions;

class SubscribeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A real epoch (100 ms): changes must arrive within one of it.
    api::ControllerServerOptions options = TestOptions(absl::Milliseconds(100));
    options.extra_services = [this](api::ControllerServer& s) {
      s.hub().SetSink(DecisionEventSink(&events_));
      std::vector<std::unique_ptr<grpc::Service>> out;
      out.push_back(std::make_unique<TelemetryServiceImpl>(
          TelemetrySubscriptions(&s.loop(), &s.hub(), &events_, nullptr), 4));
      return out;
    };
    c_ = StartController(options);
    ASSERT_NE(c_.server, nullptr);
    telemetry_ = tv1::TelemetryService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", c_.server->port()), grpc::InsecureChannelCredentials()));
    cv1::SetDemandRequest set;
    set.mutable_demand()->set_ingress_router_id("in");
    set.mutable_demand()->set_service_id("llm");
    set.mutable_demand()->set_requests_per_second(10);
    cv1::SetDemandResponse out;
    ASSERT_TRUE(c_.stub->SetDemand(Ctx().get(), set, &out).ok());
    api::testing::SolveNow(*c_.stub);
  }
  void TearDown() override {
    events_.Close();
    if (c_.server) c_.server->Shutdown(absl::ZeroDuration());
  }

  void ReportBusy(const std::string& site, double busy, uint64_t sequence) {
    grpc::ClientContext ctx;
    auto stream = c_.stub->ReportMetrics(&ctx);
    ASSERT_TRUE(stream->Write(Report(site, "llm", busy, 8, sequence, absl::Now())));
    cv1::ReportMetricsResponse r;
    ASSERT_TRUE(stream->Read(&r));
    ASSERT_TRUE(r.has_accepted()) << r.DebugString();
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }

  EventRecorder events_{"test-controller", nullptr};
  api::testing::TestController c_;
  std::unique_ptr<tv1::TelemetryService::Stub> telemetry_;
};

tv1::Subscription* Add(tv1::SubscribeRequest& r, tv1::TelemetryPath path) {
  tv1::Subscription* s = r.add_subscriptions();
  s->set_path(path);
  s->mutable_on_change();
  return s;
}

TEST_F(SubscribeTest, InitialStateSyncThenADecisionChangeWithinAnEpoch) {
  tv1::SubscribeRequest request;
  Add(request, tv1::TELEMETRY_PATH_DECISIONS)->mutable_filter()->add_service_ids("llm");
  Add(request, tv1::TELEMETRY_PATH_EVENTS);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto reader = telemetry_->Subscribe(&ctx, request);
  tv1::SubscribeResponse m;
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_update()) << m.DebugString();
  EXPECT_EQ(m.update().path(), tv1::TELEMETRY_PATH_DECISIONS);
  EXPECT_EQ(m.update().decision().ingress_router_id(), "in");
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_sync_complete()) << m.DebugString();

  // "east" reports itself busy: the next run (triggered by the report, or
  // the 100 ms epoch) moves weight to "west".
  // "Within one epoch" counted in epochs, not wall time (CI is noisy): the
  // change comes from the run in progress when the report lands or the next.
  const uint64_t epoch_before = c_.server->loop().Current()->epoch;
  ReportBusy("east", 8, 1);
  bool change = false, event = false;
  while ((!change || !event) && reader->Read(&m)) {
    ASSERT_TRUE(m.has_update());
    if (m.update().has_decision_change()) {
      change = true;
      EXPECT_LE(m.update().decision_change().change().epoch(), epoch_before + 2);
      EXPECT_EQ(m.update().decision_change().decision().service_id(), "llm");
    }
    if (m.update().has_event()) {
      event = true;
      EXPECT_TRUE(m.update().event().has_decision_change());
      EXPECT_GT(m.update().event().sequence(), 0u);
    }
  }
  EXPECT_TRUE(change);
  EXPECT_TRUE(event);
  ctx.TryCancel();
  (void)reader->Finish();
}

TEST_F(SubscribeTest, SamplesArriveAtTheirInterval) {
  ReportBusy("east", 2, 1);
  api::testing::SolveNow(*c_.stub);
  tv1::SubscribeRequest request;
  tv1::Subscription* s = request.add_subscriptions();
  s->set_path(tv1::TELEMETRY_PATH_SITE_METRICS);
  s->mutable_filter()->add_site_ids("east");
  s->mutable_sample()->mutable_interval()->set_nanos(200'000'000);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto reader = telemetry_->Subscribe(&ctx, request);
  tv1::SubscribeResponse m;
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_update());
  EXPECT_EQ(m.update().site_state().site_id(), "east");
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_sync_complete());
  const absl::Time synced = absl::Now();
  int samples = 0;
  while (samples < 3 && reader->Read(&m)) {
    ASSERT_TRUE(m.has_update());
    EXPECT_EQ(m.update().site_state().site_id(), "east");
    ++samples;
  }
  EXPECT_EQ(samples, 3);
  // Three samples at 200 ms take about 600 ms; generous bounds for a busy box.
  EXPECT_GE(absl::Now() - synced, absl::Milliseconds(500));
  EXPECT_LT(absl::Now() - synced, absl::Seconds(5));
  ctx.TryCancel();
  (void)reader->Finish();
}

TEST_F(SubscribeTest, BadRequestsAreInvalidArgumentNamingTheField) {
  struct Case {
    std::string name;
    std::function<void(tv1::SubscribeRequest&)> build;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"empty", [](tv1::SubscribeRequest&) {}, "subscriptions"},
      {"no path", [](tv1::SubscribeRequest& r) { r.add_subscriptions()->mutable_on_change(); },
       "subscriptions[0].path"},
      {"no mode",
       [](tv1::SubscribeRequest& r) { r.add_subscriptions()->set_path(tv1::TELEMETRY_PATH_DECISIONS); },
       "on_change or sample"},
      {"fast sample",
       [](tv1::SubscribeRequest& r) {
         tv1::Subscription* s = r.add_subscriptions();
         s->set_path(tv1::TELEMETRY_PATH_DECISIONS);
         s->mutable_sample()->mutable_interval()->set_nanos(10'000'000);
       },
       "sample.interval"},
      {"sampled events",
       [](tv1::SubscribeRequest& r) {
         tv1::Subscription* s = r.add_subscriptions();
         s->set_path(tv1::TELEMETRY_PATH_EVENTS);
         s->mutable_sample()->mutable_interval()->set_seconds(1);
       },
       "ON_CHANGE only"},
      {"wrong filter",
       [](tv1::SubscribeRequest& r) {
         Add(r, tv1::TELEMETRY_PATH_DECISIONS);
         Add(r, tv1::TELEMETRY_PATH_LINK_UTILIZATION)->mutable_filter()->add_site_ids("east");
       },
       "subscriptions[1].filter.site_ids"},
  };
  for (const Case& c : cases) {
    tv1::SubscribeRequest request;
    c.build(request);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auto reader = telemetry_->Subscribe(&ctx, request);
    tv1::SubscribeResponse m;
    EXPECT_FALSE(reader->Read(&m)) << c.name;
    const grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.name;
    EXPECT_NE(s.error_message().find(c.want), std::string::npos) << c.name << ": " << s.error_message();
  }
}

}  // namespace
}  // namespace cpn::controller_telemetry
