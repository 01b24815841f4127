// Desired state of a 4-router diamond with one site: ports, neighbors, FIB,
// local SIDs, policies and steering rules; intent validation; weights.
#include "controller/srv6/compiler.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/srv6/test_networks.h"

namespace cpn::srv6 {
namespace {

namespace dpv1 = cpn::dataplane::v1;
using testing::Diamond;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::PathThrough;
using ::testing::UnorderedElementsAre;

// The diamond's intent: llm entering at a, 75% via b and 25% via c.
std::vector<SteeringIntent> DiamondIntents(const model::NetworkModel& m, double via_b = 0.75) {
  SteeringIntent intent;
  intent.ingress = *m.FindRouter("a");
  intent.service = *m.FindService("llm");
  const model::SiteIndex qy = *m.FindSite("qy");
  intent.entries.push_back({qy, PathThrough(m, {"a", "b", "d"}), via_b});
  intent.entries.push_back({qy, PathThrough(m, {"a", "c", "d"}), 1 - via_b});
  return {intent};
}

const RouterState& StateOf(const DesiredState& s, const std::string& id) {
  const RouterState* r = s.Find(id);
  EXPECT_NE(r, nullptr) << id;
  return *r;
}

std::vector<const dpv1::Entity*> OfType(const RouterState& r, dpv1::EntityType type) {
  std::vector<const dpv1::Entity*> out;
  for (const auto& [key, e] : r.entities) {
    if (key.type == type) out.push_back(&e);
  }
  return out;
}

const dpv1::Route* FindRoute(const RouterState& r, const std::string& prefix, uint32_t table = 0) {
  const auto it = r.entities.find(EntityKey{dpv1::ENTITY_TYPE_ROUTE, table, prefix});
  return it == r.entities.end() ? nullptr : &it->second.route();
}

// Port names of a route's next hops, "name@address".
std::vector<std::string> NextHopNames(const RouterState& r, const dpv1::Route& route) {
  std::map<uint32_t, std::string> names;
  for (const dpv1::Entity* p : OfType(r, dpv1::ENTITY_TYPE_PORT)) {
    names[p->port().id()] = p->port().name();
  }
  std::vector<std::string> out;
  for (const dpv1::NextHop& nh : route.next_hops().next_hops()) {
    out.push_back(absl::StrCat(names[nh.port_id()], "@", nh.address()));
  }
  return out;
}

class DiamondTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = Diamond(/*ipv4=*/true);
    ASSERT_NE(model_, nullptr);
    absl::StatusOr<DesiredState> s = CompileDesiredState(*model_, DiamondIntents(*model_));
    ASSERT_TRUE(s.ok()) << s.status();
    state_ = *std::move(s);
  }
  std::string Sid(const std::string& router, uint16_t function) const {
    return SidAddress(model_->router(*model_->FindRouter(router)).srv6_locator, function)
        .ToString();
  }
  std::shared_ptr<const model::NetworkModel> model_;
  DesiredState state_;
};

TEST_F(DiamondTest, PortsAndNeighbors) {
  const RouterState& a = StateOf(state_, "a");
  std::vector<std::string> ports;
  for (const dpv1::Entity* p : OfType(a, dpv1::ENTITY_TYPE_PORT)) {
    ports.push_back(p->port().name());
    EXPECT_GT(p->port().id(), 0u);
    EXPECT_EQ(p->port().admin_state(), cpn::common::v1::ADMIN_STATE_UP);
    EXPECT_FALSE(p->port().mac_address().empty());  // the model's MAC of a's end
  }
  EXPECT_THAT(ports, UnorderedElementsAre("a--b", "a--c"));
  // Neighbors: the far ends, by their derived link-local addresses (a is
  // end a of both links, so the far ends are fe80::2) and MACs.
  std::vector<std::string> neighbors;
  for (const dpv1::Entity* n : OfType(a, dpv1::ENTITY_TYPE_NEIGHBOR)) {
    neighbors.push_back(absl::StrCat(n->neighbor().address(), " ", n->neighbor().mac_address()));
  }
  EXPECT_THAT(neighbors,
              UnorderedElementsAre("fe80::2 02:00:00:00:01:0b", "fe80::2 02:00:00:00:02:0b"));

  // d has its two link ports and the site's port.
  std::vector<std::string> d_ports;
  for (const dpv1::Entity* p : OfType(StateOf(state_, "d"), dpv1::ENTITY_TYPE_PORT)) {
    d_ports.push_back(p->port().name());
  }
  EXPECT_THAT(d_ports, UnorderedElementsAre("b--d", "c--d", "site-qy"));
  // No port bindings were given: every interface is reported.
  EXPECT_THAT(state_.warnings,
              ::testing::Contains(HasSubstr("interface d/site-qy has no port binding")));
}

