// Scenario parsing and validation: the shipped scenarios load and resolve,
// and every check names the file, line, field and entity.
#include "lab/scenario/scenario_validate.h"

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/scenario/scenario_text.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;

// A small valid scenario; each error case edits one piece of it.
// Clang-format must not reflow it: the error cases name lines and columns.
// clang-format off
constexpr char kBase[] = R"scenario(name: "t"
duration_s: 10
network {
  topology {
    routers { id: "r1" srv6_locator: "fcbb:bb00:1::/48" }
    routers { id: "r2" srv6_locator: "fcbb:bb00:2::/48" }
    routers { id: "r3" srv6_locator: "fcbb:bb00:3::/48" }
    services { id: "echo" anycast_prefix: "2001:db8:cafe:1::/64" mean_service_time_ms: 20 }
  }
}
links { a: "r1" b: "r2" delay_ms: 5 rate_mbps: 100 }
links { a: "r2" b: "r3" delay_ms: 5 rate_mbps: 100 }
sites {
  id: "s1"
  router: "r2"
  services { service_id: "echo" servers: 4 service_time { exponential { mean_ms: 20 } } }
}
sites {
  id: "s2"
  router: "r3"
  services { service_id: "echo" servers: 2 service_time { lognormal { mean_ms: 20 sigma: 1 } } }
  metrics { interval_ms: 200 delay_ms: 100 }
}
clients {
  id: "c1"
  router: "r1"
  region: "east"
  services: "echo"
  rate { piecewise { steps { at_s: 0 rps: 10 } steps { at_s: 4 rps: 20 } } }
}
events { at_s: 5 load_surge { region: "east" factor: 2 duration_s: 2 } }
events { at_s: 6 link_down { link: "r1--r2" } }
events { at_s: 7 site_down { site: "s2" } }
events { at_s: 8 metric_delay { site: "s1" delay_ms: 500 } }
events { at_s: 9 note: "crash" controller_restart { down_s: 0.5 } }
events { at_s: 3 controller_restart { } }
)scenario";
// clang-format on

absl::StatusOr<ResolvedScenario> Load(const std::string& text) {
  absl::StatusOr<ParsedScenario> parsed = ParseScenarioText(text, "t.txtpb");
  if (!parsed.ok()) return parsed.status();
  return ValidateScenario(*parsed, {});
}

TEST(ScenarioValidate, BaseResolves) {
  absl::StatusOr<ResolvedScenario> r = Load(kBase);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->topology.links_size(), 2);
  EXPECT_EQ(r->topology.links(0).id(), "r1--r2");
  EXPECT_EQ(r->topology.links(0).propagation_delay_us(), 5000u);
  EXPECT_EQ(r->topology.links(0).capacity_bps(), 100000000u);
  EXPECT_EQ(r->topology.links(0).a().interface(), "eth1");
  EXPECT_EQ(r->topology.links(1).a().interface(), "eth2");  // r2's second link
  ASSERT_EQ(r->links.size(), 2u);
  EXPECT_EQ(r->links[1].delay_ms, 5);
  ASSERT_EQ(r->topology.sites_size(), 2);
  EXPECT_EQ(r->topology.sites(0).attachment().router_id(), "r2");
  EXPECT_EQ(r->topology.sites(0).capacities(0).servers(), 4u);
  EXPECT_EQ(r->topology.sites(0).capacities(0).mean_service_time_ms(), 20);
  EXPECT_NE(r->topology.sites(0).attachment().site_prefixes(0),
            r->topology.sites(1).attachment().site_prefixes(0));
  // Client routers become ingresses, site routers site gateways.
  EXPECT_THAT(r->topology.routers(0).roles(),
              ::testing::Contains(cpn::topology::v1::ROUTER_ROLE_INGRESS));
  EXPECT_THAT(r->topology.routers(1).roles(),
              ::testing::Contains(cpn::topology::v1::ROUTER_ROLE_SITE_GATEWAY));
}

