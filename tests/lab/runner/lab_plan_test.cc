// The lab's plan of names, MACs, addresses and processes for the shipped
// scenarios: every kernel name fits IFNAMSIZ, MACs are unique and
// deterministic, the controller's topology (with the client access sites)
// passes the model's validation, and the baselines' static weights.
#include "lab/runner/lab_plan.h"

#include <set>

#include "controller/model/network_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lab/scenario/scenario_file.h"

namespace cpn::lab {
namespace {

using ::testing::HasSubstr;

ResolvedScenario Load(const std::string& path) {
  absl::StatusOr<ResolvedScenario> s = LoadScenarioFile(path);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

TEST(LabPlan, NamesFitTheKernelAndNeverPrefixAnotherLab) {
  EXPECT_EQ(LabTag("four-router").size(), 6u);
  EXPECT_EQ(LabTag("four-router"), LabTag("four-router"));
  EXPECT_NE(LabTag("four-router"), LabTag("four-router2"));
  EXPECT_EQ(NamespacePrefix("four"), "cpnlab-four+");
  // "four" never matches the names of lab "four-router".
  EXPECT_NE(std::string("cpnlab-four-router+r-r1").rfind(NamespacePrefix("four"), 0), 0u);
  EXPECT_TRUE(CheckLabName("demo-china_2.b").ok());
  for (const char* bad : {"", "a b", "a+b", "..", "a/b", "x123456789012345678901234567890123"}) {
    EXPECT_FALSE(CheckLabName(bad).ok()) << bad;
  }
  for (const char* scenario : {"lab/scenarios/four-router.txtpb", "lab/scenarios/demo-china.txtpb",
                               "lab/scenarios/scale-50.txtpb"}) {
    absl::StatusOr<LabPlan> plan = MakeLabPlan(Load(scenario), "a-rather-long-lab-name-32-chars",
                                               "/run/cpn-lab", LabPolicy::kCpn);
    ASSERT_TRUE(plan.ok()) << plan.status();
    std::set<std::pair<std::string, std::string>> names;  // (netns, device)
    std::set<std::string> macs;
    for (const VethPair& v : plan->veths) {
      for (const VethEnd& e : {v.a, v.b}) {
        EXPECT_LE(e.name.size(), 15u) << e.name;
        EXPECT_TRUE(names.insert({e.netns, e.name}).second) << e.netns << " " << e.name;
        if (!e.mac.empty()) {
          EXPECT_TRUE(macs.insert(e.mac).second) << e.mac;
        }
      }
      EXPECT_TRUE(v.b.netns.rfind("cpnlab-a-rather-long-lab-name-32-chars+", 0) == 0);
    }
  }
}

TEST(LabPlan, FourRouterPlan) {
  const ResolvedScenario sc = Load("lab/scenarios/four-router.txtpb");
  absl::StatusOr<LabPlan> plan = MakeLabPlan(sc, "four-router", "/run/cpn-lab", LabPolicy::kCpn);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // 4 routers, 2 sites, 1 client; a management veth each, 4 links, 3 host
  // attachments.
  EXPECT_EQ(plan->nodes.size(), 7u);
  EXPECT_EQ(plan->veths.size(), 7u + 4u + 3u);
  EXPECT_EQ(plan->state_dir, "/run/cpn-lab/four-router");
  ASSERT_EQ(plan->dataplanes.size(), 4u);
  const DataplaneProcess& r1 = plan->dataplanes[0];
  EXPECT_EQ(r1.router_id, "r1");
  EXPECT_EQ(r1.netns, "cpnlab-four-router+r-r1");
  EXPECT_EQ(r1.file_prefix, "cpnlab-four-router+dp-r1");
  // r1: two ring links and the client's access port, af_packet on l1, l2, a3.
  EXPECT_THAT(r1.ports, ::testing::ElementsAre(HasSubstr("=net_af_packet0,iface=l1"),
                                               HasSubstr("=net_af_packet1,iface=l2"),
                                               "access-c1=net_af_packet2,iface=a3"));
  EXPECT_EQ(LabMac("four-router", 1, 3), LabMac("four-router", 1, 3));
  EXPECT_NE(LabMac("four-router", 1, 3), LabMac("four-router", 1, 2));

  // The controller's topology: dataplane addresses, link MACs, the access
  // site, gateway MACs for both sites and the access site; it validates.
  const auto& t = plan->topology;
  for (const auto& r : t.routers()) EXPECT_THAT(r.dataplane_address(), HasSubstr(":9559"));
  for (const auto& l : t.links()) {
    EXPECT_FALSE(l.a().mac_address().empty());
    EXPECT_FALSE(l.b().mac_address().empty());
  }
  ASSERT_EQ(t.sites_size(), 3);
  EXPECT_EQ(t.sites(2).id(), "access-c1");
  EXPECT_EQ(t.sites(2).attachment().router_id(), "r1");
  EXPECT_EQ(t.sites(2).attachment().site_prefixes(0), "2001:db8:c:1::/64");
  EXPECT_EQ(t.sites(2).capacities_size(), 0);
  EXPECT_EQ(plan->gateway_macs.size(), 3u);
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> m = model::NetworkModel::Build(t);
  EXPECT_TRUE(m.ok()) << m.status();

  // Sites listen on the service's anycast address; the client targets it.
  ASSERT_EQ(plan->sites.size(), 2u);
  EXPECT_EQ(plan->sites[0].listen, "[2001:db8:cafe:1::1]:50051");
  ASSERT_EQ(plan->clients.size(), 1u);
  EXPECT_EQ(plan->clients[0].target, "[2001:db8:cafe:1::1]:50051");
  // Hosts: the client's address, the site's next hop.
  for (const Node& n : plan->nodes) {
    if (n.id == "c1") {
      EXPECT_EQ(n.host_address, "2001:db8:c:1::2/64");
    }
    if (n.id == "site-a") {
      EXPECT_EQ(n.host_address, t.sites(0).attachment().next_hop_ipv6() + "/64");
      EXPECT_THAT(n.anycast_addresses, ::testing::ElementsAre("2001:db8:cafe:1::1"));
    }
  }
  EXPECT_EQ(plan->link_devices.size(), 4u);
  // The controller listens on r1's root management end, inside the lab's
  // /16; sites report there.
  EXPECT_EQ(plan->controller_ip, plan->nodes[0].root_mgmt_ip);
  EXPECT_THAT(plan->mgmt_prefix, ::testing::MatchesRegex("10\\.[0-9]+\\.0\\.0/16"));
  EXPECT_EQ(plan->controller_ip.substr(0, plan->controller_ip.find('.', 3)),
            plan->mgmt_prefix.substr(0, plan->mgmt_prefix.find('.', 3)));
  EXPECT_EQ(plan->sites[1].controller_address, plan->controller_ip);
}

TEST(LabPlan, LossyLinksGetAnOverrideOnBothPorts) {
  // four-router: only r4--r1 has loss (0.1 %). Its ports are the second of
  // r4's --port list (l2) and the second of r1's.
  const ResolvedScenario sc = Load("lab/scenarios/four-router.txtpb");
  absl::StatusOr<LabPlan> plan = MakeLabPlan(sc, "four-router", "/run/cpn-lab", LabPolicy::kCpn);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->link_loss.size(), 2u);
  const LinkLossOverride& a = plan->link_loss[0];
  const LinkLossOverride& b = plan->link_loss[1];
  EXPECT_EQ(a.link_id, "r4--r1");
  EXPECT_EQ(a.router_id, "r4");
  EXPECT_EQ(b.router_id, "r1");
  EXPECT_EQ(a.port_id, 2u);
  EXPECT_EQ(b.port_id, 2u);
  EXPECT_EQ(b.dataplane, plan->dataplanes[0].listen);
  EXPECT_EQ(a.dataplane, plan->dataplanes[3].listen);
  // The port id is the place in the dataplane's --port list.
  EXPECT_EQ(plan->dataplanes[0].ports[b.port_id - 1].substr(0, b.port_name.size() + 1),
            b.port_name + "=");
  EXPECT_EQ(plan->dataplanes[3].ports[a.port_id - 1].substr(0, a.port_name.size() + 1),
            a.port_name + "=");
  // The controller's delay and rate (10 ms, 100 Mbit/s), and the loss.
  for (const LinkLossOverride* o : {&a, &b}) {
    EXPECT_EQ(o->emulation.delay_us(), 10000u);
    EXPECT_EQ(o->emulation.rate_bps(), 100000000u);
    EXPECT_DOUBLE_EQ(o->emulation.loss_ratio(), 0.001);
    EXPECT_NE(o->emulation.random_seed(), 0u);
  }
  EXPECT_NE(a.emulation.random_seed(), b.emulation.random_seed());
  // demo-china: two lossy links (0.05 %), both ends each; scale-50: none.
  absl::StatusOr<LabPlan> demo =
      MakeLabPlan(Load("lab/scenarios/demo-china.txtpb"), "d", "/tmp", LabPolicy::kCpn);
  ASSERT_TRUE(demo.ok());
  ASSERT_EQ(demo->link_loss.size(), 4u);
  for (const LinkLossOverride& o : demo->link_loss) {
    EXPECT_DOUBLE_EQ(o.emulation.loss_ratio(), 0.0005) << o.link_id;
    EXPECT_GT(o.emulation.delay_us(), 100u) << o.link_id;  // the file's propagation delay
  }
  absl::StatusOr<LabPlan> scale =
      MakeLabPlan(Load("lab/scenarios/scale-50.txtpb"), "s", "/tmp", LabPolicy::kCpn);
  ASSERT_TRUE(scale.ok());
  EXPECT_TRUE(scale->link_loss.empty());
}

TEST(LabPlan, BaselinesConfigureTheControllersFallback) {
  const ResolvedScenario sc = Load("lab/scenarios/four-router.txtpb");
  // nearest: the controller puts every ingress on its nearest site
  // (decided per ingress, so no static weights).
  absl::StatusOr<LabPlan> nearest = MakeLabPlan(sc, "x", "/tmp", LabPolicy::kNearest);
  ASSERT_TRUE(nearest.ok());
  EXPECT_EQ(nearest->controller_flags,
            (std::vector<std::string>{"--fallback-weights", "nearest"}));
  EXPECT_EQ(nearest->topology.sites(0).capacities(0).static_weight(), 0.0);
  // capacity: static weights = servers, the controller's default fallback.
  absl::StatusOr<LabPlan> capacity = MakeLabPlan(sc, "x", "/tmp", LabPolicy::kCapacity);
  ASSERT_TRUE(capacity.ok());
  EXPECT_TRUE(capacity->controller_flags.empty());
  EXPECT_EQ(capacity->topology.sites(1).capacities(0).static_weight(), 4.0);
  absl::StatusOr<LabPlan> cpn = MakeLabPlan(sc, "x", "/tmp", LabPolicy::kCpn);
  ASSERT_TRUE(cpn.ok());
  EXPECT_TRUE(cpn->controller_flags.empty());
  EXPECT_FALSE(ParseLabPolicy("random").ok());
  EXPECT_EQ(*ParseLabPolicy("nearest"), LabPolicy::kNearest);
}

TEST(LabPlan, FirstAddressOfAPrefix) {
  EXPECT_EQ(*FirstAddressOf("2001:db8:cafe:1::/64"), "2001:db8:cafe:1::1");
  EXPECT_FALSE(FirstAddressOf("10.0.0.0/8").ok());
}

}  // namespace
}  // namespace cpn::lab