TEST_F(DiamondTest, FibNextHops) {
  const RouterState& a = StateOf(state_, "a");
  // Own locator: local delivery, so that its SIDs are reached.
  const dpv1::Route* own = FindRoute(a, "fcbb:bb00:1::/48");
  ASSERT_NE(own, nullptr);
  EXPECT_TRUE(own->has_local());
  // d's locator and the site prefix: ECMP over b and c.
  for (const char* prefix : {"fcbb:bb00:4::/48", "2001:db8:5:1::/64"}) {
    const dpv1::Route* r = FindRoute(a, prefix);
    ASSERT_NE(r, nullptr) << prefix;
    EXPECT_THAT(NextHopNames(a, *r), UnorderedElementsAre("a--b@fe80::2", "a--c@fe80::2"))
        << prefix;
  }
  // b's locator: one next hop.
  const dpv1::Route* to_b = FindRoute(a, "fcbb:bb00:2::/48");
  ASSERT_NE(to_b, nullptr);
  EXPECT_THAT(NextHopNames(a, *to_b), ElementsAre("a--b@fe80::2"));
  // The IPv4 site prefix is routed only at the site's router, to its gateway.
  EXPECT_EQ(FindRoute(a, "203.0.113.1/32"), nullptr);
  const RouterState& d = StateOf(state_, "d");
  const dpv1::Route* v4 = FindRoute(d, "203.0.113.1/32");
  ASSERT_NE(v4, nullptr);
  EXPECT_THAT(NextHopNames(d, *v4), ElementsAre("site-qy@192.0.2.1"));
  const dpv1::Route* v6 = FindRoute(d, "2001:db8:5:1::/64");
  ASSERT_NE(v6, nullptr);
  EXPECT_THAT(NextHopNames(d, *v6), ElementsAre("site-qy@2001:db8:5:1::2"));
  // Every router routes every other locator: 4 locators + 1 site prefix
  // (+ the IPv4 one at d).
  EXPECT_EQ(OfType(a, dpv1::ENTITY_TYPE_ROUTE).size(), 5u);
  EXPECT_EQ(OfType(d, dpv1::ENTITY_TYPE_ROUTE).size(), 6u);
}

TEST_F(DiamondTest, LocalSids) {
  const RouterState& d = StateOf(state_, "d");
  std::map<std::string, const dpv1::LocalSid*> by_behavior;
  for (const dpv1::Entity* e : OfType(d, dpv1::ENTITY_TYPE_LOCAL_SID)) {
    const dpv1::LocalSid& ls = e->local_sid();
    std::string kind = ls.has_end()       ? "End"
                       : ls.has_end_x()   ? "End.X"
                       : ls.has_end_dx6() ? "End.DX6"
                       : ls.has_end_dx4() ? "End.DX4"
                                          : "other";
    if (kind == "End.X") kind += " " + ls.description();
    by_behavior[kind] = &ls;
  }
  ASSERT_EQ(by_behavior.size(), 5u);
  EXPECT_EQ(by_behavior.at("End")->sid(), Sid("d", kFunctionEnd));
  ASSERT_TRUE(by_behavior.contains("End.X End.X d -> b over b--d"));
  ASSERT_TRUE(by_behavior.contains("End.X End.X d -> c over c--d"));
  // d is end b of b--d: its End.X toward b goes to fe80::1.
  EXPECT_EQ(by_behavior.at("End.X End.X d -> b over b--d")->end_x().next_hop().address(),
            "fe80::1");
  EXPECT_EQ(by_behavior.at("End.DX6")->end_dx6().next_hop().address(), "2001:db8:5:1::2");
  EXPECT_EQ(by_behavior.at("End.DX4")->end_dx4().next_hop().address(), "192.0.2.1");
  EXPECT_EQ(by_behavior.at("End.DX6")->description(), "End.DX6 to site qy");
  // Transit and ingress routers: End and one End.X per link.
  EXPECT_EQ(OfType(StateOf(state_, "a"), dpv1::ENTITY_TYPE_LOCAL_SID).size(), 3u);
  EXPECT_EQ(OfType(StateOf(state_, "b"), dpv1::ENTITY_TYPE_LOCAL_SID).size(), 3u);
}

