#include "tests/controller/srv6/test_networks.h"

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace cpn::srv6::testing {

namespace tv1 = cpn::topology::v1;

TopologyBuilder& TopologyBuilder::Router(const std::string& id, const std::string& locator) {
  tv1::Router* r = t_.add_routers();
  r->set_id(id);
  r->set_srv6_locator(locator.empty() ? absl::StrFormat("fcbb:bb00:%x::/48", t_.routers_size())
                                      : locator);
  return *this;
}

TopologyBuilder& TopologyBuilder::Link(const std::string& id, const std::string& a,
                                       const std::string& b, uint32_t igp_metric, bool with_macs) {
  tv1::Link* l = t_.add_links();
  const int n = t_.links_size();
  l->set_id(id);
  l->mutable_a()->set_router_id(a);
  l->mutable_a()->set_interface(id);
  l->mutable_b()->set_router_id(b);
  l->mutable_b()->set_interface(id);
  if (with_macs) {
    l->mutable_a()->set_mac_address(absl::StrFormat("02:00:00:%02x:%02x:0a", n / 256, n % 256));
    l->mutable_b()->set_mac_address(absl::StrFormat("02:00:00:%02x:%02x:0b", n / 256, n % 256));
  }
  l->set_propagation_delay_us(1000);
  l->set_capacity_bps(10'000'000'000);
  l->set_igp_metric(igp_metric);
  return *this;
}

TopologyBuilder& TopologyBuilder::Site(const std::string& id, const std::string& router,
                                       const std::vector<std::string>& services, bool dx6,
                                       bool dx4) {
  cpn::compute::v1::Site* s = t_.add_sites();
  const int n = t_.sites_size();
  s->set_id(id);
  cpn::compute::v1::SiteAttachment* att = s->mutable_attachment();
  att->set_router_id(router);
  att->set_interface("site-" + id);
  if (dx6) att->set_next_hop_ipv6(absl::StrFormat("2001:db8:5:%x::2", n));
  if (dx4) att->set_next_hop_ipv4(absl::StrFormat("192.0.2.%d", n));
  att->add_site_prefixes(absl::StrFormat("2001:db8:5:%x::/64", n));
  if (dx4) att->add_site_prefixes(absl::StrFormat("203.0.113.%d/32", n));
  for (const std::string& svc : services) {
    cpn::compute::v1::SiteServiceCapacity* c = s->add_capacities();
    c->set_service_id(svc);
    c->set_servers(8);
  }
  return *this;
}

TopologyBuilder& TopologyBuilder::Service(const std::string& id, bool ipv4) {
  cpn::compute::v1::Service* s = t_.add_services();
  const int n = t_.services_size();
  s->set_id(id);
  s->set_anycast_prefix(absl::StrFormat("2001:db8:cafe:%x::/64", n));
  if (ipv4) s->set_anycast_prefix_ipv4(absl::StrFormat("198.51.%d.0/24", n));
  s->set_protocol(cpn::compute::v1::PROTOCOL_TCP);
  s->add_ports()->set_first(443);
  s->set_mean_service_time_ms(20);
  return *this;
}

std::shared_ptr<const model::NetworkModel> TopologyBuilder::Build() const {
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> m = model::NetworkModel::Build(t_);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

te::Path PathOverLinks(const model::NetworkModel& model, const std::string& source,
                       const std::vector<std::string>& link_ids) {
  te::Path p;
  p.source = *model.FindRouter(source);
  model::RouterIndex at = p.source;
  for (const std::string& id : link_ids) {
    const std::optional<model::LinkIndex> l = model.FindLink(id);
    EXPECT_TRUE(l.has_value()) << id;
    if (!l) return p;
    const model::ArcIndex ab = model::ArcOf(*l, model::ArcDirection::kAToB);
    const model::ArcIndex arc = model.arc_tail(ab) == at ? ab : model::ReverseOf(ab);
    EXPECT_EQ(model.arc_tail(arc), at) << "link " << id << " does not leave the path's end";
    p.arcs.push_back(arc);
    p.igp_cost += model.arc_igp_metric()[arc.value()];
    at = model.arc_head(arc);
  }
  p.target = at;
  return p;
}

te::Path PathThrough(const model::NetworkModel& model, const std::vector<std::string>& routers) {
  std::vector<std::string> links;
  for (size_t i = 0; i + 1 < routers.size(); ++i) {
    const model::RouterIndex from = *model.FindRouter(routers[i]);
    const model::RouterIndex to = *model.FindRouter(routers[i + 1]);
    bool found = false;
    for (model::ArcIndex a : model.out_arcs(from)) {
      if (model.arc_head(a) == to) {
        links.push_back(model.link(model::LinkOf(a)).id);
        found = true;
        break;
      }
    }
    EXPECT_TRUE(found) << "no link " << routers[i] << " -- " << routers[i + 1];
  }
  return PathOverLinks(model, routers.front(), links);
}

std::shared_ptr<const model::NetworkModel> Diamond(bool ipv4) {
  TopologyBuilder b;
  b.Router("a").Router("b").Router("c").Router("d");
  b.Link("a--b", "a", "b", 10).Link("a--c", "a", "c", 10);
  b.Link("b--d", "b", "d", 10).Link("c--d", "c", "d", 10);
  b.Service("llm", ipv4);
  b.Site("qy", "d", {"llm"}, /*dx6=*/true, /*dx4=*/ipv4);
  return b.Build();
}

}  // namespace cpn::srv6::testing
