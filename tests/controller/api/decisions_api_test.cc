// Decisions over a real gRPC socket, with the fake engine (predictable
// weights): list and explain, decisions following metrics, WatchDecisions
// (initial state, changes within an epoch, immediate re-decision on a
// topology event, removal, shutdown), WhatIf (changes nothing; bad input),
// status and SolveNow, and a failed solve keeping the decisions in force.
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

double WeightOf(const cv1::Decision& d, const std::string& site) {
  double w = 0;
  for (const cv1::WeightedCandidate& c : d.candidates()) {
    if (c.site_id() == site) w += c.weight();
  }
  return w;
}

class DecisionsApiTest : public ::testing::Test {
 protected:
  void Start(absl::Duration epoch = absl::Hours(1)) {
    c_ = StartController(TestOptions(epoch));
    ASSERT_NE(c_.server, nullptr);
    cv1::SetDemandRequest set;
    set.mutable_demand()->set_ingress_router_id("in");
    set.mutable_demand()->set_service_id("llm");
    set.mutable_demand()->set_requests_per_second(100);
    cv1::SetDemandResponse out;
    ASSERT_TRUE(c_.stub->SetDemand(Ctx().get(), set, &out).ok());
    SolveNow(*c_.stub);
  }

  cv1::ListDecisionsResponse List() {
    cv1::ListDecisionsResponse r;
    EXPECT_TRUE(c_.stub->ListDecisions(Ctx().get(), cv1::ListDecisionsRequest(), &r).ok());
    return r;
  }

  // Sends one report on its own stream; expects it accepted.
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

  TestController c_;
};

TEST_F(DecisionsApiTest, ListAndExplain) {
  Start();
  cv1::ListDecisionsResponse list = List();
  ASSERT_EQ(list.decisions_size(), 1);
  const cv1::Decision& d = list.decisions(0);
  EXPECT_EQ(d.ingress_router_id(), "in");
  EXPECT_EQ(d.service_id(), "llm");
  EXPECT_EQ(d.epoch(), list.epoch());
  EXPECT_GT(d.epoch(), 0u);
  EXPECT_EQ(d.basis(), cv1::DECISION_BASIS_OPTIMIZED);
  EXPECT_EQ(d.install_state(), cv1::INSTALL_STATE_NO_DATAPLANE);
  EXPECT_EQ(d.last_change().cause(), cv1::CHANGE_CAUSE_INITIAL);
  EXPECT_DOUBLE_EQ(WeightOf(d, "east"), 0.5);
  EXPECT_DOUBLE_EQ(WeightOf(d, "west"), 0.5);
  EXPECT_EQ(d.demand_rps(), 100);

  // Filters.
  cv1::ListDecisionsRequest filter;
  filter.add_ingress_router_ids("west");
  cv1::ListDecisionsResponse none;
  ASSERT_TRUE(c_.stub->ListDecisions(Ctx().get(), filter, &none).ok());
  EXPECT_EQ(none.decisions_size(), 0);

  cv1::ExplainDecisionRequest explain;
  explain.mutable_key()->set_ingress_router_id("in");
  explain.mutable_key()->set_service_id("llm");
  cv1::ExplainDecisionResponse x;
  ASSERT_TRUE(c_.stub->ExplainDecision(Ctx().get(), explain, &x).ok());
  EXPECT_EQ(x.demand().requests_per_second(), 100);
  ASSERT_EQ(x.candidates_size(), 2);
  EXPECT_EQ(x.candidates(0).site_id(), "east");  // cheaper: 2 x 3 ms vs 2 x 6 ms
  EXPECT_THAT(x.candidates(0).path().router_ids(), ::testing::ElementsAre("in", "core", "east"));
  EXPECT_GT(x.candidates(0).cost().total_ms(), 0);
  EXPECT_EQ(x.solver().algorithm(), "fake");

  explain.mutable_key()->set_service_id("video");
  grpc::Status s = c_.stub->ExplainDecision(Ctx().get(), explain, &x);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("\"video\""));
  explain.mutable_key()->clear_ingress_router_id();
  s = c_.stub->ExplainDecision(Ctx().get(), explain, &x);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("key.ingress_router_id"));
}