TEST_F(DiamondTest, PoliciesAndSteeringRules) {
  const RouterState& a = StateOf(state_, "a");
  const std::string dx6 = state_.sids->decap_ipv6(*model_->FindSite("qy")).address.ToString();
  const std::string dx4 = state_.sids->decap_ipv4(*model_->FindSite("qy"))->address.ToString();
  // a -> d is an ECMP tie, so each path names its middle router.
  std::set<std::vector<std::string>> lists;
  for (const dpv1::Entity* e : OfType(a, dpv1::ENTITY_TYPE_SRV6_POLICY)) {
    const dpv1::Srv6Policy& p = e->srv6_policy();
    lists.insert({p.segments().begin(), p.segments().end()});
    EXPECT_EQ(p.source_address(), "fcbb:bb00:1::1");
    EXPECT_EQ(p.encap_mode(), dpv1::ENCAP_MODE_H_ENCAPS_RED);
    ASSERT_TRUE(a.policies.contains(p.id()));
    EXPECT_EQ(a.policies.at(p.id()).segments.Texts(),
              std::vector<std::string>(p.segments().begin(), p.segments().end()));
  }
  EXPECT_THAT(lists, UnorderedElementsAre(std::vector<std::string>{Sid("b", kFunctionEnd), dx6},
                                          std::vector<std::string>{Sid("c", kFunctionEnd), dx6},
                                          std::vector<std::string>{Sid("b", kFunctionEnd), dx4},
                                          std::vector<std::string>{Sid("c", kFunctionEnd), dx4}));

  const auto rules = OfType(a, dpv1::ENTITY_TYPE_STEERING_RULE);
  ASSERT_EQ(rules.size(), 2u);  // IPv6 and IPv4 anycast prefixes, TCP 443
  std::set<std::string> prefixes;
  for (const dpv1::Entity* e : rules) {
    const dpv1::SteeringRule& r = e->steering_rule();
    prefixes.insert(r.match().destination_prefix());
    EXPECT_EQ(r.match().protocol(), cpn::compute::v1::PROTOCOL_TCP);
    EXPECT_EQ(r.match().destination_ports().first(), 443u);
    EXPECT_EQ(r.match().destination_ports().last(), 443u);
    ASSERT_TRUE(r.has_weighted());
    uint32_t sum = 0;
    std::map<std::string, uint32_t> by_first_sid;
    for (const dpv1::WeightedPolicy& wp : r.weighted().policies()) {
      sum += wp.weight();
      const PolicyInfo& info = a.policies.at(wp.policy_id());
      EXPECT_EQ(info.ipv4, r.match().destination_prefix() == "198.51.1.0/24");
      by_first_sid[info.segments.sids.front().address.ToString()] = wp.weight();
    }
    EXPECT_EQ(sum, kSteeringWeightTotal);
    EXPECT_EQ(by_first_sid.at(Sid("b", kFunctionEnd)), 49151u);  // 0.75 * 65535 = 49151.25
    EXPECT_EQ(by_first_sid.at(Sid("c", kFunctionEnd)),
              16384u);  // 16383.75 rounds up: the larger remainder
  }
  EXPECT_THAT(prefixes, UnorderedElementsAre("2001:db8:cafe:1::/64", "198.51.1.0/24"));
  // Only the ingress steers.
  EXPECT_THAT(OfType(StateOf(state_, "b"), dpv1::ENTITY_TYPE_STEERING_RULE), IsEmpty());
  EXPECT_THAT(OfType(StateOf(state_, "d"), dpv1::ENTITY_TYPE_SRV6_POLICY), IsEmpty());
}

TEST(CompilerTest, DeterministicEntityForEntity) {
  auto model = Diamond(/*ipv4=*/true);
  absl::StatusOr<DesiredState> x = CompileDesiredState(*model, DiamondIntents(*model));
  absl::StatusOr<DesiredState> y = CompileDesiredState(*model, DiamondIntents(*model));
  ASSERT_TRUE(x.ok() && y.ok());
  ASSERT_EQ(x->routers.size(), y->routers.size());
  for (size_t r = 0; r < x->routers.size(); ++r) {
    ASSERT_EQ(x->routers[r].entities.size(), y->routers[r].entities.size());
    for (auto i = x->routers[r].entities.begin(), j = y->routers[r].entities.begin();
         i != x->routers[r].entities.end(); ++i, ++j) {
      EXPECT_EQ(i->first, j->first);
      EXPECT_EQ(i->second.SerializeAsString(), j->second.SerializeAsString());
    }
  }
  EXPECT_EQ(x->warnings, y->warnings);
}

