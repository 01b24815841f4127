// CPN end to end with real processes: cpn-controller programs three
// cpn-dataplane processes (ingress, transit, site gateway) joined by memif
// links; packets are injected from pcap files through a fourth dataplane
// and captured from the sites' pcap ports (tests/e2e/network.h).
//
// What a user would notice: a flow to the service leaves the ingress
// SRv6-encapsulated toward the chosen site, crosses the transit router and
// comes out of that site's port decapsulated, byte for byte; a metric
// report moves new flows while established flows stay; a restarted
// dataplane is reprogrammed within a second; a restarted controller and a
// primary failover rewrite nothing that still matches and lose no
// established flow.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/e2e/network.h"

namespace cpn::testing {
namespace {

namespace v1 = cpn::dataplane::v1;
namespace cv1 = cpn::controller::v1;
using Clock = std::chrono::steady_clock;

std::vector<Flow> Flows(int first, int count) {
  std::vector<Flow> out;
  for (int i = first; i < first + count; ++i) out.push_back(ServiceFlow(i));
  return out;
}

std::string Key(const Flow& f) { return absl::StrCat(f.src, "/", f.sport); }

double ShareAt(const SiteCapture& c, const std::vector<Flow>& flows, const std::string& site) {
  int n = 0;
  for (const Flow& f : flows)
    n += c.site_of_flow.count(Key(f)) > 0 && c.site_of_flow.at(Key(f)) == site;
  return static_cast<double>(n) / static_cast<double>(flows.size());
}

// Every flow of `flows` reached the same site in `after` as in `before`.
void ExpectSameSites(const SiteCapture& before, const SiteCapture& after,
                     const std::vector<Flow>& flows, const std::string& when) {
  int moved = 0, missing = 0;
  for (const Flow& f : flows) {
    auto a = before.site_of_flow.find(Key(f));
    auto b = after.site_of_flow.find(Key(f));
    if (a == before.site_of_flow.end() || b == after.site_of_flow.end()) {
      ++missing;
    } else if (a->second != b->second) {
      ++moved;
    }
  }
  EXPECT_EQ(missing, 0) << when;
  EXPECT_EQ(moved, 0) << when << ": established flows changed site";
}

template <typename F>
bool WaitUntil(F done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// The install state of controller c's one decision (UNSPECIFIED: none).
cv1::InstallState InstallState(Network& net, int c) {
  cv1::ListDecisionsResponse r;
  grpc::ClientContext ctx;
  if (!net.controller(c).ListDecisions(&ctx, cv1::ListDecisionsRequest(), &r).ok() ||
      r.decisions_size() != 1) {
    return cv1::INSTALL_STATE_UNSPECIFIED;
  }
  return r.decisions(0).install_state();
}

// SIGKILLs `router`, starts it again and waits until it holds as many
// entities as before; *ms: from its serving again to that.
void RestartAndWaitReprogrammed(Network& net, const std::string& router, int64_t* ms) {
  std::vector<v1::Entity> before;
  net.Read(router, &before);
  ASSERT_NO_FATAL_FAILURE(net.RestartDataplane(router));
  const auto serving = Clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::vector<v1::Entity> now;
        return net.Read(router, &now) > 0 && now.size() == before.size();
      },
      std::chrono::seconds(5)))
      << router << " was not reprogrammed";
  *ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - serving).count();
}

double Share(const std::map<std::string, uint32_t>& w, const std::string& site) {
  uint32_t total = 0;
  for (const auto& [s, v] : w) total += v;
  return total == 0 || w.count(site) == 0 ? 0 : static_cast<double>(w.at(site)) / total;
}

