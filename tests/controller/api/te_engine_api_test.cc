// The northbound API with the real joint optimiser (TeDecisionEngine over
// controller/te) on the shipped Chinanet topology: decisions exist and are
// explained, move away from a site that reports itself saturated, and
// what-if answers without changing anything.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "controller/api/te_engine.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/controller/api/api_test_env.h"

namespace cpn::api::testing {
namespace {

namespace cv1 = cpn::controller::v1;
namespace tv1 = cpn::topology::v1;
using google::protobuf::util::MessageDifferencer;

tv1::Topology Chinanet() {
  std::ifstream in(std::string(CPN_SOURCE_DIR) + "/lab/topologies/chinanet-edwc.txtpb");
  std::stringstream text;
  text << in.rdbuf();
  tv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &t));
  return t;
}

double WeightOf(const cv1::Decision& d, const std::string& site) {
  double w = 0;
  for (const cv1::WeightedCandidate& c : d.candidates()) {
    if (c.site_id() == site) w += c.weight();
  }
  return w;
}

class TeEngineApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TeEngineOptions options;
    options.smooth_metrics = false;  // each report counts at once
    c_ = StartController(TestOptions(), Chinanet(), std::make_unique<TeDecisionEngine>(options));
    ASSERT_NE(c_.server, nullptr);
    cv1::SetDemandRequest set;
    set.mutable_demand()->set_ingress_router_id("shanghai");
    set.mutable_demand()->set_service_id("llm-inference");
    set.mutable_demand()->set_requests_per_second(10);
    cv1::SetDemandResponse out;
    ASSERT_TRUE(c_.stub->SetDemand(Ctx().get(), set, &out).ok());
  }

  // Reports every site's llm-inference servers: `busy_site` saturated, the
  // others idle.
  void ReportAll(const std::string& busy_site, uint64_t sequence) {
    cv1::ListSitesResponse sites;
    ASSERT_TRUE(c_.stub->ListSites(Ctx().get(), cv1::ListSitesRequest(), &sites).ok());
    grpc::ClientContext ctx;
    auto stream = c_.stub->ReportMetrics(&ctx);
    for (const auto& site : sites.sites()) {
      const double servers = site.capacities(0).servers();
      ASSERT_TRUE(
          stream->Write(Report(site.id(), "llm-inference", site.id() == busy_site ? servers : 0,
                               servers, sequence, absl::Now())));
      cv1::ReportMetricsResponse r;
      ASSERT_TRUE(stream->Read(&r));
      ASSERT_TRUE(r.has_accepted()) << r.DebugString();
    }
    stream->WritesDone();
    ASSERT_TRUE(stream->Finish().ok());
  }

  cv1::Decision Current() {
    cv1::ListDecisionsResponse list;
    EXPECT_TRUE(c_.stub->ListDecisions(Ctx().get(), cv1::ListDecisionsRequest(), &list).ok());
    EXPECT_EQ(list.decisions_size(), 1);
    return list.decisions_size() > 0 ? list.decisions(0) : cv1::Decision();
  }

  TestController c_;
};

