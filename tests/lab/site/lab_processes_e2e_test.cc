// End to end, no root: a real cpn-controller on the four-router scenario's
// network, a real cpn-site for site-a reporting to it, and a real
// cpn-loadgen driving the site on 127.0.0.1 (all on free ports, always
// stopped). Checks that the site's reports reach the controller (cpnctl
// metrics list) and that the load generator's CSV is complete and
// consistent.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "controller/topology/topology_file.h"
#include "cpn/controller/v1/controller.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lab/scenario/scenario_file.h"
#include "tests/controller/cpnctl/subprocess.h"

namespace cpn::testing {
namespace {

using ::testing::HasSubstr;
constexpr char kScenario[] = "lab/scenarios/four-router.txtpb";

// The port a child printed as "(port N)".
std::string PrintedPort(const std::string& out) {
  const size_t at = out.find("(port ");
  if (at == std::string::npos) return "";
  return out.substr(at + 6, out.find(')', at) - at - 6);
}

class LabProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / absl::StrCat("cpn-lab-e2e-", getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(LabProcesses, SiteReportsReachTheControllerAndLoadIsRecorded) {
  // The controller gets the network the scenario resolves to.
  absl::StatusOr<cpn::lab::ResolvedScenario> scenario = cpn::lab::LoadScenarioFile(kScenario);
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  const std::string topology = (dir_ / "topology.txtpb").string();
  ASSERT_TRUE(cpn::topology::SaveTopologyFile(topology, scenario->topology).ok());

  auto controller =
      ChildProcess::Start({CPN_CONTROLLER_BIN, "--listen", "127.0.0.1:0", "--topology", topology,
                           "--metrics-min-interval-ms", "100"},
                          "listening on", absl::Seconds(60));
  ASSERT_TRUE(controller.ok()) << controller.status();
  const std::string controller_address = "127.0.0.1:" + PrintedPort((*controller)->Output());

  auto site = ChildProcess::Start({CPN_SITE_BIN, "--scenario", kScenario, "--site", "site-a",
                                   "--listen", "127.0.0.1:0", "--controller", controller_address},
                                  "reporting to", absl::Seconds(30));
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_THAT((*site)->Output(), HasSubstr("4 servers, service time exponential(mean 20 ms)"));
  const std::string site_address = "127.0.0.1:" + PrintedPort((*site)->Output());

  // 3 s of the scenario's client (100 requests/s, 20 ms service, 4 servers).
  const std::string csv = (dir_ / "c1.csv").string();
  RunResult load;
  std::thread loadgen([&] {
    load = RunCommand({CPN_LOADGEN_BIN, "--target", site_address, "--scenario", kScenario,
                       "--client", "c1", "--duration-s", "3", "--connections", "4",
                       "--requests-per-connection", "20", "--out", csv},
                      absl::Seconds(60));
  });

  // While the load runs, a fresh report showing arrivals reaches the
  // controller.
  namespace cv1 = cpn::controller::v1;
  bool seen_load = false;
  std::string last;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20);
       absl::Now() < deadline && !seen_load; absl::SleepFor(absl::Milliseconds(250))) {
    RunResult r = RunCommand({CPNCTL_BIN, "--controller", controller_address, "-o", "json",
                              "metrics", "list", "--site", "site-a"});
    last = absl::StrCat(r.out, r.err);
    if (r.exit_code != 0) continue;
    cv1::ListSiteStatesResponse states;
    if (!google::protobuf::util::JsonStringToMessage(r.out, &states).ok()) continue;
    for (const cv1::SiteState& s : states.sites()) {
      if (s.site_id() != "site-a" || s.freshness() != cv1::METRICS_FRESHNESS_FRESH) continue;
      EXPECT_EQ(s.last_report().reporter_id(), "cpn-site/site-a");
      for (const auto& m : s.last_report().l0()) {
        if (m.type() == cpn::compute::v1::METRIC_TYPE_ARRIVAL_RATE && m.value() > 20)
          seen_load = true;
      }
    }
  }
  loadgen.join();
  EXPECT_TRUE(seen_load) << "no fresh report with arrivals from site-a; last answer:\n" << last;

  ASSERT_EQ(load.exit_code, 0) << load.out << load.err;
  EXPECT_THAT(load.out, HasSubstr("latency   mean"));
  EXPECT_THAT(load.out, HasSubstr("site-a"));

  // The CSV: a header, one row per request, ids 1..N, all served by site-a,
  // times consistent, new connections every 20 requests.
  std::ifstream in(csv);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(
      line,
      "client,request_id,service,connection,send_unix_ns,done_unix_ns,latency_ms,status,site_id,"
      "queue_wait_ms,service_time_ms");
  std::set<uint64_t> ids, connections;
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    std::vector<std::string> f = absl::StrSplit(line, ',');
    ASSERT_EQ(f.size(), 11u) << line;
    EXPECT_EQ(f[0], "c1");
    uint64_t id = 0, connection = 0;
    int64_t send = 0, done = 0;
    double latency = 0, wait = 0, service = 0;
    ASSERT_TRUE(absl::SimpleAtoi(f[1], &id) && absl::SimpleAtoi(f[3], &connection) &&
                absl::SimpleAtoi(f[4], &send) && absl::SimpleAtoi(f[5], &done) &&
                absl::SimpleAtod(f[6], &latency) && absl::SimpleAtod(f[9], &wait) &&
                absl::SimpleAtod(f[10], &service))
        << line;
    ids.insert(id);
    connections.insert(connection);
    EXPECT_EQ(f[2], "echo");
    EXPECT_EQ(f[7], "OK") << line;
    EXPECT_EQ(f[8], "site-a") << line;
    EXPECT_GE(done, send);
    EXPECT_NEAR(latency, (done - send) / 1e6, 0.01) << line;
    EXPECT_GT(service, 0);
    EXPECT_GE(latency + 0.01, wait + service) << line;
  }
  // Poisson at 100/s for 3 s: 300 expected, well inside 200..400.
  EXPECT_GT(rows, 200);
  EXPECT_LT(rows, 400);
  EXPECT_EQ(ids.size(), static_cast<size_t>(rows));
  EXPECT_EQ(*ids.begin(), 1u);
  EXPECT_EQ(*ids.rbegin(), static_cast<uint64_t>(rows));
  EXPECT_GE(connections.size(), static_cast<size_t>(rows / 20));
  EXPECT_THAT(load.out, HasSubstr(absl::StrCat("wrote ", rows, " records")));

  // The site stops cleanly and its reports were accepted, none rejected.
  EXPECT_EQ((*site)->Stop(), 0);
  EXPECT_THAT((*site)->Output(), ::testing::ContainsRegex("accepted [1-9][0-9]*, rejected 0"));
  EXPECT_EQ((*controller)->Stop(), 0);
}

TEST_F(LabProcesses, UsageErrorsExitWithTwo) {
  RunResult r = RunCommand({CPN_SITE_BIN, "--servers", "2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--site is required"));
  r = RunCommand({CPN_SITE_BIN, "--site", "x", "--service", "s", "--service-time", "gamma:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("service time \"gamma:1\": unknown model"));
  r = RunCommand({CPN_SITE_BIN, "--scenario", kScenario, "--site", "site-z"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("no site \"site-z\""));
  r = RunCommand({CPN_LOADGEN_BIN, "--target", "127.0.0.1:1", "--schedule", "1:5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("times must start at 0"));
  r = RunCommand({CPN_LOADGEN_BIN, "--rate", "5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--target is required"));
}

}  // namespace
}  // namespace cpn::testing