TEST(E2e, FlowsAreEncapsulatedCrossTheTransitAreDecapsulatedAndAReportMovesOnlyNewFlows) {
  Network net;
  ASSERT_NO_FATAL_FAILURE(net.StartDataplanes());
  const int c = net.StartController(2);
  ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 0, 7));  // s2 nearly full: prefer s1
  ASSERT_NO_FATAL_FAILURE(net.SetDemand(c, 20));
  ASSERT_TRUE(net.WaitForSessions(c, cv1::SESSION_STATE_PRIMARY));
  ASSERT_TRUE(WaitUntil([&] { return Share(net.IngressWeights(), "s1") > 0.5; }));
  const std::map<std::string, uint32_t> w1 = net.IngressWeights();

  const std::vector<Flow> a = Flows(0, 200);
  const SiteCapture first = net.Inject(a);
  ASSERT_EQ(first.site_of_flow.size(), a.size());
  EXPECT_NEAR(ShareAt(first, a, "s1"), Share(w1, "s1"), 0.15);
  std::printf("before the report: weight s1 %.3f, flows at s1 %.3f\n", Share(w1, "s1"),
              ShareAt(first, a, "s1"));

  // Byte for byte: what leaves the site port is the injected IPv6 packet
  // (hop limit decremented by gen's FIB only: the ingress encapsulates,
  // the transit forwards the outer header, the gateway decapsulates),
  // sent to the site gateway's MAC.
  const std::vector<Bytes>& s1 = first.frames_s1;
  ASSERT_FALSE(s1.empty());
  const Bytes& out = s1.front();
  const uint16_t sport = static_cast<uint16_t>(out[14 + 40] << 8 | out[14 + 41]);
  const Flow f = ServiceFlow(sport - 10000);
  Bytes want = Ipv6Udp(f, 32, 0, 63);
  ASSERT_EQ(out.size(), 14 + want.size());
  EXPECT_TRUE(std::equal(want.begin(), want.end(), out.begin() + 14)) << "inner packet differs";
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 6), (Bytes{0x02, 0, 0, 0, 0x0a, 0x01}));
  EXPECT_EQ(out[12], 0x86);
  EXPECT_EQ(out[13], 0xdd);

  // The path: the ingress encapsulated every packet into a policy, the
  // transit received and sent them all, no router dropped one.
  const auto ing = net.Counters("ing");
  uint64_t encapsulated = 0;
  for (const auto& p : ing.policies()) encapsulated += p.packets();
  EXPECT_EQ(encapsulated, a.size());
  const auto tr = net.Counters("tr");
  ASSERT_EQ(tr.ports_size(), 2);
  for (const auto& p : tr.ports()) {
    EXPECT_GE(p.port_id() == 1 ? p.rx_packets() : p.tx_packets(), a.size())
        << "transit port " << p.port_id();
  }
  std::vector<v1::Entity> policies;
  net.Read("ing", &policies);
  std::map<uint32_t, std::vector<std::string>> installed;  // policy id -> segments
  for (const v1::Entity& e : policies) {
    if (!e.has_srv6_policy()) continue;
    // One SID: the site's decapsulation SID at st (the path is the IGP's).
    EXPECT_EQ(e.srv6_policy().segments_size(), 1);
    EXPECT_EQ(e.srv6_policy().segments(0).rfind("fcbb:bb00:3:", 0), 0u) << e.DebugString();
    installed[e.srv6_policy().id()] = {e.srv6_policy().segments().begin(),
                                       e.srv6_policy().segments().end()};
  }

  // The decision says so: installed at the ingress, each candidate with
  // the policy id and segments the ingress has.
  cv1::ListDecisionsResponse decisions;
  ASSERT_TRUE(WaitUntil([&] {
    decisions.Clear();
    grpc::ClientContext ctx;
    return net.controller(c).ListDecisions(&ctx, cv1::ListDecisionsRequest(), &decisions).ok() &&
           decisions.decisions_size() == 1 &&
           decisions.decisions(0).install_state() == cv1::INSTALL_STATE_INSTALLED;
  })) << decisions.DebugString();
  ASSERT_GT(decisions.decisions(0).candidates_size(), 0);
  for (const cv1::WeightedCandidate& cand : decisions.decisions(0).candidates()) {
    ASSERT_TRUE(installed.contains(cand.policy_id())) << cand.DebugString();
    EXPECT_EQ(std::vector<std::string>(cand.path().segments().begin(),
                                       cand.path().segments().end()),
              installed[cand.policy_id()])
        << cand.DebugString();
  }

  // The report: s1 is now the busy one.
  ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 7, 0));
  ASSERT_TRUE(WaitUntil([&] { return Share(net.IngressWeights(), "s2") > 0.5; }));
  const std::map<std::string, uint32_t> w2 = net.IngressWeights();
  const std::vector<Flow> b = Flows(1000, 200);
  std::vector<Flow> both = a;
  both.insert(both.end(), b.begin(), b.end());
  const SiteCapture second = net.Inject(both);
  ExpectSameSites(first, second, a, "after the metric report");
  EXPECT_NEAR(ShareAt(second, b, "s2"), Share(w2, "s2"), 0.15);
  std::printf("after the report: weight s2 %.3f, new flows at s2 %.3f, old flows at s1 %.3f\n",
              Share(w2, "s2"), ShareAt(second, b, "s2"), ShareAt(second, a, "s1"));
}