TEST_F(TeEngineApiTest, DecidesExplainsAndFollowsLoad) {
  ReportAll("", 1);
  for (int i = 0; i < 12; ++i) SolveNow(*c_.stub);  // converge through damping
  cv1::Decision d = Current();
  ASSERT_GT(d.candidates_size(), 0);
  EXPECT_NE(d.basis(), cv1::DECISION_BASIS_UNSERVED);
  EXPECT_NE(d.basis(), cv1::DECISION_BASIS_STATIC_FALLBACK);
  double sum = 0;
  for (const auto& c : d.candidates()) sum += c.weight();
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_GT(d.expected_completion_ms(), 4000);  // at least the service time
  // The site of the heaviest candidate, with the share of all its paths
  // (it may have several: compare a site's share only with a site's share).
  const std::string top = d.candidates(0).site_id();
  const double top_site_before = WeightOf(d, top);
  ASSERT_GT(top_site_before, 0.05);

  cv1::ExplainDecisionRequest explain;
  explain.mutable_key()->set_ingress_router_id("shanghai");
  explain.mutable_key()->set_service_id("llm-inference");
  cv1::ExplainDecisionResponse x;
  ASSERT_TRUE(c_.stub->ExplainDecision(Ctx().get(), explain, &x).ok());
  EXPECT_GE(x.candidates_size(), 10);  // every site hosting the service, some with several paths
  for (const auto& c : x.candidates()) {
    if (c.path().router_ids().empty()) continue;
    EXPECT_EQ(c.path().router_ids(0), "shanghai");
    EXPECT_NEAR(c.cost().total_ms(),
                c.cost().network_propagation_ms() + c.cost().queueing_ms() +
                    c.cost().transfer_ms() + c.cost().compute_wait_ms() + c.cost().service_ms(),
                1e-6);
    EXPECT_EQ(c.site_metrics_freshness(), cv1::METRICS_FRESHNESS_FRESH);
  }
  EXPECT_EQ(x.solver().algorithm(), "frank-wolfe");

  // The top site reports every server busy: its share falls. (The engine
  // may defer a move to its next full solve, at most
  // te::DecisionOptions::max_incremental_epochs epochs later.)
  ReportAll(top, 2);
  int epochs = 0;
  do {
    SolveNow(*c_.stub);
    d = Current();
  } while (WeightOf(d, top) >= top_site_before && ++epochs < 30);
  EXPECT_LT(WeightOf(d, top), top_site_before) << d.DebugString();
  EXPECT_NE(d.last_change().cause(), cv1::CHANGE_CAUSE_UNSPECIFIED);

  cv1::ListSiteStatesRequest states_request;
  states_request.add_site_ids(top);
  cv1::ListSiteStatesResponse states;
  ASSERT_TRUE(c_.stub->ListSiteStates(Ctx().get(), states_request, &states).ok());
  ASSERT_EQ(states.sites_size(), 1);
  // Every server busy, CPN's 10 requests/s × its share there included: the
  // rest is background.
  const cv1::SiteState& st = states.sites(0);
  EXPECT_NEAR(st.background_rate_rps() + 10 * top_site_before,
              st.servers() * st.service_rate_per_server(), 1e-6);
  cv1::GetSiteRequest get;
  get.set_id(top);
  cv1::GetSiteResponse site;
  ASSERT_TRUE(c_.stub->GetSite(Ctx().get(), get, &site).ok());
  EXPECT_EQ(states.sites(0).servers(), site.site().capacities(0).servers());
}

