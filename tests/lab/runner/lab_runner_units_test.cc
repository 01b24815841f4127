// The runner's pure parts besides the plan: the state file, the command
// runner's errors, the timeline of the shipped scenario, and the report
// built from given records.
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/runner/command_runner.h"
#include "lab/runner/lab_report.h"
#include "lab/runner/lab_state.h"
#include "lab/runner/timeline.h"
#include "lab/scenario/scenario_file.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;

TEST(LabState, RoundTripsAndNamesTheBadLine) {
  LabState s;
  s.name = "four-router";
  s.controller = "127.0.0.1:4000";
  s.netns = {"cpnlab-four-router+r-r1", "cpnlab-four-router+s-site-a"};
  s.veths = {"cl1234m1"};
  s.dpdk_prefixes = {"cpnlab-four-router+dp-r1"};
  s.processes = {{42, "dataplane", "r1", "cpnlab-four-router+r-r1"},
                 {43, "controller", "controller", ""}};
  absl::StatusOr<LabState> back = ParseLabState(FormatLabState(s), "state");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  absl::StatusOr<LabState> bad = ParseLabState("name x\nprocess abc dataplane r1 -\n", "st");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("st:2: expected `process PID ROLE ID NETNS`"));
  EXPECT_FALSE(ParseLabState("netns a\n", "st").ok());  // no name
  EXPECT_THAT(ParseLabState("name x\nfoo y\n", "st").status().message(),
              HasSubstr("unknown key \"foo\""));

  const std::string dir = ::testing::TempDir();
  ASSERT_TRUE(SaveLabState(dir, s).ok());
  absl::StatusOr<LabState> loaded = LoadLabState(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, s);
  EXPECT_TRUE(absl::IsNotFound(LoadLabState(dir + "/nowhere").status()));
}

TEST(CommandRunner, ErrorsNameTheCommandAndItsOutput) {
  SystemCommandRunner r;
  absl::StatusOr<std::string> ok = r.Run({"echo", "hello"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "hello\n");
  absl::StatusOr<std::string> bad = r.Run({"sh", "-c", "echo oops >&2; exit 3", "arg two"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("`sh -c 'echo oops >&2; exit 3' 'arg two'` failed (exit 3): oops"));
  absl::StatusOr<std::string> missing = r.Run({"/nonexistent/cpn-tool"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot run /nonexistent/cpn-tool"));
  EXPECT_FALSE(r.Run({}).ok());
}

TEST(Timeline, FourRouterDemandFollowsTheSurge) {
  absl::StatusOr<ResolvedScenario> sc = LoadScenarioFile("lab/scenarios/four-router.txtpb");
  ASSERT_TRUE(sc.ok()) << sc.status();
  const std::vector<TimelineAction> t = BuildTimeline(*sc);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(ActionText(t[0]), "demand r1 echo = 100.0/s");
  EXPECT_EQ(t[0].at_s, 0);
  EXPECT_EQ(t[1].at_s, 8);
  EXPECT_EQ(t[1].value, 300);
  EXPECT_EQ(t[2].at_s, 14);
  EXPECT_EQ(t[2].value, 100);
  const std::vector<MarkedEvent> ev = MarkedEvents(sc->scenario);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].label, "surge x3 c1");
  EXPECT_EQ(ev[0].to_s, 14);
}

TEST(Timeline, ControllerRestartIsAStopAndAStart) {
  absl::StatusOr<ResolvedScenario> sc = LoadScenarioFile("lab/scenarios/four-router.txtpb");
  ASSERT_TRUE(sc.ok()) << sc.status();
  // At the surge's start (as --controller-restart-at 8 adds it), and one
  // with the controller down 1.5 s.
  ASSERT_TRUE(AddControllerRestart(*sc, 8).ok());
  ASSERT_TRUE(AddControllerRestart(*sc, 16, 1.5).ok());
  const std::vector<TimelineAction> t = BuildTimeline(*sc);
  std::vector<std::string> text;
  for (const TimelineAction& a : t) text.push_back(absl::StrCat(a.at_s, " ", ActionText(a)));
  EXPECT_THAT(text, ::testing::ElementsAre(
                        "0 demand r1 echo = 100.0/s", "8 demand r1 echo = 300.0/s",
                        "8 controller killed (SIGKILL)", "8 controller started again (down 0 s)",
                        "14 demand r1 echo = 100.0/s", "16 controller killed (SIGKILL)",
                        "17.5 controller started again (down 1.5 s)"));
  const std::vector<MarkedEvent> ev = MarkedEvents(sc->scenario);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].label, "controller restart");
  EXPECT_EQ(ev[1].from_s, 8);
  EXPECT_EQ(ev[1].to_s, 8);
  EXPECT_EQ(ev[2].from_s, 16);
  EXPECT_EQ(ev[2].to_s, 17.5);
}

