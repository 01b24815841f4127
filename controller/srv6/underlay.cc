// The underlay half of CompileDesiredState: ports, neighbors, FIB routes and
// local SIDs of every router, from the model alone.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/srv6/compiler_internal.h"

namespace cpn::srv6::internal {
namespace {

namespace dpv1 = cpn::dataplane::v1;
using model::ArcDirection;
using model::ArcIndex;
using model::LinkIndex;
using model::RouterIndex;
using model::SiteIndex;

dpv1::Entity PortEntity(const PortBinding& binding, const std::string& name,
                        const CompileOptions& options) {
  dpv1::Entity e;
  dpv1::Port* p = e.mutable_port();
  p->set_id(binding.id);
  p->set_name(name);
  p->set_devargs(binding.devargs);
  p->set_mtu(options.port_mtu);
  p->set_admin_state(cpn::common::v1::ADMIN_STATE_UP);
  return e;
}

dpv1::Entity NeighborEntity(uint32_t port_id, const std::string& address,
                            const model::MacAddress& mac) {
  dpv1::Entity e;
  dpv1::Neighbor* n = e.mutable_neighbor();
  n->set_port_id(port_id);
  n->set_address(address);
  n->set_mac_address(mac.ToString());
  return e;
}

dpv1::NextHop NextHopOf(uint32_t port_id, std::string address) {
  dpv1::NextHop nh;
  nh.set_port_id(port_id);
  nh.set_address(std::move(address));
  return nh;
}

dpv1::Entity RouteEntity(uint32_t table, const std::string& prefix) {
  dpv1::Entity e;
  e.mutable_route()->set_table_id(table);
  e.mutable_route()->set_prefix(prefix);
  return e;
}

dpv1::Entity RouteVia(uint32_t table, const std::string& prefix, const dpv1::NextHopGroup& group) {
  dpv1::Entity e = RouteEntity(table, prefix);
  *e.mutable_route()->mutable_next_hops() = group;
  return e;
}

absl::Status AddPortsAndNeighbors(const model::NetworkModel& model, const PortPlan& ports,
                                  const CompileOptions& options, std::vector<RouterState>& routers,
                                  std::vector<std::string>& warnings) {
  for (uint32_t l = 0; l < model.num_links(); ++l) {
    const model::Link& link = model.link(LinkIndex(l));
    for (ArcDirection near : {ArcDirection::kAToB, ArcDirection::kBToA}) {
      const model::LinkEnd& end = near == ArcDirection::kAToB ? link.a : link.b;
      const model::LinkEnd& far = near == ArcDirection::kAToB ? link.b : link.a;
      RouterState& state = routers[end.router.value()];
      const PortBinding& binding = ports.link_end(LinkIndex(l), near);
      dpv1::Entity port = PortEntity(binding, end.interface, options);
      if (end.mac_address) port.mutable_port()->set_mac_address(end.mac_address->ToString());
      if (options.emulate_links) {
        dpv1::LinkEmulation* em = port.mutable_port()->mutable_emulation();
        em->set_delay_us(static_cast<uint32_t>(std::min<uint64_t>(link.delay_us, UINT32_MAX)));
        em->set_rate_bps(link.capacity_bps);
      }
      RETURN_IF_ERROR(AddEntity(state, std::move(port)));
      const std::string far_address = FarEndAddress(link, near).ToString();
      if (far.mac_address) {
        RETURN_IF_ERROR(
            AddEntity(state, NeighborEntity(binding.id, far_address, *far.mac_address)));
      } else {
        warnings.push_back(absl::StrFormat(
            "router \"%s\" interface \"%s\" (link \"%s\"): the far end has no MAC address; "
            "neighbor %s is not installed",
            state.router_id, end.interface, link.id, far_address));
      }
    }
  }
  for (uint32_t s = 0; s < model.sites().size(); ++s) {
    const model::Site& site = model.site(SiteIndex(s));
    const model::SiteAttachment& att = site.attachment;
    RouterState& state = routers[att.router.value()];
    const PortBinding& binding = ports.site(SiteIndex(s));
    RETURN_IF_ERROR(AddEntity(state, PortEntity(binding, att.interface, options)));
    const auto mac = options.site_gateway_macs.find(site.id);
    if (mac == options.site_gateway_macs.end()) continue;
    const model::Ipv6Address gw6 = att.next_hop_ipv6.value_or(SiteOnLinkIpv6());
    RETURN_IF_ERROR(AddEntity(state, NeighborEntity(binding.id, gw6.ToString(), mac->second)));
    if (att.next_hop_ipv4) {
      RETURN_IF_ERROR(
          AddEntity(state, NeighborEntity(binding.id, att.next_hop_ipv4->ToString(), mac->second)));
    }
  }
  return absl::OkStatus();
}

absl::Status AddLocalSids(const model::NetworkModel& model, const SidPlan& sids,
                          const PortPlan& ports, const IgpView& igp, RouterState& state) {
  const std::string& router_id = state.router_id;
  for (const Sid& sid : sids.sids_of(state.router)) {
    dpv1::Entity e;
    dpv1::LocalSid* ls = e.mutable_local_sid();
    ls->set_sid(sid.address.ToString());
    switch (sid.behavior) {
      case SidBehavior::kEnd:
        ls->mutable_end();
        ls->set_description(absl::StrCat("End of ", router_id));
        break;
      case SidBehavior::kEndX: {
        if (!igp.in_service(sid.arc)) continue;  // adjacency down: withdrawn
        const model::Link& link = model.link(model::LinkOf(sid.arc));
        *ls->mutable_end_x()->mutable_next_hop() =
            NextHopOf(ports.arc_port(sid.arc).id,
                      FarEndAddress(link, model::DirectionOf(sid.arc)).ToString());
        ls->set_description(absl::StrFormat("End.X %s -> %s over %s", router_id,
                                            model.router(model.arc_head(sid.arc)).id, link.id));
        break;
      }
      case SidBehavior::kEndDx6: {
        const model::Site& site = model.site(sid.site);
        *ls->mutable_end_dx6()->mutable_next_hop() =
            NextHopOf(ports.site(sid.site).id, site.attachment.next_hop_ipv6->ToString());
        ls->set_description(absl::StrCat("End.DX6 to site ", site.id));
        break;
      }
      case SidBehavior::kEndDt6:
        ls->mutable_end_dt6()->set_table_id(sids.dt6_table(sid.site));
        ls->set_description(absl::StrCat("End.DT6 to site ", model.site(sid.site).id));
        break;
      case SidBehavior::kEndDx4: {
        const model::Site& site = model.site(sid.site);
        *ls->mutable_end_dx4()->mutable_next_hop() =
            NextHopOf(ports.site(sid.site).id, site.attachment.next_hop_ipv4->ToString());
        ls->set_description(absl::StrCat("End.DX4 to site ", site.id));
        break;
      }
    }
    RETURN_IF_ERROR(AddEntity(state, std::move(e)));
  }
  return absl::OkStatus();
}

// Routes of router `state.router` to its own locator and sites.
absl::Status AddLocalRoutes(const model::NetworkModel& model, const SidPlan& sids,
                            const PortPlan& ports, RouterState& state,
                            std::vector<std::string>& warnings) {
  const model::Router& router = model.router(state.router);
  dpv1::Entity own = RouteEntity(0, router.srv6_locator.ToString());
  own.mutable_route()->mutable_local();
  RETURN_IF_ERROR(AddEntity(state, std::move(own)));
  for (SiteIndex s : router.sites) {
    const model::Site& site = model.site(s);
    const model::SiteAttachment& att = site.attachment;
    const uint32_t port = ports.site(s).id;
    dpv1::NextHopGroup v6;
    *v6.add_next_hops() = NextHopOf(port, att.next_hop_ipv6.value_or(SiteOnLinkIpv6()).ToString());
    for (const model::Ipv6Prefix& p : att.site_prefixes_ipv6) {
      RETURN_IF_ERROR(AddEntity(state, RouteVia(0, p.ToString(), v6)));
    }
    if (!att.site_prefixes_ipv4.empty()) {
      if (att.next_hop_ipv4) {
        dpv1::NextHopGroup v4;
        *v4.add_next_hops() = NextHopOf(port, att.next_hop_ipv4->ToString());
        for (const model::Ipv4Prefix& p : att.site_prefixes_ipv4) {
          RETURN_IF_ERROR(AddEntity(state, RouteVia(0, p.ToString(), v4)));
        }
      } else {
        warnings.push_back(absl::StrFormat(
            "site \"%s\": IPv4 site prefixes but no attachment.next_hop_ipv4; they are not routed",
            site.id));
      }
    }
    // End.DT6 looks the inner destination (the service's anycast address,
    // or a site server) up in the site's own table.
    if (const uint32_t table = sids.dt6_table(s); table != 0) {
      std::vector<model::Ipv6Prefix> prefixes = att.site_prefixes_ipv6;
      for (const model::Placement& placement : model.placements_of(s)) {
        prefixes.push_back(model.service(placement.service).anycast_prefix);
      }
      std::sort(prefixes.begin(), prefixes.end());
      prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
      for (const model::Ipv6Prefix& p : prefixes) {
        RETURN_IF_ERROR(AddEntity(state, RouteVia(table, p.ToString(), v6)));
      }
    }
  }
  return absl::OkStatus();
}

// Routes of every router toward destination router `to`: its locator and
// its sites' IPv6 prefixes, over the IGP next hops.
absl::Status AddRoutesTo(const model::NetworkModel& model, const PortPlan& ports,
                         const IgpView& igp, RouterIndex to, const CompileOptions& options,
                         std::vector<RouterState>& routers) {
  const model::Router& dest = model.router(to);
  std::vector<std::string> prefixes = {dest.srv6_locator.ToString()};
  for (SiteIndex s : dest.sites) {
    for (const model::Ipv6Prefix& p : model.site(s).attachment.site_prefixes_ipv6) {
      prefixes.push_back(p.ToString());
    }
  }
  const std::vector<uint64_t> distance = igp.DistancesTo(to);
  for (uint32_t r = 0; r < model.num_routers(); ++r) {
    if (RouterIndex(r) == to) continue;
    std::vector<ArcIndex> hops = igp.NextHops(RouterIndex(r), distance);
    if (hops.empty()) continue;  // unreachable: no route
    if (options.max_ecmp_next_hops != 0 && hops.size() > options.max_ecmp_next_hops) {
      hops.resize(options.max_ecmp_next_hops);
    }
    std::vector<std::pair<uint32_t, std::string>> next_hops;
    for (ArcIndex a : hops) {
      next_hops.emplace_back(
          ports.arc_port(a).id,
          FarEndAddress(model.link(model::LinkOf(a)), model::DirectionOf(a)).ToString());
    }
    std::sort(next_hops.begin(), next_hops.end());
    dpv1::NextHopGroup group;
    for (auto& [port, address] : next_hops) *group.add_next_hops() = NextHopOf(port, address);
    for (const std::string& p : prefixes) {
      RETURN_IF_ERROR(AddEntity(routers[r], RouteVia(0, p, group)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AddEntity(RouterState& state, dpv1::Entity entity) {
  EntityKey key = KeyOf(entity);
  auto [it, inserted] = state.entities.emplace(std::move(key), std::move(entity));
  if (!inserted) {
    return absl::InternalError(absl::StrFormat("router \"%s\": %s compiled twice", state.router_id,
                                               it->first.DebugString()));
  }
  return absl::OkStatus();
}

absl::Status CompileUnderlay(const model::NetworkModel& model, const SidPlan& sids,
                             const PortPlan& ports, IgpView& igp, const CompileOptions& options,
                             std::vector<RouterState>& routers,
                             std::vector<std::string>& warnings) {
  RETURN_IF_ERROR(AddPortsAndNeighbors(model, ports, options, routers, warnings));
  for (RouterState& state : routers) {
    RETURN_IF_ERROR(AddLocalSids(model, sids, ports, igp, state));
    RETURN_IF_ERROR(AddLocalRoutes(model, sids, ports, state, warnings));
  }
  for (uint32_t d = 0; d < model.num_routers(); ++d) {
    RETURN_IF_ERROR(AddRoutesTo(model, ports, igp, RouterIndex(d), options, routers));
  }
  return absl::OkStatus();
}

}  // namespace cpn::srv6::internal