// `entities` with every steering weight zeroed, serialised and sorted: what
// a controller wrote apart from weights.
std::vector<std::string> WithoutWeights(std::vector<v1::Entity> entities) {
  std::vector<std::string> out;
  for (v1::Entity& e : entities) {
    if (e.has_steering_rule() && e.steering_rule().has_weighted()) {
      for (v1::WeightedPolicy& p :
           *e.mutable_steering_rule()->mutable_weighted()->mutable_policies()) {
        p.set_weight(0);
      }
    }
    out.push_back(e.ShortDebugString());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(E2e, DataplaneRestartAndControllerRestartLoseNoEstablishedFlow) {
  Network net;
  ASSERT_NO_FATAL_FAILURE(net.StartDataplanes());
  int c = net.StartController(2);
  ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 3, 4));
  ASSERT_NO_FATAL_FAILURE(net.SetDemand(c, 20));
  ASSERT_TRUE(net.WaitForSessions(c, cv1::SESSION_STATE_PRIMARY));
  ASSERT_TRUE(WaitUntil([&] { return !net.IngressWeights().empty(); }));
  const std::vector<Flow> a = Flows(0, 200);
  const SiteCapture first = net.Inject(a);
  ASSERT_EQ(first.site_of_flow.size(), a.size());

  // The site gateway dies and comes back empty; the controller reprograms
  // it within a second of it serving again.
  int64_t reprogrammed_ms = 0;
  ASSERT_NO_FATAL_FAILURE(RestartAndWaitReprogrammed(net, "st", &reprogrammed_ms));
  RecordProperty("st_reprogrammed_ms", static_cast<int>(reprogrammed_ms));
  EXPECT_LT(reprogrammed_ms, 1000);
  ASSERT_TRUE(WaitUntil([&] {
    return net.Counters("st").ports_size() == 4 &&
           net.Counters("st").ports(0).oper_state() == cpn::telemetry::v1::OPER_STATE_UP;
  }));
  ExpectSameSites(first, net.Inject(a), a, "after the gateway restarted");

  // The transit router dies: it is the memif server of its link to st, and
  // DPDK's memif client never reconnects by itself. st restarts its client
  // port once the new tr listens (PortReconnector) and the controller
  // reprograms tr; established flows keep their sites.
  int64_t tr_reprogrammed_ms = 0;
  ASSERT_NO_FATAL_FAILURE(RestartAndWaitReprogrammed(net, "tr", &tr_reprogrammed_ms));
  const auto tr_serving = Clock::now() - std::chrono::milliseconds(tr_reprogrammed_ms);
  EXPECT_TRUE(net.WaitPortsUp("st", std::chrono::seconds(10)))
      << "st's memif client did not reconnect to the restarted tr";
  EXPECT_TRUE(net.WaitPortsUp("tr", std::chrono::seconds(10)));
  RecordProperty("tr_link_back_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      Clock::now() - tr_serving)
                                      .count()));
  ExpectSameSites(first, net.Inject(a), a, "after the transit router restarted");

  // The controller dies and a new one starts: it reads every dataplane,
  // adopts what they have and writes nothing that still matches.
  std::vector<v1::Entity> ing_before;
  const uint64_t v_ing = net.Read("ing", &ing_before), v_tr = net.Read("tr"),
                 v_st = net.Read("st");
  net.KillController(c);
  ExpectSameSites(first, net.Inject(a), a, "with no controller");
  c = net.StartController(2);
  ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 3, 4));
  ASSERT_NO_FATAL_FAILURE(net.SetDemand(c, 20));
  ASSERT_TRUE(net.WaitForSessions(c, cv1::SESSION_STATE_PRIMARY));
  EXPECT_EQ(net.Read("tr"), v_tr);
  EXPECT_EQ(net.Read("st"), v_st);
  // The ingress may see weight MODIFYs (damping goes on where the old
  // controller left off; how many epochs that takes depends on the
  // machine's load), and nothing else.
  std::vector<v1::Entity> ing_after;
  const uint64_t v_ing_after = net.Read("ing", &ing_after);
  EXPECT_EQ(WithoutWeights(ing_after), WithoutWeights(ing_before));
  RecordProperty("ing_writes_after_controller_restart", static_cast<int>(v_ing_after - v_ing));
  ExpectSameSites(first, net.Inject(a), a, "after the controller restarted");
}

// The Port.ids ing's route to `prefix` leaves on.
std::set<uint32_t> IngressPortsToward(Network& net, const std::string& prefix) {
  std::vector<v1::Entity> es;
  net.Read("ing", &es);
  std::set<uint32_t> ports;
  for (const v1::Entity& e : es) {
    if (!e.has_route() || e.route().prefix() != prefix || !e.route().has_next_hops()) continue;
    for (const v1::NextHop& nh : e.route().next_hops().next_hops()) ports.insert(nh.port_id());
  }
  return ports;
}

