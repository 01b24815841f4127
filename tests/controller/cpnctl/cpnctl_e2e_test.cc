// cpnctl end to end: a real cpn-controller process on a free port (always
// stopped, also when a test fails), real cpnctl invocations; output, JSON
// (parsed) and exit codes checked; clean shutdown on SIGTERM.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cpn/controller/v1/controller.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/controller/cpnctl/subprocess.h"

namespace cpn::testing {
namespace {

namespace cv1 = cpn::controller::v1;
using ::testing::HasSubstr;

template <typename T>
T ParseJson(const std::string& text) {
  T m;
  auto s = google::protobuf::util::JsonStringToMessage(text, &m);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << text;
  return m;
}

class CpnctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto child = ChildProcess::Start(
        {CPN_CONTROLLER_BIN, "--listen", "127.0.0.1:0", "--epoch-ms", "100", "--topology",
         "lab/topologies/chinanet-edwc.txtpb", "--metrics-min-interval-ms", "0"},
        "listening on", absl::Seconds(60));
    ASSERT_TRUE(child.ok()) << child.status();
    controller_ = child->release();
    // "listening on 127.0.0.1:PORT (port PORT), ..."
    const std::string out = controller_->Output();
    const size_t at = out.find("(port ");
    ASSERT_NE(at, std::string::npos) << out;
    const size_t end = out.find(')', at);
    ASSERT_NE(end, std::string::npos) << out;
    address_ = absl::StrCat("127.0.0.1:", out.substr(at + 6, end - at - 6));
  }
  static void TearDownTestSuite() {
    delete controller_;  // kills it if a test did not stop it
    controller_ = nullptr;
  }

  RunResult Cpnctl(std::vector<std::string> args) {
    args.insert(args.begin(), {CPNCTL_BIN, "--controller", address_, "--timeout", "20s"});
    RunResult r = RunCommand(args);
    last_ = absl::StrCat("exit ", r.exit_code, "\nstdout:\n", r.out, "stderr:\n", r.err);
    return r;
  }

  static ChildProcess* controller_;
  static std::string address_;
  std::string last_;
};

ChildProcess* CpnctlTest::controller_ = nullptr;
std::string CpnctlTest::address_;