TEST(ScenarioValidate, SyntaxErrorNamesLineAndColumn) {
  absl::StatusOr<ResolvedScenario> r = Load("name: \"t\"\nduration_s: 1\nsites { idd: \"x\" }\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("t.txtpb:3:12:"));
  EXPECT_THAT(r.status().message(), HasSubstr("no field named \"idd\""));
}

struct ErrorCase {
  const char* name;
  std::string from;  // replaced in kBase (first occurrence) ...
  std::string to;    // ... by this
  std::string want;  // expected in the message
};

class ScenarioErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ScenarioErrors, NamesWhatAndWhere) {
  const ErrorCase& c = GetParam();
  std::string text = kBase;
  const size_t at = text.find(c.from);
  ASSERT_NE(at, std::string::npos) << c.from;
  text.replace(at, c.from.size(), c.to);
  absl::StatusOr<ResolvedScenario> r = Load(text);
  ASSERT_FALSE(r.ok()) << "accepted:\n" << text;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(c.want));
}

INSTANTIATE_TEST_SUITE_P(
    All, ScenarioErrors,
    ::testing::Values(
        ErrorCase{"BadName", "name: \"t\"", "name: \"a b\"",
                  "t.txtpb:1:1: name: scenario name \"a b\""},
        ErrorCase{"ZeroDuration", "duration_s: 10", "duration_s: 0",
                  "t.txtpb:2:1: duration_s: duration must be > 0 s"},
        ErrorCase{"NoNetwork", "network {\n  topology {", "nonetwork {\n  topology {",
                  "no field named \"nonetwork\""},
        ErrorCase{"OverlayInline", "network {\n", "network {\n  overlay_file: \"x\"\n",
                  "network.overlay_file: an overlay applies to a .graphml topology_file only"},
        ErrorCase{
            "SubsetUnknownRouter", "network {\n", "network {\n  routers: \"r9\"\n",
            "t.txtpb:4:3: network.routers[0]: unknown router \"r9\" (the network has: r1, r2, r3)"},
        ErrorCase{"SubsetTwice", "network {\n", "network {\n  routers: \"r1\" routers: \"r1\"\n",
                  "network.routers[1]: router \"r1\" listed twice"},
        ErrorCase{"LinkUnknownRouter", "links { a: \"r1\" b: \"r2\"", "links { a: \"r1\" b: \"r7\"",
                  "t.txtpb:11:17: links[0].b: link r1--r7: unknown router \"r7\""},
        ErrorCase{"LinkLoop", "links { a: \"r1\" b: \"r2\"", "links { a: \"r1\" b: \"r1\"",
                  "links[0].b: link r1--r1: a link needs two different routers"},
        ErrorCase{"LinkNegativeDelay", "delay_ms: 5 rate_mbps: 100 }\nlinks { a: \"r2\"",
                  "delay_ms: -1 rate_mbps: 100 }\nlinks { a: \"r2\"",
                  "links[0].delay_ms: link r1--r2: delay must be >= 0 ms"},
        ErrorCase{"LinkZeroRate", "rate_mbps: 100 }\nlinks { a: \"r2\"",
                  "rate_mbps: 0 }\nlinks { a: \"r2\"",
                  "links[0].rate_mbps: link r1--r2: rate must be > 0 Mbit/s"},
        ErrorCase{"LinkLoss", "rate_mbps: 100 }\nlinks { a: \"r2\"",
                  "rate_mbps: 100 loss_percent: 100 }\nlinks { a: \"r2\"",
                  "links[0].loss_percent: link r1--r2: loss must be in [0, 100) percent"},
        ErrorCase{"NewLinkNeedsDelay", "links { a: \"r1\" b: \"r2\" delay_ms: 5",
                  "links { a: \"r1\" b: \"r2\"",
                  "links[0]: link r1--r2: no link joins r1 and r2 in the network; a new link needs "
                  "delay_ms and rate_mbps"},
        ErrorCase{"LinkTwice", "links { a: \"r2\" b: \"r3\"", "links { a: \"r2\" b: \"r1\"",
                  "links[1]: link r2--r1: link \"r1--r2\" is tuned twice"},
        ErrorCase{"ParallelLinks", "    services {",
                  "    links { id: \"p1\" a { router_id: \"r1\" interface: \"x1\" } b { router_id: "
                  "\"r2\" interface: \"x1\" } propagation_delay_us: 5 capacity_bps: 1 }\n"
                  "    links { id: \"p2\" a { router_id: \"r1\" interface: \"x2\" } b { router_id: "
                  "\"r2\" interface: \"x2\" } propagation_delay_us: 5 capacity_bps: 1 }\n"
                  "    services {",
                  "link r1--r2: several links join r1 and r2 (p1, p2); name one with id"},
        ErrorCase{"SiteBadId", "id: \"s1\"", "id: \"s 1\"", "sites[0].id: site id \"s 1\""},
        ErrorCase{"SiteTwice", "id: \"s2\"", "id: \"s1\"",
                  "sites[1].id: site \"s1\": defined twice"},
        ErrorCase{"SiteUnknownRouter", "router: \"r2\"", "router: \"r8\"",
                  "t.txtpb:15:3: sites[0].router: site \"s1\": unknown router \"r8\" (routers: r1, "
                  "r2, r3)"},
        ErrorCase{"SiteNoRouter", "router: \"r2\"\n", "",
                  "sites[0].router: site \"s1\": no router (the network has no site of this id to "
                  "take it from)"},
        ErrorCase{"SiteUnknownService", "services { service_id: \"echo\" servers: 4",
                  "services { service_id: \"ech\" servers: 4",
                  "sites[0].services[0].service_id: site \"s1\": unknown service \"ech\" "
                  "(services: echo)"},
        ErrorCase{
            "SiteServiceTwice", "servers: 4 service_time { exponential { mean_ms: 20 } } }\n",
            "servers: 4 service_time { exponential { mean_ms: 20 } } }\n  services { service_id: "
            "\"echo\" servers: 1 service_time { deterministic { time_ms: 1 } } }\n",
            "sites[0].services[1].service_id: site \"s1\": service \"echo\" listed twice"},
        ErrorCase{"SiteNoServices",
                  "  services { service_id: \"echo\" servers: 4 service_time { exponential { "
                  "mean_ms: 20 } } }\n",
                  "", "sites[0].services: site \"s1\": serves no service"},
        ErrorCase{"SiteZeroServers", "servers: 4", "servers: 0",
                  "sites[0].services[0].servers: site \"s1\": servers must be > 0"},
        ErrorCase{"SiteNoModel", "servers: 4 service_time { exponential { mean_ms: 20 } }",
                  "servers: 4",
                  "sites[0].services[0].service_time: site \"s1\": no service-time model"},
        ErrorCase{"ExponentialMean", "exponential { mean_ms: 20 }", "exponential { mean_ms: 0 }",
                  "sites[0].services[0].service_time.exponential.mean_ms: site \"s1\": mean must "
                  "be > 0 ms"},
        ErrorCase{"DeterministicTime", "exponential { mean_ms: 20 }",
                  "deterministic { time_ms: -2 }",
                  "service_time.deterministic.time_ms: site \"s1\": time must be > 0 ms"},
        ErrorCase{
            "LognormalSigma", "sigma: 1", "sigma: 0",
            "sites[1].services[0].service_time.lognormal.sigma: site \"s2\": sigma must be > 0"},
        ErrorCase{"TraceNoPath", "exponential { mean_ms: 20 }", "trace { }",
                  "t.txtpb:16:59: sites[0].services[0].service_time.trace.path: site \"s1\": trace "
                  "path is empty"},
        ErrorCase{"ReportInterval", "interval_ms: 200", "interval_ms: 50",
                  "sites[1].metrics.interval_ms: site \"s2\": report interval must be 0 (500) or "
                  ">= 100 ms"},
        ErrorCase{"ClientBadId", "id: \"c1\"", "id: \"\"", "clients[0].id: client id \"\""},
        ErrorCase{"ClientUnknownRouter", "router: \"r1\"", "router: \"r0\"",
                  "clients[0].router: client \"c1\": unknown router \"r0\""},
        ErrorCase{"ClientNoService", "  services: \"echo\"\n  rate", "  rate",
                  "clients[0].services: client \"c1\": requests no service"},
        ErrorCase{"ClientServiceNotServed", "services: \"echo\"\n  rate",
                  "services: \"video\"\n  rate",
                  "clients[0].services[0]: client \"c1\": service \"video\" is served by no site "
                  "(served: echo)"},
        ErrorCase{"ClientNoRate",
                  "rate { piecewise { steps { at_s: 0 rps: 10 } steps { at_s: 4 rps: 20 } } }", "",
                  "clients[0].rate: client \"c1\": no rate (constant, piecewise or trace)"},
        ErrorCase{"ClientNegativeRate",
                  "rate { piecewise { steps { at_s: 0 rps: 10 } steps { at_s: 4 rps: 20 } } }",
                  "rate { constant { rps: -1 } }",
                  "clients[0].rate.constant.rps: client \"c1\": rate must be >= 0 requests/s"},
        ErrorCase{"PiecewiseNotAtZero", "steps { at_s: 0 rps: 10 }", "steps { at_s: 1 rps: 10 }",
                  "clients[0].rate.piecewise.steps[0].at_s: client \"c1\": the first step must be "
                  "at 0 s"},
        ErrorCase{
            "PiecewiseNotIncreasing", "steps { at_s: 4 rps: 20 }", "steps { at_s: 0 rps: 20 }",
            "clients[0].rate.piecewise.steps[1].at_s: client \"c1\": step times must increase"},
        ErrorCase{
            "PiecewiseBeyondEnd", "steps { at_s: 4 rps: 20 }", "steps { at_s: 12 rps: 20 }",
            "steps[1].at_s: client \"c1\": step at 12 s is not before the end (duration_s 10)"},
        ErrorCase{"PiecewiseNoSteps",
                  "rate { piecewise { steps { at_s: 0 rps: 10 } steps { at_s: 4 rps: 20 } } }",
                  "rate { piecewise { } }",
                  "clients[0].rate.piecewise: client \"c1\": piecewise rate has no steps"},
        ErrorCase{"RateTraceNoPath",
                  "rate { piecewise { steps { at_s: 0 rps: 10 } steps { at_s: 4 rps: 20 } } }",
                  "rate { trace { } }",
                  "clients[0].rate.trace.path: client \"c1\": trace path is empty"},
        ErrorCase{"ClientTwice", "events { at_s: 5",
                  "clients { id: \"c1\" router: \"r1\" services: \"echo\" rate { constant { rps: 1 "
                  "} } }\nevents { at_s: 5",
                  "clients[1].id: client \"c1\": defined twice"},
        ErrorCase{"EventBeyondEnd", "events { at_s: 8", "events { at_s: 10",
                  "t.txtpb:34:10: events[3].at_s: event at 10 s: beyond the end of the run "
                  "(duration_s 10)"},
        ErrorCase{"EventNegative", "events { at_s: 8", "events { at_s: -1",
                  "events[3].at_s: event at -1 s: time must be >= 0 s"},
        ErrorCase{"EventEmpty", "events { at_s: 8 metric_delay { site: \"s1\" delay_ms: 500 } }",
                  "events { at_s: 8 }", "events[3]: event at 8 s: no event"},
        ErrorCase{"SurgeUnknownClient", "load_surge { region: \"east\"",
                  "load_surge { client: \"c9\"",
                  "events[0].load_surge.client: event at 5 s: unknown client \"c9\" (clients: c1)"},
        ErrorCase{"SurgeUnknownRegion", "load_surge { region: \"east\"",
                  "load_surge { region: \"west\"",
                  "events[0].load_surge.region: event at 5 s: no client is in region \"west\" "
                  "(regions: east)"},
        ErrorCase{"SurgeNoTarget", "load_surge { region: \"east\"", "load_surge {",
                  "events[0].load_surge: event at 5 s: load_surge needs a client or a region"},
        ErrorCase{"SurgeFactor", "factor: 2", "factor: 0",
                  "events[0].load_surge.factor: event at 5 s: factor must be > 0"},
        ErrorCase{"SurgeDuration", "duration_s: 2", "duration_s: 0",
                  "events[0].load_surge.duration_s: event at 5 s: duration must be > 0 s"},
        ErrorCase{"UnknownLink", "link: \"r1--r2\"", "link: \"r1--r3\"",
                  "events[1].link_down.link: event at 6 s: unknown link \"r1--r3\" (links: r1--r2, "
                  "r2--r3)"},
        ErrorCase{"UnknownSite", "site_down { site: \"s2\" }", "site_up { site: \"s3\" }",
                  "events[2].site_up.site: event at 7 s: unknown site \"s3\" (sites: s1, s2)"},
        ErrorCase{"MetricDelayUnknownSite", "metric_delay { site: \"s1\"",
                  "metric_delay { site: \"x\"",
                  "events[3].metric_delay.site: event at 8 s: unknown site \"x\""},
        ErrorCase{"RestartNegativeGap", "down_s: 0.5", "down_s: -1",
                  "t.txtpb:35:53: events[4].controller_restart.down_s: event at 9 s: down_s must "
                  "be >= 0 s"},
        ErrorCase{"RestartOutlastsRun", "down_s: 0.5", "down_s: 1",
                  "t.txtpb:35:53: events[4].controller_restart.down_s: event at 9 s: the "
                  "controller would be down until 10 s, not before the end of the run "
                  "(duration_s 10)"},
        ErrorCase{"RestartBeyondEnd", "events { at_s: 9 note", "events { at_s: 12 note",
                  "t.txtpb:35:10: events[4].at_s: event at 12 s: beyond the end of the run"},
        ErrorCase{"RestartWhileDown", "events { at_s: 3 controller_restart { } }",
                  "events { at_s: 8.5 controller_restart { down_s: 1 } }",
                  "t.txtpb:35:10: events[4].at_s: event at 9 s: controller restart while the "
                  "controller is still down from the restart at 8.5 s (events[5], back at 9.5 s)"},
        ErrorCase{"RestartUnknownField", "controller_restart { down_s: 0.5 }",
                  "controller_restart { gap_s: 0.5 }",
                  "t.txtpb:35:58: Message type \"cpn.lab.v1.ControllerRestart\" has no field "
                  "named \"gap_s\""},
        ErrorCase{"ResolvedModelInvalid", "srv6_locator: \"fcbb:bb00:3::/48\"",
                  "srv6_locator: \"fcbb:bb00:2::/48\"",
                  "t.txtpb: the resolved network does not validate:"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return std::string(info.param.name); });

TEST(ScenarioValidate, ControllerRestartParses) {
  absl::StatusOr<ResolvedScenario> r = Load(kBase);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->scenario.events_size(), 6);
  const auto& e = r->scenario.events(4);
  ASSERT_TRUE(e.has_controller_restart());
  EXPECT_EQ(e.at_s(), 9);
  EXPECT_EQ(e.note(), "crash");
  EXPECT_EQ(e.controller_restart().down_s(), 0.5);
  // An empty controller_restart: back at once.
  ASSERT_TRUE(r->scenario.events(5).has_controller_restart());
  EXPECT_EQ(r->scenario.events(5).controller_restart().down_s(), 0);
}