TEST_F(DecisionsApiTest, DecisionsMoveAwayFromABusySite) {
  Start();
  ReportBusy("east", 8, 1);  // every server at east busy
  ReportBusy("west", 2, 1);
  SolveNow(*c_.stub);
  const cv1::Decision d = List().decisions(0);
  EXPECT_DOUBLE_EQ(WeightOf(d, "east"), 0);
  EXPECT_DOUBLE_EQ(WeightOf(d, "west"), 1);
  EXPECT_EQ(d.last_change().cause(), cv1::CHANGE_CAUSE_SITE_METRICS);
  EXPECT_THAT(d.last_change().detail(), HasSubstr("east"));
  ASSERT_GT(d.last_change().deltas_size(), 0);
  EXPECT_EQ(d.last_change().deltas(0).site_id(), "east");
  EXPECT_DOUBLE_EQ(d.last_change().deltas(0).new_value(), 1);
}

TEST_F(DecisionsApiTest, WatchDeliversAChangeWithinAnEpoch) {
  const absl::Duration epoch = absl::Milliseconds(100);
  Start(epoch);
  grpc::ClientContext ctx;
  auto reader = c_.stub->WatchDecisions(&ctx, cv1::WatchDecisionsRequest());
  cv1::WatchDecisionsResponse m;
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_initial());
  EXPECT_EQ(m.initial().service_id(), "llm");
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_sync_complete());

  cv1::GetStatusResponse status;
  ASSERT_TRUE(c_.stub->GetStatus(Ctx().get(), cv1::GetStatusRequest(), &status).ok());
  const uint64_t epoch_before = status.status().epoch();
  const absl::Time reported = absl::Now();
  ReportBusy("east", 8, 1);
  ASSERT_TRUE(reader->Read(&m));
  const absl::Duration took = absl::Now() - reported;
  ASSERT_TRUE(m.has_changed()) << m.DebugString();
  const cv1::DecisionEvent& e = m.changed();
  EXPECT_EQ(e.change().cause(), cv1::CHANGE_CAUSE_SITE_METRICS);
  EXPECT_DOUBLE_EQ(WeightOf(e.decision(), "west"), 1);
  ASSERT_EQ(e.weight_changes_size(), 2);
  EXPECT_DOUBLE_EQ(e.weight_changes(0).old_weight() + e.weight_changes(1).old_weight(), 1.0);
  // Made by the first run that could see the report: the one in progress
  // when it arrived may have gathered its inputs already, the next cannot.
  EXPECT_LE(e.change().epoch(), epoch_before + 2);
  EXPECT_LT(took, epoch + absl::Seconds(1)) << "slow box? took " << took;
  ctx.TryCancel();
  reader->Finish();
}