TEST(Timeline, DemoChinaEventsInOrder) {
  absl::StatusOr<ResolvedScenario> sc = LoadScenarioFile("lab/scenarios/demo-china.txtpb");
  ASSERT_TRUE(sc.ok()) << sc.status();
  const std::vector<TimelineAction> t = BuildTimeline(*sc);
  double last = 0;
  int links = 0, sites = 0;
  for (const TimelineAction& a : t) {
    EXPECT_GE(a.at_s, last);
    last = a.at_s;
    links += a.kind == TimelineAction::Kind::kLinkDown || a.kind == TimelineAction::Kind::kLinkUp;
    sites += a.kind == TimelineAction::Kind::kSiteDown || a.kind == TimelineAction::Kind::kSiteUp;
  }
  EXPECT_GE(links, 1);
  EXPECT_GE(sites, 2);
}

RequestRecord Rec(const std::string& site, double t, double latency, const char* status = "OK") {
  return RequestRecord{"c1", "echo", status, site, t, latency, 20, latency - 25};
}

TEST(LabReport, FromGivenRecords) {
  ReportInput in;
  in.title = "test, policy cpn";
  in.duration_s = 4;
  // 0-2 s: site-a, 10 and 30 ms; 2-4 s: half on site-b; one failure.
  for (int i = 0; i < 20; ++i) in.requests.push_back(Rec("site-a", 0.1 * i, i < 10 ? 10 : 30));
  for (int i = 0; i < 20; ++i)
    in.requests.push_back(Rec(i % 2 ? "site-b" : "site-a", 2 + 0.1 * i, 50));
  in.requests.push_back(Rec("", 3.5, 5000, "DEADLINE_EXCEEDED"));
  in.events = {{2, 4, "surge x3 c1"}};
  in.site_servers = {{"site-a", 4}, {"site-b", 4}};
  in.weights = {{0, "r1", "echo", "site-a", "OPTIMIZED", 1.0},
                {2.5, "r1", "echo", "site-a", "DAMPED", 0.5},
                {2.5, "r1", "echo", "site-b", "DAMPED", 0.5}};
  in.site_metrics = {{1.0, "site-a", "echo", "FRESH", 0.25, 0, 10},
                     {1.0, "site-b", "echo", "MISSING", 0, 0, 0}};
  const Report r = MakeReport(in);
  EXPECT_THAT(r.files.at("site_metrics.csv"),
              HasSubstr("1.000,site-a,echo,FRESH,0.2500,0.0,10.00"));
  EXPECT_TRUE(r.files.count("sites-reported.svg"));
  for (const char* f :
       {"report.md", "requests.csv", "latency.csv", "sites.csv", "weights.csv", "latency-c1.svg",
        "sites-served.svg", "sites-utilisation.svg", "weights-r1_echo.svg"}) {
    EXPECT_TRUE(r.files.count(f)) << f;
  }
  EXPECT_THAT(r.files.at("report.md"), HasSubstr("![](latency-c1.svg)"));
  EXPECT_THAT(r.files.at("report.md"), HasSubstr("surge x3 c1 (2–4 s)"));
  // 41 requests, 1 failed; p50 of the 40 OK ones is 30 ms, p99 50 ms.
  EXPECT_THAT(r.summary, HasSubstr("c1"));
  EXPECT_THAT(r.summary,
              ::testing::ContainsRegex("c1 +41 +1 +30.0 +50.0 +50.0  site-a 75%, site-b 25%"));
  EXPECT_THAT(r.summary, HasSubstr("before site-a 100% | during site-a 50%, site-b 50%"));
  EXPECT_THAT(r.files.at("latency.csv"), HasSubstr("c1,0,10,0,10.000,10.000,10.000"));
  // No restart, no restart line.
  EXPECT_THAT(r.summary, ::testing::Not(HasSubstr("controller restart")));
  // site-a in bin 1: 10 requests × 20 ms of 4 servers × 1 s = 5 %.
  EXPECT_THAT(r.files.at("sites.csv"), HasSubstr("site-a,1,10.00,0.050"));
  EXPECT_THAT(r.files.at("weights.csv"), HasSubstr("2.500,r1,echo,site-b,0.5000,DAMPED"));
  EXPECT_THAT(r.files.at("sites-served.svg"), HasSubstr("<svg"));
  const auto shares = SiteShares(in.requests, "c1", 2, 4);
  EXPECT_DOUBLE_EQ(shares.at("site-b"), 0.5);
  EXPECT_EQ(Percentile({3, 1, 2}, 50), 2);
  EXPECT_EQ(Percentile({}, 50), 0);
}