TEST(CompilerTest, PortBindingsAndOptions) {
  auto model = Diamond(/*ipv4=*/false);
  CompileOptions options;
  options.port_bindings["a"]["a--b"] = {7, "net_ring0"};
  options.port_bindings["a"]["a--c"] = {9, "net_ring1"};
  options.port_mtu = 9000;
  options.emulate_links = true;
  options.encap_mode = dpv1::ENCAP_MODE_H_ENCAPS;
  absl::StatusOr<DesiredState> s = CompileDesiredState(*model, DiamondIntents(*model), options);
  ASSERT_TRUE(s.ok()) << s.status();
  const RouterState& a = StateOf(*s, "a");
  std::map<uint32_t, std::string> ports;
  for (const dpv1::Entity* p : OfType(a, dpv1::ENTITY_TYPE_PORT)) {
    ports[p->port().id()] = p->port().devargs();
    EXPECT_EQ(p->port().mtu(), 9000u);
    EXPECT_EQ(p->port().emulation().delay_us(), 1000u);
    EXPECT_EQ(p->port().emulation().rate_bps(), 10'000'000'000u);
  }
  EXPECT_THAT(ports, ElementsAre(std::pair<const uint32_t, std::string>(7, "net_ring0"),
                                 std::pair<const uint32_t, std::string>(9, "net_ring1")));
  const dpv1::Route* to_d = FindRoute(a, "fcbb:bb00:4::/48");
  ASSERT_NE(to_d, nullptr);
  ASSERT_EQ(to_d->next_hops().next_hops_size(), 2);
  EXPECT_EQ(to_d->next_hops().next_hops(0).port_id(), 7u);
  EXPECT_EQ(to_d->next_hops().next_hops(1).port_id(), 9u);
  for (const dpv1::Entity* p : OfType(a, dpv1::ENTITY_TYPE_SRV6_POLICY)) {
    EXPECT_EQ(p->srv6_policy().encap_mode(), dpv1::ENCAP_MODE_H_ENCAPS);
  }
  for (const std::string& w : s->warnings) EXPECT_THAT(w, Not(HasSubstr("interface a/")));

  options.max_ecmp_next_hops = 1;
  s = CompileDesiredState(*model, DiamondIntents(*model), options);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(FindRoute(StateOf(*s, "a"), "fcbb:bb00:4::/48")->next_hops().next_hops_size(), 1);

  options.max_segments = 1;
  s = CompileDesiredState(*model, DiamondIntents(*model), options);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(s.status().message(), HasSubstr("the path a b d needs 2 SIDs"));

  options = {};
  options.port_bindings["a"]["a--b"] = {7, ""};
  options.port_bindings["a"]["a--c"] = {7, ""};
  s = CompileDesiredState(*model, DiamondIntents(*model), options);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("both have id 7"));
}

TEST(CompilerTest, LinkDownWithdrawsItsAdjacencyAndReroutes) {
  testing::TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 10).Link("a--c", "a", "c", 10);
  b.Link("b--d", "b", "d", 10).Link("c--d", "c", "d", 10);
  b.topology().mutable_links(2)->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);  // b--d
  b.Service("llm").Site("qy", "d", {"llm"});
  auto model = b.Build();
  absl::StatusOr<DesiredState> s = CompileDesiredState(*model, {});
  ASSERT_TRUE(s.ok()) << s.status();
  const RouterState& a = StateOf(*s, "a");
  EXPECT_THAT(NextHopNames(a, *FindRoute(a, "fcbb:bb00:4::/48")), ElementsAre("a--c@fe80::2"));
  // b keeps its port to d (the port is physical) but not the End.X over it.
  const RouterState& bs = StateOf(*s, "b");
  EXPECT_EQ(OfType(bs, dpv1::ENTITY_TYPE_LOCAL_SID).size(), 2u);  // End, End.X to a
  EXPECT_EQ(OfType(bs, dpv1::ENTITY_TYPE_PORT).size(), 2u);
  // And a path over the down link is refused.
  SteeringIntent intent{*model->FindRouter("a"),
                        *model->FindService("llm"),
                        {{*model->FindSite("qy"), PathThrough(*model, {"a", "b", "d"}), 1}}};
  s = CompileDesiredState(*model, std::vector<SteeringIntent>{intent});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(),
              HasSubstr("intents[0] (ingress \"a\", service \"llm\").entries[0]: path.arcs[1]"));
}