uint64_t RxPackets(Network& net, const std::string& router, uint32_t port_id) {
  const cpn::telemetry::v1::CountersSnapshot snap = net.Counters(router);
  for (const auto& p : snap.ports()) {
    if (p.port_id() == port_id) return p.rx_packets();
  }
  return 0;
}

// A fibre cut between ing and tr: both ends lose every frame and the
// controller is told. It reroutes the underlay over the backup link, and
// every established flow reaches its site again over it.
TEST(E2e, ALinkCutReroutesOverTheBackupAndNoEstablishedFlowMoves) {
  Network net;
  ASSERT_NO_FATAL_FAILURE(net.StartDataplanes());
  const int c = net.StartController(2);
  ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 3, 4));
  ASSERT_NO_FATAL_FAILURE(net.SetDemand(c, 20));
  ASSERT_TRUE(net.WaitForSessions(c, cv1::SESSION_STATE_PRIMARY));
  ASSERT_TRUE(WaitUntil([&] { return !net.IngressWeights().empty(); }));
  const std::string st_locator = "fcbb:bb00:3::/48";
  ASSERT_EQ(IngressPortsToward(net, st_locator), std::set<uint32_t>{1}) << "not via tr";
  const std::vector<Flow> a = Flows(0, 200);
  const SiteCapture first = net.Inject(a);
  ASSERT_EQ(first.site_of_flow.size(), a.size());

  const uint64_t backup_rx = RxPackets(net, "st", 4);
  ASSERT_NO_FATAL_FAILURE(net.CutLink(c, "ing-tr"));
  const auto cut = Clock::now();
  ASSERT_TRUE(WaitUntil(
      [&] { return IngressPortsToward(net, st_locator) == std::set<uint32_t>{3}; }))
      << "ing's route to st did not move to the backup link";
  RecordProperty("reroute_ms",
                 static_cast<int>(
                     std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - cut)
                         .count()));
  const SiteCapture second = net.Inject(a);
  ExpectSameSites(first, second, a, "after the link cut");
  EXPECT_EQ(second.site_of_flow.size(), a.size());
  EXPECT_GE(RxPackets(net, "st", 4) - backup_rx, a.size()) << "not over the backup link";
}

TEST(E2e, TheBackupTakesOverWhenThePrimaryDiesAndNoEstablishedFlowMoves) {
  Network net;
  ASSERT_NO_FATAL_FAILURE(net.StartDataplanes());
  const int primary = net.StartController(2);
  const int backup = net.StartController(1);
  for (int c : {primary, backup}) {
    ASSERT_NO_FATAL_FAILURE(net.ReportLoad(c, 3, 4));
    ASSERT_NO_FATAL_FAILURE(net.SetDemand(c, 20));
  }
  ASSERT_TRUE(net.WaitForSessions(primary, cv1::SESSION_STATE_PRIMARY));
  ASSERT_TRUE(net.WaitForSessions(backup, cv1::SESSION_STATE_BACKUP));
  ASSERT_TRUE(WaitUntil([&] { return !net.IngressWeights().empty(); }));
  const std::vector<Flow> a = Flows(0, 200);
  const SiteCapture first = net.Inject(a);
  ASSERT_EQ(first.site_of_flow.size(), a.size());

  // Only the primary's decisions are installed: the backup's say it is
  // not the ingress's primary.
  EXPECT_EQ(InstallState(net, backup), cv1::INSTALL_STATE_NO_DATAPLANE);
  EXPECT_TRUE(WaitUntil(
      [&] { return InstallState(net, primary) == cv1::INSTALL_STATE_INSTALLED; }));

  const uint64_t v_ing = net.Read("ing"), v_tr = net.Read("tr"), v_st = net.Read("st");
  net.KillController(primary);
  const auto killed = Clock::now();
  ASSERT_TRUE(net.WaitForSessions(backup, cv1::SESSION_STATE_PRIMARY));
  EXPECT_TRUE(
      WaitUntil([&] { return InstallState(net, backup) == cv1::INSTALL_STATE_INSTALLED; }));
  RecordProperty(
      "takeover_ms",
      static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count()));
  // Same inputs, same decisions: the new primary found nothing to change.
  EXPECT_EQ(net.Read("ing"), v_ing);
  EXPECT_EQ(net.Read("tr"), v_tr);
  EXPECT_EQ(net.Read("st"), v_st);
  const std::vector<Flow> b = Flows(1000, 100);
  std::vector<Flow> both = a;
  both.insert(both.end(), b.begin(), b.end());
  const SiteCapture second = net.Inject(both);
  ExpectSameSites(first, second, a, "after the failover");
  EXPECT_EQ(second.site_of_flow.size(), both.size());
}

}  // namespace
}  // namespace cpn::testing