TEST(ScenarioValidate, AddControllerRestartAsTheFlagDoes) {
  absl::StatusOr<ResolvedScenario> r = Load(kBase);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(AddControllerRestart(*r, 6).ok());
  ASSERT_EQ(r->scenario.events_size(), 7);
  EXPECT_EQ(r->scenario.events(6).at_s(), 6);
  EXPECT_TRUE(r->scenario.events(6).has_controller_restart());
  // Outside the run, not back before its end, or while the controller is
  // down from the file's restart at 9 s (down 0.5 s): refused, unchanged.
  EXPECT_THAT(AddControllerRestart(*r, 10).message(),
              HasSubstr("controller restart at 10 s: not within the run [0, 10) s"));
  EXPECT_THAT(AddControllerRestart(*r, 8, 2).message(),
              HasSubstr("down for 2 s, the controller must be back before the end of the run"));
  EXPECT_THAT(AddControllerRestart(*r, 9.2).message(),
              HasSubstr("events[7].at_s: event at 9.2 s: controller restart while the controller "
                        "is still down from the restart at 9 s"));
  EXPECT_EQ(r->scenario.events_size(), 7);
}

TEST(ScenarioValidate, UnreachableSite) {
  // Without r2--r3, s2 is cut off but s1 still serves echo: fine. Without
  // r1--r2 as well, c1 reaches nothing.
  std::string text = kBase;
  text = absl::StrReplaceAll(
      text, {{"links { a: \"r1\" b: \"r2\" delay_ms: 5 rate_mbps: 100 }\n", ""},
             {"link_down { link: \"r1--r2\" }", "link_down { link: \"r2--r3\" }"}});
  absl::StatusOr<ResolvedScenario> r = Load(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("clients[0].services[0]: client \"c1\": no site "
                                              "serving \"echo\" is reachable from router \"r1\""));
}

TEST(ScenarioValidate, ReportsEveryProblem) {
  std::string text =
      absl::StrReplaceAll(kBase, {{"servers: 4", "servers: 0"}, {"factor: 2", "factor: 0"}});
  absl::StatusOr<ResolvedScenario> r = Load(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("servers must be > 0"));
  EXPECT_THAT(r.status().message(), HasSubstr("factor must be > 0"));
}

}  // namespace
}  // namespace cpn::lab