TEST_F(TeEngineApiTest, WhatIfSiteDownAnswersAndChangesNothing) {
  ReportAll("", 1);
  for (int i = 0; i < 12; ++i) SolveNow(*c_.stub);
  const cv1::Decision before = Current();
  const std::string top = before.candidates(0).site_id();
  const cv1::GetTopologyResponse topology = GetTopology(*c_.stub);

  cv1::WhatIfRequest request;
  request.add_changes()->mutable_site_down()->set_site_id(top);
  request.set_horizon(cv1::WHAT_IF_HORIZON_STEADY_STATE);
  cv1::WhatIfResponse r;
  grpc::Status s = c_.stub->WhatIf(Ctx().get(), request, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(r.decisions_size(), 1);
  EXPECT_DOUBLE_EQ(WeightOf(r.decisions(0), top), 0);
  ASSERT_EQ(r.diffs_size(), 1);
  EXPECT_EQ(r.diffs(0).kind(), cv1::DIFF_KIND_CHANGED);
  EXPECT_GT(r.what_if_objective(), 0);
  EXPECT_GT(r.current_objective(), 0);

  request.Clear();
  request.add_changes()->mutable_router_down()->set_router_id("atlantis");
  s = c_.stub->WhatIf(Ctx().get(), request, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_TRUE(MessageDifferencer::Equals(topology, GetTopology(*c_.stub)));
  EXPECT_TRUE(MessageDifferencer::Equals(before, Current()));
}

// Demand beyond every site's capacity: the decision list says which sites
// are overloaded, so nobody reads the overload cost as a prediction.
TEST_F(TeEngineApiTest, OverloadIsListedAsWarnings) {
  ReportAll("", 1);
  cv1::SetDemandRequest set;
  set.mutable_demand()->set_ingress_router_id("guangzhou");
  set.mutable_demand()->set_service_id("llm-inference");
  set.mutable_demand()->set_requests_per_second(1000);  // capacity is ~72 req/s in all
  cv1::SetDemandResponse out;
  ASSERT_TRUE(c_.stub->SetDemand(Ctx().get(), set, &out).ok());
  SolveNow(*c_.stub);
  cv1::ListDecisionsRequest request;
  request.add_ingress_router_ids("shanghai");  // warnings are not filtered
  cv1::ListDecisionsResponse list;
  ASSERT_TRUE(c_.stub->ListDecisions(Ctx().get(), request, &list).ok());
  EXPECT_EQ(list.decisions_size(), 1);
  EXPECT_THAT(list.warnings(),
              ::testing::Contains(::testing::MatchesRegex(
                  "site .* service llm-inference loaded to [0-9.]+ of its capacity")));

  // Back within capacity: the warnings go once damping has let the weights
  // move back (a bounded step per epoch).
  set.mutable_demand()->set_requests_per_second(1);
  ASSERT_TRUE(c_.stub->SetDemand(Ctx().get(), set, &out).ok());
  for (int epoch = 0; epoch < 30; ++epoch) {
    SolveNow(*c_.stub);
    ASSERT_TRUE(c_.stub->ListDecisions(Ctx().get(), request, &list).ok());
    if (list.warnings().empty()) break;
  }
  EXPECT_THAT(list.warnings(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace cpn::api::testing

namespace cpn::api::testing {
namespace {

// Options under which reports do not age (the tests' clocks jump).
TeEngineOptions NoAgeing() {
  TeEngineOptions options;
  options.decision.staleness.fresh_age = absl::Minutes(10);
  options.decision.staleness.max_age = absl::Minutes(20);
  return options;
}

// Chinanet with one configured llm-inference demand of `rps` at shanghai.
DecisionInputs ShanghaiDemand(double rps) {
  DecisionInputs in;
  in.model = *model::NetworkModel::Build(Chinanet());
  cv1::Demand d;
  d.set_ingress_router_id("shanghai");
  d.set_service_id("llm-inference");
  d.set_requests_per_second(rps);
  d.set_source(cv1::DEMAND_SOURCE_CONFIGURED);
  in.demands = {d};
  return in;
}

// The adapter's metric filter follows a single report to its value within a
// few time constants, however rarely the site reports.
TEST(TeEngineTest, OneReportIsFollowedWithinAFewTimeConstants) {
  TeEngineOptions options = NoAgeing();
  options.smoothing.time_constant = absl::Seconds(2);
  TeDecisionEngine engine(options);
  // No CPN traffic: the reported busy servers are all background (see
  // BusyServersLessCpnsOwnRate for the attribution).
  DecisionInputs in = ShanghaiDemand(0);
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  auto report = [&](double busy, absl::Time at) {
    SiteReport r;
    r.report = Report("horinger", "llm-inference", busy, 48, 1, at);
    r.measured_at = at;
    r.received_at = at;
    in.metrics = {r};
  };
  auto background = [&](absl::Time now) {
    in.now = now;
    ++in.epoch;
    absl::StatusOr<DecisionSet> set = engine.Decide(in);
    EXPECT_TRUE(set.ok()) << set.status();
    const cv1::SiteState* s = set->FindSiteState("horinger", "llm-inference");
    EXPECT_NE(s, nullptr);
    return s == nullptr ? 0.0 : s->background_rate_rps();
  };
  report(12, t0);
  const double low = background(t0);
  EXPECT_NEAR(low, 12 * 0.25, 1e-6);  // 12 busy servers at 1/4 s^-1 each
  report(46, t0 + absl::Seconds(1));
  const double high = 46 * 0.25;
  const double first = background(t0 + absl::Seconds(1));
  EXPECT_GT(first, low + 0.2 * (high - low));
  EXPECT_LT(first, low + 0.6 * (high - low));  // 1 - e^-0.5 = 0.39 of the step
  double last = first;
  for (int s = 2; s <= 12; ++s) last = background(t0 + absl::Seconds(s));
  EXPECT_NEAR(last, high, 0.01 * high);
}

// A site's busy servers include the requests CPN steered there: the
// background is what remains after CPN's rate at the weights in force when
// the report was measured (not counted twice), and a report older than the
// last weight change still gets the rate of its own time.
TEST(TeEngineTest, BusyServersLessCpnsOwnRate) {
  TeEngineOptions options = NoAgeing();
  options.smooth_metrics = false;
  options.decision.damping_enabled = false;
  TeDecisionEngine engine(options);
  DecisionInputs in = ShanghaiDemand(8);
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  auto decide = [&](double busy, absl::Time measured, absl::Time now) {
    SiteReport r;
    r.report = Report("horinger", "llm-inference", busy, 48, 1, measured);
    r.measured_at = r.received_at = measured;
    in.metrics = {r};
    in.now = now;
    ++in.epoch;
    absl::StatusOr<DecisionSet> set = engine.Decide(in);
    EXPECT_TRUE(set.ok()) << set.status();
    return set.ok() ? *set : DecisionSet{};
  };
  auto state = [](const DecisionSet& set) {
    const cv1::SiteState* s = set.FindSiteState("horinger", "llm-inference");
    EXPECT_NE(s, nullptr);
    return s == nullptr ? cv1::SiteState() : *s;
  };
  // No weights in force yet: all of it is background.
  const DecisionSet first = decide(8, t0, t0);
  EXPECT_NEAR(state(first).background_rate_rps(), 8 * 0.25, 1e-9);
  const double steered = state(first).assigned_rate_rps();
  ASSERT_GT(steered, 0.5) << "the test needs CPN traffic at horinger";
  // Measured after the first decision: its rate is CPN's, not background.
  const DecisionSet second = decide(8 + steered * 4, t0 + absl::Seconds(1), t0 + absl::Seconds(1));
  EXPECT_NEAR(state(second).background_rate_rps(), 8 * 0.25, 1e-6);
  // A report measured before the first decision (late) gets no CPN rate.
  const DecisionSet late = decide(8, t0 - absl::Seconds(1), t0 + absl::Seconds(2));
  EXPECT_NEAR(state(late).background_rate_rps(), 8 * 0.25, 1e-6);
}

// A port's counters count CPN's traffic too: the arc's background is the
// measured utilisation less CPN's planned load at the time.
TEST(TeEngineTest, LinkLoadLessCpnsPlannedTraffic) {
  TeEngineOptions options = NoAgeing();
  options.smooth_metrics = false;
  options.decision.damping_enabled = false;
  TeDecisionEngine engine(options);
  DecisionInputs in = ShanghaiDemand(5000);  // enough to show on a link
  const model::NetworkModel& m = *in.model;
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  in.now = t0;
  in.epoch = 1;
  absl::StatusOr<DecisionSet> first = engine.Decide(in);
  ASSERT_TRUE(first.ok()) << first.status();
  // The direction carrying the most planned CPN traffic.
  std::string link_id, from;
  double planned = 0;
  for (const cv1::LinkState& l : first->link_states) {
    const model::Link& link = m.link(*m.FindLink(l.link_id()));
    for (const auto& [load, end] :
         {std::pair{&l.a_to_b(), &link.a}, std::pair{&l.b_to_a(), &link.b}}) {
      const double u = load->planned_rate_bps() / static_cast<double>(link.capacity_bps);
      if (u > planned) {
        planned = u;
        link_id = l.link_id();
        from = m.router(end->router).id;
      }
    }
  }
  ASSERT_GT(planned, 1e-3) << "the test needs CPN traffic on a link";
  // Measured after the first decision: CPN's planned share plus 0.3.
  in.link_loads = {LinkLoad{link_id, from, planned + 0.3, t0 + absl::Milliseconds(500)}};
  in.now = t0 + absl::Seconds(1);
  in.epoch = 2;
  ASSERT_TRUE(engine.Decide(in).ok());
  const model::LinkIndex li = *m.FindLink(link_id);
  model::ArcIndex arc = model::ArcOf(li, model::ArcDirection::kAToB);
  if (m.router(m.arc_tail(arc)).id != from) arc = model::ReverseOf(arc);
  std::shared_ptr<const te::MetricState> metrics = engine.LastMetrics();
  ASSERT_NE(metrics, nullptr);
  ASSERT_GT(metrics->arcs.size(), arc.value());
  EXPECT_NEAR(metrics->arcs[arc.value()].background_utilization, 0.3, 1e-6);
  EXPECT_EQ(metrics->arcs[ReverseOf(arc).value()].background_utilization, 0);
  // Measured before any decision: all of it is background.
  in.link_loads = {LinkLoad{link_id, from, planned + 0.3, t0 - absl::Seconds(1)}};
  in.now = t0 + absl::Seconds(2);
  in.epoch = 3;
  ASSERT_TRUE(engine.Decide(in).ok());
  EXPECT_NEAR(engine.LastMetrics()->arcs[arc.value()].background_utilization, planned + 0.3, 1e-6);
}

}  // namespace
}  // namespace cpn::api::testing