TEST_F(DecisionsApiTest, TopologyEventsReDecideAtOnce) {
  Start();  // one-hour epoch: only the model change can cause a run
  grpc::ClientContext ctx;
  auto reader = c_.stub->WatchDecisions(&ctx, cv1::WatchDecisionsRequest());
  cv1::WatchDecisionsResponse m;
  ASSERT_TRUE(reader->Read(&m));  // initial
  ASSERT_TRUE(reader->Read(&m));  // sync
  ASSERT_TRUE(m.has_sync_complete());

  cv1::UpdateSiteRequest drain;
  drain.mutable_site()->set_id("east");
  drain.mutable_site()->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
  drain.mutable_update_mask()->add_paths("admin_state");
  cv1::UpdateSiteResponse drained;
  ASSERT_TRUE(c_.stub->UpdateSite(Ctx().get(), drain, &drained).ok());
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_changed());
  EXPECT_EQ(m.changed().change().cause(), cv1::CHANGE_CAUSE_TOPOLOGY);
  EXPECT_DOUBLE_EQ(WeightOf(m.changed().decision(), "west"), 1);

  // Removing the demand removes the decision, and says so.
  cv1::DeleteDemandRequest del;
  del.mutable_key()->set_ingress_router_id("in");
  del.mutable_key()->set_service_id("llm");
  cv1::DeleteDemandResponse deleted;
  ASSERT_TRUE(c_.stub->DeleteDemand(Ctx().get(), del, &deleted).ok());
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(m.has_changed());
  EXPECT_EQ(m.changed().change().cause(), cv1::CHANGE_CAUSE_DEMAND_REMOVED);
  EXPECT_EQ(m.changed().decision().candidates_size(), 0);
  EXPECT_EQ(List().decisions_size(), 0);
  ctx.TryCancel();
  reader->Finish();
}