TEST_F(CpnctlTest, StatusAndTopology) {
  RunResult r = Cpnctl({"status"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("Epoch"));
  EXPECT_THAT(r.out, HasSubstr("38 routers"));

  r = Cpnctl({"topology", "show", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  auto topology = ParseJson<cv1::GetTopologyResponse>(r.out);
  EXPECT_EQ(topology.topology().routers_size(), 38);
  EXPECT_EQ(topology.topology().name(), "Chinanet");

  r = Cpnctl({"topology", "show"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("Chinanet"));
  EXPECT_THAT(r.out, HasSubstr("Diameter"));

  r = Cpnctl(
      {"topology", "import", "lab/topologies/chinanet-edwc.txtpb", "--replace", "--validate-only"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("Validated"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("routers +0 +0 +0 +38"));

  r = Cpnctl({"site", "list"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("zhangjiakou"));
  EXPECT_THAT(r.out, HasSubstr("llm-inference(16)"));

  r = Cpnctl({"router", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_EQ(ParseJson<cv1::ListRoutersResponse>(r.out).routers_size(), 38);
}

TEST_F(CpnctlTest, InventoryChangesAndRejections) {
  RunResult r = Cpnctl({"service", "add", "video", "--prefix", "2001:db8:cafe:9::/64",
                        "--service-time-ms", "20", "--protocol", "udp", "--ports", "5004-5005"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("service video created"));

  r = Cpnctl({"service", "add", "bad", "--prefix", "2001:db8:zz::/64"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(r.err, HasSubstr("service \"bad\": anycast_prefix"));

  r = Cpnctl({"site", "add", "edge", "--router", "shanghai", "--service", "video=4"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  r = Cpnctl({"site", "add", "edge", "--router", "shanghai", "--service", "video=4"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("ALREADY_EXISTS"));
  r = Cpnctl({"site", "add", "far", "--router", "atlantis", "--service", "video=4"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("attachment.router_id"));

  r = Cpnctl({"service", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_EQ(ParseJson<cv1::ListServicesResponse>(r.out).services_size(), 2);
  r = Cpnctl({"service", "delete", "video"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  ASSERT_EQ(Cpnctl({"site", "delete", "edge"}).exit_code, 0) << last_;
  ASSERT_EQ(Cpnctl({"service", "delete", "video"}).exit_code, 0) << last_;

  // A link down and up again by its id.
  r = Cpnctl({"link", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  const std::string link = ParseJson<cv1::ListLinksResponse>(r.out).links(0).id();
  ASSERT_EQ(Cpnctl({"link", "down", link}).exit_code, 0) << last_;
  r = Cpnctl({"link", "list"});
  EXPECT_THAT(r.out, ::testing::ContainsRegex(link + ".* down"));
  ASSERT_EQ(Cpnctl({"link", "up", link}).exit_code, 0) << last_;
}

TEST_F(CpnctlTest, DemandMetricsDecisionsWhatIf) {
  RunResult r = Cpnctl({"demand", "set", "shanghai", "llm-inference", "10"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  r = Cpnctl({"demand", "set", "nowhere", "llm-inference", "1"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("demand.ingress_router_id: no router \"nowhere\""));
  r = Cpnctl({"demand", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_EQ(ParseJson<cv1::ListDemandsResponse>(r.out).demands_size(), 1);

  r = Cpnctl({"metrics", "report", "--site", "zhangjiakou", "--service", "llm-inference", "--busy",
              "16", "--servers", "16"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("accepted"));
  r = Cpnctl({"metrics", "report", "--site", "atlantis", "--busy", "1"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("unknown-site"));
  r = Cpnctl({"metrics", "report", "--site", "zhangjiakou", "--age", "5m", "--busy", "1"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("stale"));
  r = Cpnctl({"metrics", "report", "--site", "zhangjiakou", "--service", "llm-inference",
              "--sequence", "1", "--busy", "1"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("out-of-order"));
  r = Cpnctl({"metrics", "list", "--site", "zhangjiakou", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  auto states = ParseJson<cv1::ListSiteStatesResponse>(r.out);
  ASSERT_EQ(states.sites_size(), 1);
  EXPECT_EQ(states.sites(0).last_report().l0_size(), 2);

  r = Cpnctl({"solve"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  r = Cpnctl({"decision", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  auto decisions = ParseJson<cv1::ListDecisionsResponse>(r.out);
  ASSERT_EQ(decisions.decisions_size(), 1);
  EXPECT_GT(decisions.decisions(0).candidates_size(), 0);
  r = Cpnctl({"decision", "list"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("shanghai"));

  r = Cpnctl({"decision", "explain", "shanghai", "llm-inference"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("total_ms"));
  EXPECT_THAT(r.out, HasSubstr("zhangjiakou"));
  r = Cpnctl({"decision", "explain", "beijing", "llm-inference"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("NOT_FOUND"));

  const std::string top = decisions.decisions(0).candidates(0).site_id();
  r = Cpnctl({"whatif", "--steady-state", "site-down", top, "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  auto what_if = ParseJson<cv1::WhatIfResponse>(r.out);
  ASSERT_EQ(what_if.decisions_size(), 1);
  for (const auto& c : what_if.decisions(0).candidates()) {
    if (c.site_id() == top) {
      EXPECT_EQ(c.weight(), 0) << "a down site keeps no share";
    }
  }
  r = Cpnctl({"whatif", "surge", top, "3", "demand", "beijing", "llm-inference", "5"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  EXPECT_THAT(r.out, HasSubstr("nothing was applied"));
  EXPECT_THAT(r.out, HasSubstr("llm-inference@beijing"));
  r = Cpnctl({"whatif", "link-down", "nowhere--else"});
  EXPECT_EQ(r.exit_code, 1) << last_;
  EXPECT_THAT(r.err, HasSubstr("changes[0].link_down.link_id"));
  // Nothing was applied: still one demand.
  r = Cpnctl({"demand", "list", "-o", "json"});
  EXPECT_EQ(ParseJson<cv1::ListDemandsResponse>(r.out).demands_size(), 1);
}

TEST_F(CpnctlTest, UsageErrorsAndUnreachable) {
  EXPECT_EQ(Cpnctl({"frobnicate"}).exit_code, 2) << last_;
  RunResult r = Cpnctl({"demand", "set", "shanghai", "llm-inference"});
  EXPECT_EQ(r.exit_code, 2) << last_;
  EXPECT_THAT(r.err, HasSubstr("usage: cpnctl demand set"));
  EXPECT_EQ(Cpnctl({"site", "add", "x", "--router", "a", "--bogus", "1"}).exit_code, 2) << last_;
  EXPECT_EQ(Cpnctl({"status", "-o", "yaml"}).exit_code, 2) << last_;
  EXPECT_EQ(Cpnctl({"topology", "import", "/nonexistent.txtpb"}).exit_code, 2) << last_;
  r = RunCommand({CPNCTL_BIN, "--controller", "127.0.0.1:1", "--timeout", "1s", "status"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot reach"));
  r = RunCommand({CPNCTL_BIN, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Exit codes"));
}

// SIGTERM stops the controller cleanly. Last in the file, so that it also
// runs last when the whole binary runs in one process (ctest runs each test
// in its own process, with its own controller).
// cpnctl watch follows decisions live: it prints the state, says when it is
// in sync, then prints a demand's decision appearing and changing as
// metrics move, each within about an epoch.
TEST_F(CpnctlTest, WatchShowsDecisionsChangeLive) {
  auto watch = ChildProcess::Start({CPNCTL_BIN, "--controller", address_, "watch", "decisions",
                                    "--router", "guangzhou", "--count", "2"},
                                   "in sync", absl::Seconds(30));
  ASSERT_TRUE(watch.ok()) << watch.status();
  auto output_has = [&](const std::string& text, size_t from) {
    const absl::Time until = absl::Now() + absl::Seconds(10);
    while (absl::Now() < until) {
      if ((*watch)->Output().find(text, from) != std::string::npos) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  };
  const size_t synced = (*watch)->Output().find("in sync");
  RunResult r = Cpnctl({"demand", "set", "guangzhou", "llm-inference", "40"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  ASSERT_TRUE(output_has("llm-inference@guangzhou", synced)) << (*watch)->Output();
  // Fill the site the demand uses most: its weights move away from it.
  r = Cpnctl({"decision", "list", "-o", "json"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  std::string top;
  const auto decisions = ParseJson<cv1::ListDecisionsResponse>(r.out);
  for (const auto& d : decisions.decisions()) {
    if (d.ingress_router_id() == "guangzhou") top = d.candidates(0).site_id();
  }
  ASSERT_FALSE(top.empty()) << r.out;
  const size_t before = (*watch)->Output().size();
  r = Cpnctl({"metrics", "report", "--site", top, "--service", "llm-inference", "--busy", "16",
              "--servers", "16"});
  ASSERT_EQ(r.exit_code, 0) << last_;
  ASSERT_TRUE(output_has("changed", before)) << (*watch)->Output();
  EXPECT_THAT((*watch)->Output().substr(before), HasSubstr(top)) << "the change names the site";
  (*watch)->Stop();
  std::printf("%s", (*watch)->Output().c_str());
}

TEST_F(CpnctlTest, ZzSigtermShutsDownCleanly) {
  ASSERT_NE(controller_, nullptr);
  EXPECT_EQ(controller_->Stop(), 0) << controller_->Output();
  EXPECT_THAT(controller_->Output(), HasSubstr("SIGTERM, shutting down"));
  EXPECT_THAT(controller_->Output(), HasSubstr("stopped"));
  EXPECT_EQ(Cpnctl({"--timeout", "1s", "status"}).exit_code, 3) << last_;
}

}  // namespace
}  // namespace cpn::testing