TEST(LabReport, ControllerRestartCountsTheRequestsMeanwhile) {
  ReportInput in;
  in.title = "t";
  in.duration_s = 4;
  // 10 requests/s; the controller killed at 1 s, programmed again at 1.5 s
  // (5 requests sent meanwhile, one failed); killed again at 3.2 s and not
  // back before the end (8 requests).
  for (int i = 0; i < 40; ++i) {
    in.requests.push_back(Rec("site-a", 0.1 * i + 0.05, 20, i == 12 ? "UNAVAILABLE" : "OK"));
  }
  in.controller_restarts = {{1.0, 1.5}, {3.2, -1}};
  const Report r = MakeReport(in);
  EXPECT_THAT(r.summary,
              HasSubstr("controller restart at 1.0 s: every dataplane programmed again 0.50 s "
                        "later; requests sent meanwhile 5, failed 1\n"));
  EXPECT_THAT(r.summary, HasSubstr("controller restart at 3.2 s: dataplanes not programmed again "
                                   "before the end; requests sent meanwhile 8, failed 0\n"));
  EXPECT_THAT(r.files.at("report.md"), HasSubstr("## Controller restarts"));
}

TEST(LabReport, ParsesLoadgenCsv) {
  const std::string csv =
      "client,request_id,service,connection,send_unix_ns,done_unix_ns,latency_ms,status,site_id,"
      "queue_wait_ms,service_time_ms\n"
      "c1,1,echo,1,1500000000,1520000000,20.0,OK,site-a,0.5,18.2\n";
  absl::StatusOr<std::vector<RequestRecord>> r = ParseLoadgenCsv(csv, "c1.csv", 1000000000);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_DOUBLE_EQ((*r)[0].send_s, 0.5);
  EXPECT_EQ((*r)[0].site, "site-a");
  EXPECT_DOUBLE_EQ((*r)[0].service_ms, 18.2);
  EXPECT_THAT(ParseLoadgenCsv("a,b\n", "x.csv", 0).status().message(), HasSubstr("x.csv:1:"));
  EXPECT_THAT(ParseLoadgenCsv(csv + "c1,2,echo\n", "x.csv", 0).status().message(),
              HasSubstr("x.csv:3:"));
}

}  // namespace
}  // namespace cpn::lab
