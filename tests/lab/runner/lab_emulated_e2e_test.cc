// The emulated lab end to end (root; skipped otherwise): `cpn-lab up` of
// the four-router scenario, ping through the dataplanes from the client's
// namespace to a site, `cpn-lab down` leaving nothing behind; then `cpn-lab
// run` of the scenario, whose collected requests must show the surge moving
// new requests to the other site, again leaving nothing behind.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/runner/command_runner.h"
#include "lab/runner/lab.h"
#include "lab/runner/lab_report.h"
#include "lab/runner/lab_state.h"
#include "lab/scenario/scenario_file.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;
constexpr char kScenario[] = "lab/scenarios/four-router.txtpb";

std::string StateRoot() { return absl::StrCat(::testing::TempDir(), "/cpn-lab-state"); }

// Runs cpn-lab; output and exit status.
int Lab(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv = {CPN_LAB_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--state-dir", StateRoot()});
  SystemCommandRunner r;
  absl::StatusOr<std::string> o = r.Run(argv);
  *out = o.ok() ? *o : std::string(o.status().message());
  return o.ok() ? 0 : 1;
}

// Nothing of lab `name` remains (namespace deletion is asynchronous: wait
// up to 5 s).
void ExpectNoLeftovers(const std::string& name) {
  std::vector<std::string> left;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(5); absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(100))) {
    left = LabLeftovers(name, StateRoot());
    if (left.empty()) return;
  }
  ADD_FAILURE() << "lab " << name << " left:\n" << absl::StrJoin(left, "\n");
}

class EmulatedLab : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the emulated lab needs root (namespaces, veths)";
    name_ = absl::StrCat("t", getpid());
  }
  void TearDown() override {
    if (geteuid() != 0) return;
    std::string out;
    Lab({"down", "--name", name_}, &out);  // after a failure too
  }
  std::string name_;
};