TEST_F(DecisionsApiTest, ShutdownEndsWatchesWithUnavailable) {
  Start();
  grpc::ClientContext ctx;
  auto reader = c_.stub->WatchDecisions(&ctx, cv1::WatchDecisionsRequest());
  cv1::WatchDecisionsResponse m;
  ASSERT_TRUE(reader->Read(&m));
  ASSERT_TRUE(reader->Read(&m));
  std::thread stopper([&] { c_.server->Shutdown(absl::Seconds(1)); });
  while (reader->Read(&m)) {
  }
  grpc::Status s = reader->Finish();
  stopper.join();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(DecisionsApiTest, WhatIfChangesNothing) {
  Start();
  const cv1::GetTopologyResponse topology_before = GetTopology(*c_.stub);
  const cv1::ListDecisionsResponse decisions_before = List();
  cv1::GetStatusResponse status_before;
  ASSERT_TRUE(c_.stub->GetStatus(Ctx().get(), cv1::GetStatusRequest(), &status_before).ok());

  cv1::WhatIfRequest request;
  request.add_changes()->mutable_site_down()->set_site_id("east");
  cv1::WhatIfResponse r;
  ASSERT_TRUE(c_.stub->WhatIf(Ctx().get(), request, &r).ok());
  EXPECT_EQ(r.based_on_epoch(), decisions_before.epoch());
  ASSERT_EQ(r.decisions_size(), 1);
  EXPECT_DOUBLE_EQ(WeightOf(r.decisions(0), "west"), 1);
  EXPECT_EQ(r.decisions(0).install_state(), cv1::INSTALL_STATE_UNSPECIFIED);
  ASSERT_EQ(r.diffs_size(), 1);
  EXPECT_EQ(r.diffs(0).kind(), cv1::DIFF_KIND_CHANGED);
  EXPECT_EQ(r.diffs(0).key().ingress_router_id(), "in");
  EXPECT_GT(r.what_if_objective(), 0);
  EXPECT_GT(r.current_objective(), 0);

  // More changes at once: a new demand and a load surge.
  request.Clear();
  cv1::Demand* d = request.add_changes()->mutable_demand();
  d->set_ingress_router_id("west");
  d->set_service_id("llm");
  d->set_requests_per_second(50);
  cv1::SiteLoadSurge* surge = request.add_changes()->mutable_site_load_surge();
  surge->set_site_id("west");
  surge->set_utilization(1);
  ASSERT_TRUE(c_.stub->WhatIf(Ctx().get(), request, &r).ok());
  ASSERT_EQ(r.diffs_size(), 2);
  EXPECT_EQ(r.diffs(1).kind(), cv1::DIFF_KIND_ADDED);

  EXPECT_TRUE(MessageDifferencer::Equals(topology_before, GetTopology(*c_.stub)));
  EXPECT_TRUE(MessageDifferencer::Equals(decisions_before, List()));
  cv1::GetStatusResponse status_after;
  ASSERT_TRUE(c_.stub->GetStatus(Ctx().get(), cv1::GetStatusRequest(), &status_after).ok());
  EXPECT_EQ(status_before.status().epoch(), status_after.status().epoch());
  EXPECT_EQ(status_after.status().model().demands(), 1u);
}

TEST_F(DecisionsApiTest, WhatIfBadChangesNameTheChange) {
  Start();
  const cv1::GetTopologyResponse before = GetTopology(*c_.stub);
  struct Case {
    cv1::WhatIfRequest request;
    std::string message;
  };
  std::vector<Case> cases(4);
  cases[0].request.add_changes()->mutable_link_down()->set_link_id("x--y");
  cases[0].message = "changes[0].link_down.link_id: no link \"x--y\"";
  cases[1].request.add_changes()->mutable_site_down()->set_site_id("east");
  cases[1].request.add_changes()->mutable_site_load_surge()->set_site_id("east");
  cases[1].message = "changes[1].site_load_surge";
  cases[2].request.add_changes()->mutable_site_load_surge()->set_site_id("west");
  cases[2].request.mutable_changes(0)->mutable_site_load_surge()->set_load_factor(-2);
  cases[2].message = "changes[0].site_load_surge.load_factor";
  cases[3].request.add_changes();
  cases[3].message = "changes[0]: no change is set";
  for (const Case& k : cases) {
    cv1::WhatIfResponse r;
    grpc::Status s = c_.stub->WhatIf(Ctx().get(), k.request, &r);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << k.message;
    EXPECT_THAT(s.error_message(), HasSubstr(k.message));
  }
  EXPECT_TRUE(MessageDifferencer::Equals(before, GetTopology(*c_.stub)));
}

TEST_F(DecisionsApiTest, StatusAndSolveNow) {
  Start();
  cv1::GetStatusResponse s1;
  ASSERT_TRUE(c_.stub->GetStatus(Ctx().get(), cv1::GetStatusRequest(), &s1).ok());
  EXPECT_EQ(s1.status().controller_id(), "test-controller");
  EXPECT_EQ(s1.status().model().routers(), 4u);
  EXPECT_EQ(s1.status().model().links(), 4u);
  EXPECT_EQ(s1.status().model().sites(), 2u);
  EXPECT_EQ(s1.status().model().demands(), 1u);
  EXPECT_EQ(s1.status().last_solve().outcome(), cv1::SOLVE_OUTCOME_CONVERGED);
  EXPECT_EQ(s1.status().epoch_interval().seconds(), 3600);
  cv1::SolveNowResponse solved;
  ASSERT_TRUE(c_.stub->SolveNow(Ctx().get(), cv1::SolveNowRequest(), &solved).ok());
  EXPECT_GT(solved.solver().epoch(), s1.status().epoch());
  EXPECT_EQ(solved.solver().algorithm(), "fake");
}

TEST_F(DecisionsApiTest, AFailedSolveKeepsTheDecisionsInForce) {
  Start();
  const cv1::ListDecisionsResponse before = List();
  c_.fake->FailNextDecide();
  cv1::SolveNowResponse solved;
  ASSERT_TRUE(c_.stub->SolveNow(Ctx().get(), cv1::SolveNowRequest(), &solved).ok());
  EXPECT_EQ(solved.solver().outcome(), cv1::SOLVE_OUTCOME_FAILED);
  EXPECT_THAT(solved.solver().error(), HasSubstr("told to fail"));
  const cv1::ListDecisionsResponse after = List();
  ASSERT_EQ(after.decisions_size(), 1);
  EXPECT_DOUBLE_EQ(WeightOf(after.decisions(0), "east"), WeightOf(before.decisions(0), "east"));
  EXPECT_EQ(after.decisions(0).last_change().epoch(), before.decisions(0).last_change().epoch());
}

}  // namespace
}  // namespace cpn::api::testing