TEST(CompilerTest, EndDt6SiteGetsItsOwnTable) {
  testing::TopologyBuilder b;
  b.Router("a").Router("d").Link("a--d", "a", "d", 1);
  b.Service("llm").Service("tts").Site("ws", "d", {"llm", "tts"}, /*dx6=*/false);
  auto model = b.Build();
  absl::StatusOr<DesiredState> s = CompileDesiredState(*model, {});
  ASSERT_TRUE(s.ok()) << s.status();
  const RouterState& d = StateOf(*s, "d");
  const uint32_t table = s->sids->dt6_table(*model->FindSite("ws"));
  EXPECT_GE(table, kFunctionDecapIpv6);
  const dpv1::Entity& sid =
      d.entities.at(EntityKey{dpv1::ENTITY_TYPE_LOCAL_SID, 0,
                              s->sids->decap_ipv6(*model->FindSite("ws")).address.ToString()});
  ASSERT_TRUE(sid.local_sid().has_end_dt6());
  EXPECT_EQ(sid.local_sid().end_dt6().table_id(), table);
  // The site's table holds the anycast prefixes it serves and its own
  // prefix, on-link through the site port.
  for (const char* prefix : {"2001:db8:cafe:1::/64", "2001:db8:cafe:2::/64", "2001:db8:5:1::/64"}) {
    const dpv1::Route* r = FindRoute(d, prefix, table);
    ASSERT_NE(r, nullptr) << prefix;
    EXPECT_THAT(NextHopNames(d, *r), ElementsAre("site-ws@fe80::1"));
  }
}

TEST(CompilerTest, PoliciesAreSharedAndDeduplicated) {
  testing::TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 10).Link("a--c", "a", "c", 10);
  b.Link("b--d", "b", "d", 10).Link("c--d", "c", "d", 10);
  b.Service("llm").Service("tts").Site("qy", "d", {"llm", "tts"});
  auto model = b.Build();
  const model::SiteIndex qy = *model->FindSite("qy");
  const te::Path via_b = PathThrough(*model, {"a", "b", "d"});
  std::vector<SteeringIntent> intents = {
      {*model->FindRouter("a"), *model->FindService("llm"), {{qy, via_b, 0.5}, {qy, via_b, 0.5}}},
      {*model->FindRouter("a"), *model->FindService("tts"), {{qy, via_b, 1}}},
  };
  absl::StatusOr<DesiredState> s = CompileDesiredState(*model, intents);
  ASSERT_TRUE(s.ok()) << s.status();
  const RouterState& a = StateOf(*s, "a");
  ASSERT_EQ(a.policies.size(), 1u);
  EXPECT_THAT(a.policies.begin()->second.services,
              ElementsAre(*model->FindService("llm"), *model->FindService("tts")));
  for (const dpv1::Entity* e : OfType(a, dpv1::ENTITY_TYPE_STEERING_RULE)) {
    ASSERT_EQ(e->steering_rule().weighted().policies_size(), 1);
    EXPECT_EQ(e->steering_rule().weighted().policies(0).weight(), kSteeringWeightTotal);
  }
  EXPECT_EQ(OfType(a, dpv1::ENTITY_TYPE_STEERING_RULE).size(), 2u);
}

TEST(CompilerTest, UnplaceableTrafficIsLeftAloneOrDropped) {
  auto model = Diamond(/*ipv4=*/true);
  // A site without IPv4 would leave the IPv4 prefix unsteered; here: an
  // intent with no entries at all.
  SteeringIntent empty{*model->FindRouter("b"), *model->FindService("llm"), {}};
  absl::StatusOr<DesiredState> s = CompileDesiredState(*model, std::vector<SteeringIntent>{empty});
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(OfType(StateOf(*s, "b"), dpv1::ENTITY_TYPE_STEERING_RULE), IsEmpty());
  CompileOptions drop;
  drop.drop_unplaceable = true;
  s = CompileDesiredState(*model, std::vector<SteeringIntent>{empty}, drop);
  ASSERT_TRUE(s.ok());
  const auto rules = OfType(StateOf(*s, "b"), dpv1::ENTITY_TYPE_STEERING_RULE);
  ASSERT_EQ(rules.size(), 2u);
  for (const dpv1::Entity* e : rules) EXPECT_TRUE(e->steering_rule().has_drop());
}

