// The emulated lab end to end (root; skipped otherwise): `cpn-lab up` of
// the four-router scenario, ping through the dataplanes from the client's
// namespace to a site, `cpn-lab down` leaving nothing behind; link loss
// from the scenario reaching the dataplanes (and staying across a
// controller restart); a run with a controller_restart event failing no
// requests; then `cpn-lab run` of the scenario, whose collected requests
// must show the surge moving new requests to the other site, again leaving
// nothing behind.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/runner/command_runner.h"
#include "lab/runner/dataplane_client.h"
#include "lab/runner/lab.h"
#include "lab/runner/lab_command_args.h"
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
  // `cpn-lab run` of `scenario` into TempDir()/<name>-<what>-run (returned
  // in *dir), its output printed and kept in *out; then nothing may be left.
  void Run(const std::string& scenario, const std::string& what, std::string* dir,
           std::string* out) {
    *dir = absl::StrCat(::testing::TempDir(), "/", name_, "-", what, "-run");
    ASSERT_EQ(Lab({"run", scenario, "--name", name_, "--out", *dir}, out), 0) << *out;
    std::cout << *out;
    ExpectNoLeftovers(name_);
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
    // (ping exits 1 when a packet is lost: r4--r1 loses 0.1 % each way.)
    absl::StatusOr<std::string> ping =
        r.Run({"ip", "netns", "exec", ns, "sh", "-c",
               absl::StrCat("ping -6 -c 5 -i 0.2 -W 2 ", site, "; true")});
    ASSERT_TRUE(ping.ok()) << ping.status();
    if (i == 0) {
      EXPECT_THAT(*ping, HasSubstr(" 0% packet loss")) << *ping;
    } else {
      EXPECT_THAT(*ping, ::testing::ContainsRegex(" (0|20)% packet loss")) << *ping;
    }
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

// four-router with `edit` applied (first occurrence of `from` replaced by
// `to`), written next to the test's state; its path.
std::string EditedFourRouter(const std::string& file, const std::string& from,
                             const std::string& to) {
  std::ifstream in(kScenario);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  const std::string path = absl::StrCat(::testing::TempDir(), "/", file);
  std::ofstream(path) << text;
  return path;
}

// `ping -c N` from client c1's namespace: packets sent and received.
std::pair<int, int> Ping(const std::string& ns, const std::string& address, int count) {
  SystemCommandRunner r;
  absl::StatusOr<std::string> out =
      r.Run({"ip", "netns", "exec", ns, "sh", "-c",
             absl::StrCat("ping -6 -q -c ", count, " -i 0.01 -W 1 ", address, "; true")});
  EXPECT_TRUE(out.ok()) << out.status();
  int sent = 0, received = 0;
  const size_t at = out.ok() ? out->find(" packets transmitted") : std::string::npos;
  if (at == std::string::npos) {
    ADD_FAILURE() << "no ping summary: " << (out.ok() ? *out : "");
    return {0, 0};
  }
  const size_t line = out->rfind('\n', at);
  std::sscanf(out->c_str() + (line == std::string::npos ? 0 : line + 1),
              "%d packets transmitted, %d received", &sent, &received);
  std::cout << out->substr(line == std::string::npos ? 0 : line + 1);
  return {sent, received};
}

// Packets the dataplanes of `routers` dropped as emulated loss.
uint64_t EmulatedLoss(const LabPlan& plan, const std::vector<std::string>& routers) {
  uint64_t n = 0;
  for (const DataplaneProcess& d : plan.dataplanes) {
    if (std::find(routers.begin(), routers.end(), d.router_id) == routers.end()) continue;
    absl::StatusOr<cpn::telemetry::v1::CountersSnapshot> c = DataplaneClient(d.listen).Counters();
    EXPECT_TRUE(c.ok()) << c.status();
    if (c.ok()) n += DropCount(*c, cpn::telemetry::v1::DROP_REASON_EMULATED_LOSS);
  }
  return n;
}

// r1's port of link r1--r2 (its first): the controller's Port.emulation
// is installed as programmed (no loss: the model has none), and the lab's
// override with the loss is in effect.
void ExpectLossOverrideInEffect(const LabPlan& plan) {
  absl::StatusOr<std::vector<cpn::dataplane::v1::Port>> ports =
      DataplaneClient(plan.dataplanes[0].listen).ReadPorts();
  ASSERT_TRUE(ports.ok()) << ports.status();
  ASSERT_GE(ports->size(), 1u);
  const cpn::dataplane::v1::Port& p = (*ports)[0];
  EXPECT_EQ(p.id(), 1u);
  EXPECT_EQ(p.emulation().delay_us(), 5000u) << p.DebugString();  // from the controller
  EXPECT_EQ(p.emulation().rate_bps(), 100000000u) << p.DebugString();
  EXPECT_EQ(p.emulation().loss_ratio(), 0) << p.DebugString();
  EXPECT_EQ(p.status().emulation_source(), cpn::dataplane::v1::EMULATION_SOURCE_OVERRIDE)
      << p.DebugString();
  EXPECT_DOUBLE_EQ(p.status().effective_emulation().loss_ratio(), 0.2) << p.DebugString();
  EXPECT_EQ(p.status().effective_emulation().delay_us(), 5000u) << p.DebugString();
  EXPECT_EQ(p.status().effective_emulation().rate_bps(), 100000000u) << p.DebugString();
}

// Pings over a lossy link: a round trip is lost with 1 - (1 - l)^2; the
// dataplanes count every lost packet as emulated loss.
void ExpectLossyPings(const LabPlan& plan, const std::string& ns, const std::string& site,
                      int count) {
  const uint64_t dropped_before = EmulatedLoss(plan, {"r1", "r2"});
  const auto [sent, received] = Ping(ns, site, count);
  ASSERT_EQ(sent, count);
  const int lost = sent - received;
  const double p = 1 - 0.8 * 0.8;  // 20 % each way
  const double mean = p * count, sd = std::sqrt(count * p * (1 - p));
  std::cout << "lost " << lost << " of " << sent << " round trips (expected " << mean << " +- "
            << sd << ")\n";
  EXPECT_GE(lost, mean - 4 * sd) << "too few lost: loss not emulated on both ends?";
  EXPECT_LE(lost, mean + 4 * sd);
  // Each lost round trip is one packet dropped (the request on the way
  // there, or the reply on the way back), and nothing else crosses r1--r2.
  const uint64_t dropped = EmulatedLoss(plan, {"r1", "r2"}) - dropped_before;
  std::cout << "dataplanes r1, r2: " << dropped << " packets dropped as emulated loss\n";
  EXPECT_GE(dropped, static_cast<uint64_t>(lost));
  EXPECT_LE(dropped, static_cast<uint64_t>(lost) + 5);
}

TEST_F(EmulatedLab, LinkLossReachesTheDataplanesAndOutlivesAControllerRestart) {
  // 20 % loss each way on r1--r2, the path from c1 to site-a.
  const std::string path =
      EditedFourRouter(absl::StrCat(name_, "-lossy.txtpb"),
                       "links { a: \"r1\" b: \"r2\" delay_ms: 5 rate_mbps: 100 }",
                       "links { a: \"r1\" b: \"r2\" delay_ms: 5 rate_mbps: 100 loss_percent: 20 }");
  LabArgs args;
  args.scenario = path;
  args.name = name_;
  args.state_root = StateRoot();
  std::stringstream log;
  absl::StatusOr<std::unique_ptr<UpLab>> up = BringUp(args, log);
  std::cout << log.str();
  ASSERT_TRUE(up.ok()) << up.status();
  auto& lab = *(*up)->lab;  // (Lab names the helper above)
  EXPECT_THAT(log.str(), HasSubstr("link r1--r2: 20% loss on router r1 port 1 (eth1)"));
  const std::string ns = absl::StrCat("cpnlab-", name_, "+c-c1");
  const std::string site_a = (*up)->scenario.topology.sites(0).attachment().next_hop_ipv6();
  ExpectLossOverrideInEffect(lab.plan());
  ExpectLossyPings(lab.plan(), ns, site_a, 200);

  // A new controller programs every port again (it adopts the installed
  // state); the lab's loss stays in effect, and the controller stays in
  // sync with what it installed (the override is no part of it).
  ASSERT_TRUE(lab.StopController().ok());
  ASSERT_TRUE(lab.StartController().ok());
  ASSERT_TRUE(lab.controller().SetDemand("r1", "echo", 100).ok());
  ASSERT_TRUE(
      lab.controller().WaitProgrammed(lab.plan().dataplanes.size(), absl::Seconds(30)).ok());
  ExpectLossOverrideInEffect(lab.plan());
  ExpectLossyPings(lab.plan(), ns, site_a, 200);

  SystemCommandRunner r;
  ASSERT_TRUE(DownLab(name_, StateRoot(), r, log).ok()) << log.str();
  ExpectNoLeftovers(name_);
}

// The run's requests.csv (client,service,send_s,latency_ms,status,site,...).
void ReadRequests(const std::string& dir, std::vector<RequestRecord>* recs) {
  std::ifstream f(dir + "/requests.csv");
  ASSERT_TRUE(f) << "no requests.csv in " << dir;
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    std::vector<std::string> x;
    std::stringstream ls(line);
    for (std::string v; std::getline(ls, v, ',');) x.push_back(v);
    ASSERT_GE(x.size(), 6u) << line;
    RequestRecord r;
    r.client = x[0];
    r.send_s = std::stod(x[2]);
    r.status = x[4];
    r.site = x[5];
    recs->push_back(r);
  }
}