TEST_F(EmulatedLab, UpPingsThroughTheDataplanesAndDownLeavesNothing) {
  std::string out;
  ASSERT_EQ(Lab({"up", kScenario, "--name", name_}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("is up in"));
  std::cout << out;
  // Client c1 (behind r1) to site-a's address (behind r2) and site-b's
  // (behind r4): forwarded by the dataplanes' FIBs both ways.
  SystemCommandRunner r;
  const std::string ns = absl::StrCat("cpnlab-", name_, "+c-c1");
  absl::StatusOr<ResolvedScenario> sc = LoadScenarioFile(kScenario);
  ASSERT_TRUE(sc.ok()) << sc.status();
  // The dataplanes emulate the scenario's link delays (no netem here):
  // r1--r2 is 5 ms one way, r1--r4 10 ms, so the round trips take at least
  // 10 ms and 20 ms.
  const double min_rtt_ms[] = {10, 20};
  for (int i = 0; i < 2; ++i) {
    const std::string site = sc->topology.sites(i).attachment().next_hop_ipv6();
    absl::StatusOr<std::string> ping =
        r.Run({"ip", "netns", "exec", ns, "ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", site});
    ASSERT_TRUE(ping.ok()) << ping.status();
    EXPECT_THAT(*ping, HasSubstr(" 0% packet loss")) << *ping;
    const size_t rtt = ping->rfind("rtt");
    ASSERT_NE(rtt, std::string::npos) << *ping;
    std::cout << ping->substr(rtt);
    double mn = 0, avg = 0;
    ASSERT_EQ(std::sscanf(ping->c_str() + rtt, "rtt min/avg/max/mdev = %lf/%lf", &mn, &avg), 2);
    EXPECT_GE(mn, min_rtt_ms[i]) << "link delay not emulated: " << *ping;
    EXPECT_LT(avg, min_rtt_ms[i] + 20) << *ping;  // generous: a loaded 2-core machine
  }
  // A request to the anycast service address: steered (SRv6) to a site and
  // answered.
  absl::StatusOr<std::string> load =
      r.Run({"ip", "netns", "exec", ns, CPN_LAB_LOADGEN_BIN_FOR_TEST, "--target",
             "[2001:db8:cafe:1::1]:50051", "--rate", "20", "--duration-s", "2", "--services",
             "echo", "--requests-per-connection", "1"});
  ASSERT_TRUE(load.ok()) << load.status();
  // Answered from the sites, each request its own flow (connection).
  int sent = 0, ok = 0;
  const size_t at = load->find("\nrequests ");
  ASSERT_NE(at, std::string::npos) << *load;
  ASSERT_EQ(std::sscanf(load->c_str() + at, " requests %d sent, %d ok", &sent, &ok), 2) << *load;
  EXPECT_GT(sent, 20);
  EXPECT_GE(ok, sent * 9 / 10) << *load;
  EXPECT_THAT(*load, ::testing::ContainsRegex("site-a +[1-9]"));
  // As after a crash: a dataplane killed, the state file lost. down finds
  // everything by name.
  absl::StatusOr<LabState> state = LoadLabState(absl::StrCat(StateRoot(), "/", name_));
  ASSERT_TRUE(state.ok()) << state.status();
  for (const LabProcessRecord& p : state->processes) {
    if (p.role == "dataplane" && p.id == "r3") kill(p.pid, SIGKILL);
  }
  std::filesystem::remove(absl::StrCat(StateRoot(), "/", name_, "/state"));
  ASSERT_FALSE(LabLeftovers(name_, StateRoot()).empty());
  ASSERT_EQ(Lab({"down", "--name", name_}, &out), 0) << out;
  ExpectNoLeftovers(name_);
}

TEST_F(EmulatedLab, RunFourRouterSteersTheSurgeAndLeavesNothing) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/", name_, "-run");
  std::string out;
  ASSERT_EQ(Lab({"run", kScenario, "--name", name_, "--out", dir}, &out), 0) << out;
  std::cout << out;
  ExpectNoLeftovers(name_);

  std::ifstream f(dir + "/requests.csv");
  ASSERT_TRUE(f) << "no requests.csv in " << dir;
  std::stringstream ss;
  ss << f.rdbuf();
  // requests.csv: client,service,send_s,latency_ms,status,site,...
  std::vector<RequestRecord> recs;
  int failed = 0;
  std::istringstream in(ss.str());
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> x;
    std::stringstream ls(line);
    for (std::string v; std::getline(ls, v, ',');) x.push_back(v);
    ASSERT_GE(x.size(), 6u) << line;
    RequestRecord r;
    r.client = x[0];
    r.send_s = std::stod(x[2]);
    r.status = x[4];
    r.site = x[5];
    failed += r.status != "OK";
    recs.push_back(r);
  }
  // ~100/s for 14 s and 300/s for 6 s.
  EXPECT_GT(recs.size(), 2500u);
  // Failures come from flows re-picked when a site's weight reaches 0 (see
  // docs/lab.md, Known limits): a few in most runs, up to 13 % seen.
  EXPECT_LT(failed, static_cast<int>(recs.size() / 5)) << "more than 20% failed";
  // Sites serve 200 requests/s each (4 servers, 20 ms). The 3x surge
  // (100 -> 300 requests/s from 8 s to 14 s) would saturate one site
  // alone (the nearest-site baseline sends all 300/s to site-a). With the
  // controller, new requests must move: from the surge's start to 2 s
  // after its end (250 requests/s on average; the controller reacts to
  // metric reports smoothed over 2 s and moves weights 0.1 per epoch),
  // neither site serves beyond its capacity, and the site that served
  // fewer requests before the surge serves more. (Which site the
  // controller prefers before the surge, and how much of the surge each
  // takes, varies from run to run with the sites' first, noisy reports;
  // see docs/lab.md.)
  auto rate = [&](const std::string& site, double from, double to) {
    double n = 0;
    for (const RequestRecord& r : recs) {
      n += r.status == "OK" && r.site == site && r.send_s >= from && r.send_s < to;
    }
    return n / (to - from);
  };
  const double a_before = rate("site-a", 2, 8), b_before = rate("site-b", 2, 8);
  const double a_surge = rate("site-a", 8, 16), b_surge = rate("site-b", 8, 16);
  std::cout << "before the surge site-a " << a_before << "/s, site-b " << b_before
            << "/s; from its start site-a " << a_surge << "/s, site-b " << b_surge << "/s\n";
  const bool b_fewer = b_before <= a_before;
  EXPECT_GT(b_fewer ? b_surge : a_surge, (b_fewer ? b_before : a_before) + 10)
      << "the site with fewer requests before the surge (" << (b_fewer ? "site-b" : "site-a")
      << ") took on too little of it";
  EXPECT_LT(a_surge, 190) << "site-a requests/s from the surge";
  EXPECT_LT(b_surge, 190) << "site-b requests/s from the surge";
  for (const char* file : {"report.md", "latency-c1.svg", "sites-utilisation.svg", "weights.csv",
                           "site_metrics.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(absl::StrCat(dir, "/", file))) << file;
  }
  if (!HasFailure()) std::filesystem::remove_all(dir);  // kept to look at otherwise
}

}  // namespace
}  // namespace cpn::lab