TEST(CompilerTest, IpV4ServiceWithoutIpv4SiteWarns) {
  testing::TopologyBuilder b;
  b.Router("a").Router("d").Link("a--d", "a", "d", 1);
  b.Service("llm", /*ipv4=*/true).Site("qy", "d", {"llm"}, /*dx6=*/true, /*dx4=*/false);
  auto model = b.Build();
  SteeringIntent intent{*model->FindRouter("a"),
                        *model->FindService("llm"),
                        {{*model->FindSite("qy"), PathThrough(*model, {"a", "d"}), 1}}};
  absl::StatusOr<DesiredState> s = CompileDesiredState(*model, std::vector<SteeringIntent>{intent});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(OfType(StateOf(*s, "a"), dpv1::ENTITY_TYPE_STEERING_RULE).size(), 1u);
  EXPECT_THAT(s->warnings,
              ::testing::Contains(HasSubstr("no site of the intent has an IPv4 next hop")));
}

TEST(CompilerTest, RejectsBadIntents) {
  testing::TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 10).Link("a--c", "a", "c", 10);
  b.Link("b--d", "b", "d", 10).Link("c--d", "c", "d", 10);
  b.Service("llm").Service("tts").Site("qy", "d", {"llm"}).Site("ws", "b", {"tts"});
  auto model = b.Build();
  const model::RouterIndex a = *model->FindRouter("a");
  const model::ServiceIndex llm = *model->FindService("llm");
  const model::SiteIndex qy = *model->FindSite("qy");
  const model::SiteIndex ws = *model->FindSite("ws");
  const te::Path good = PathThrough(*model, {"a", "b", "d"});
  struct Case {
    std::vector<SteeringIntent> intents;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{{model::RouterIndex(), llm, {}}}, "intents[0].ingress is not a router"},
      {{{a, model::ServiceIndex(99), {}}}, "intents[0].service is not a service"},
      {{{a, llm, {{ws, PathThrough(*model, {"a", "b"}), 1}}}},
       "intents[0].entries[0].site: site \"ws\" does not host service \"llm\""},
      {{{a, llm, {{qy, good, -0.5}}}}, "intents[0].entries[0].weight is -0.5"},
      {{{a, llm, {{qy, PathThrough(*model, {"b", "d"}), 1}}}},
       "intents[0].entries[0].path starts at router \"b\", not at the ingress \"a\""},
      {{{a, llm, {{qy, PathThrough(*model, {"a", "b"}), 1}}}},
       "intents[0].entries[0].path ends at router \"b\", but site \"qy\" attaches to router \"d\""},
      {{{a, llm, {{qy, good, 1}}}, {a, llm, {{qy, good, 1}}}},
       "intents[1] (ingress \"a\", service \"llm\"): a second intent"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<DesiredState> s = CompileDesiredState(*model, c.intents);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(s.status().message(), HasSubstr(c.message));
  }
}

TEST(ScaleWeightsTest, SumsToTheTotalDeterministically) {
  EXPECT_THAT(ScaleWeights(std::vector<double>{0.5, 0.5}, 65535), ElementsAre(32768, 32767));
  EXPECT_THAT(ScaleWeights(std::vector<double>{1, 1, 1}, 65535), ElementsAre(21845, 21845, 21845));
  EXPECT_THAT(ScaleWeights(std::vector<double>{2, 1, 1}, 100), ElementsAre(50, 25, 25));
  // Not normalised: scaled by the sum.
  EXPECT_THAT(ScaleWeights(std::vector<double>{3, 1}, 65535), ElementsAre(49151, 16384));
  // Zero stays zero (drain); a tiny positive share stays positive.
  EXPECT_THAT(ScaleWeights(std::vector<double>{0, 1}, 65535), ElementsAre(0, 65535));
  EXPECT_THAT(ScaleWeights(std::vector<double>{1e-9, 1}, 65535), ElementsAre(1, 65534));
  EXPECT_THAT(ScaleWeights(std::vector<double>{0, 0}, 65535), ElementsAre(0, 0));
  EXPECT_THAT(ScaleWeights(std::vector<double>{}, 65535), IsEmpty());
  std::mt19937 rng(7);
  for (int t = 0; t < 1000; ++t) {
    std::vector<double> shares(std::uniform_int_distribution<int>(1, 16)(rng));
    for (double& s : shares) s = std::uniform_real_distribution<double>(0, 1)(rng);
    const std::vector<uint32_t> w = ScaleWeights(shares, kSteeringWeightTotal);
    uint64_t sum = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      sum += w[i];
      EXPECT_GT(w[i], 0u);
    }
    EXPECT_EQ(sum, kSteeringWeightTotal);
  }
}

}  // namespace
}  // namespace cpn::srv6