// The failed requests by half second sent and status ("3.0 s: 4
// UNAVAILABLE"), to tell where failures came from when a count is off.
std::string FailuresByTime(const std::vector<RequestRecord>& recs) {
  std::map<std::pair<int, std::string>, int> n;
  for (const RequestRecord& r : recs) {
    if (r.status != "OK") ++n[{static_cast<int>(r.send_s * 2), r.status}];
  }
  std::string out;
  for (const auto& [key, count] : n) {
    absl::StrAppend(&out, absl::StrFormat("%.1f s: %d %s\n", key.first / 2.0, count, key.second));
  }
  return out;
}

TEST_F(EmulatedLab, SiteDownTakesTheSiteOutOfServiceAtOnce) {
  // four-router with site-a stopped from 3 s to 6 s (before the surge):
  // the runner marks it down in the controller as a health check would, so
  // requests move to site-b at once instead of failing until site-a's
  // reports go stale.
  const std::string path = EditedFourRouter(
      absl::StrCat(name_, "-sitedown.txtpb"), "events {",
      "events { at_s: 3 site_down { site: \"site-a\" } }\n"
      "events { at_s: 6 site_up { site: \"site-a\" } }\nevents {");
  std::string dir, out;
  ASSERT_NO_FATAL_FAILURE(Run(path, "sitedown", &dir, &out));
  std::vector<RequestRecord> recs;
  ASSERT_NO_FATAL_FAILURE(ReadRequests(dir, &recs));
  int down_failed = 0, down_ok = 0, at_a = 0, failed = 0, a_later = 0;
  for (const RequestRecord& r : recs) {
    failed += r.status != "OK";
    if (r.send_s >= 3.5 && r.send_s < 6) {
      down_failed += r.status != "OK";
      down_ok += r.status == "OK";
      at_a += r.site == "site-a";
    }
    a_later += r.send_s >= 8 && r.site == "site-a" && r.status == "OK";
  }
  std::cout << "site-a down 3.5-6 s: " << down_ok << " ok, " << down_failed << " failed, " << at_a
            << " at site-a; failed in the run " << failed << " of " << recs.size() << "\n"
            << FailuresByTime(recs);
  EXPECT_GT(down_ok, 150);  // ~100/s
  EXPECT_EQ(down_failed, 0);
  EXPECT_EQ(at_a, 0);
  // Only what site-a held when it stopped (4 servers, 20 ms), and what was
  // on its way there, may fail: 0-3 seen; 13-25 when the controller heard
  // of it only after the site's shutdown.
  EXPECT_LE(failed, 10);
  // Back in service: the surge (300/s, beyond site-b's 200/s) uses it.
  EXPECT_GT(a_later, 100);
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

TEST_F(EmulatedLab, ControllerRestartEventFailsNoRequests) {
  // four-router with the controller killed 2 s into the surge, down 1 s.
  const std::string path = EditedFourRouter(
      absl::StrCat(name_, "-restart.txtpb"), "events {",
      "events { at_s: 10 note: \"crash\" controller_restart { down_s: 1 } }\nevents {");
  std::string dir, out;
  ASSERT_NO_FATAL_FAILURE(Run(path, "restart", &dir, &out));
  EXPECT_THAT(
      out, ::testing::ContainsRegex("1[0-9]\\.[0-9]+ s  controller killed \\(SIGKILL\\)  # crash"));
  EXPECT_THAT(
      out, ::testing::ContainsRegex("1[0-9]\\.[0-9]+ s  controller started again \\(down 1 s\\)"));
  // The run's summary: requests sent from the kill until every dataplane
  // was programmed again, none failed (the dataplanes kept forwarding).
  const size_t at = out.find("controller restart at ");
  ASSERT_NE(at, std::string::npos) << out;
  double killed = 0, later = 0;
  int sent = 0, failed = -1;
  ASSERT_EQ(std::sscanf(out.c_str() + at,
                        "controller restart at %lf s: every dataplane programmed again %lf s "
                        "later; requests sent meanwhile %d, failed %d",
                        &killed, &later, &sent, &failed),
            4)
      << out.substr(at);
  EXPECT_GE(killed, 10);
  EXPECT_LT(later, 10) << "the new controller took too long to program the dataplanes";
  EXPECT_GT(sent, 100) << "the load went on while the controller was down";  // 300/s
  EXPECT_EQ(failed, 0);
  // The run as a whole: no failures either (c1's row of the summary).
  int requests = 0, all_failed = -1;
  const size_t row = out.find("\nc1 ");
  ASSERT_NE(row, std::string::npos) << out;
  ASSERT_EQ(std::sscanf(out.c_str() + row, " c1 %d %d", &requests, &all_failed), 2);
  EXPECT_GT(requests, 2500);
  EXPECT_EQ(all_failed, 0);
  std::ifstream report(dir + "/report.md");
  std::stringstream md;
  md << report.rdbuf();
  EXPECT_THAT(md.str(), HasSubstr("controller restart (10–11 s)"));
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

TEST_F(EmulatedLab, RunFourRouterSteersTheSurgeAndLeavesNothing) {
  std::string dir, out;
  ASSERT_NO_FATAL_FAILURE(Run(kScenario, "surge", &dir, &out));

  std::vector<RequestRecord> recs;
  ASSERT_NO_FATAL_FAILURE(ReadRequests(dir, &recs));
  int failed = 0;
  for (const RequestRecord& r : recs) failed += r.status != "OK";
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
