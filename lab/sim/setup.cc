#include "lab/sim/setup.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

#include "absl/strings/str_format.h"
#include "cpn/topology/v1/topology.pb.h"

namespace cpn::lab::sim {

namespace tv1 = cpn::topology::v1;

std::vector<double> OneWayDelaysMs(const model::NetworkModel& m, model::RouterIndex source,
                                   std::vector<int64_t>* pred_arc) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> dist(m.num_routers(), inf);
  if (pred_arc) pred_arc->assign(m.num_routers(), -1);
  using Item = std::pair<double, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
  dist[source.value()] = 0;
  pq.push({0, source.value()});
  while (!pq.empty()) {
    auto [d, r] = pq.top();
    pq.pop();
    if (d > dist[r]) continue;
    for (model::ArcIndex a : m.out_arcs(model::RouterIndex(r))) {
      if (!m.arc_in_service()[a.value()]) continue;
      const uint32_t h = m.arc_head(a).value();
      const double nd = d + m.arc_delay_us()[a.value()] / 1000.0;
      if (nd < dist[h]) {
        dist[h] = nd;
        if (pred_arc) (*pred_arc)[h] = a.value();
        pq.push({nd, h});
      }
    }
  }
  return dist;
}

namespace {

absl::Status ResolveFailures(SimSetup& s, const std::vector<double>& center_dist,
                             const std::vector<int64_t>& center_pred) {
  const Scenario& sc = s.scenario;
  const model::NetworkModel& m = *s.model;
  if (sc.site_fail_at_s >= 0) {
    const SimSite* pick = nullptr;
    for (const SimSite& site : s.sites) {
      const bool better = sc.site_fail_id.empty()
                              ? (pick == nullptr || site.servers > pick->servers)
                              : (pick == nullptr && site.id == sc.site_fail_id);
      if (better) pick = &site;
    }
    if (pick == nullptr) {
      return absl::NotFoundError(absl::StrFormat(
          "scenario \"%s\": site_fail_id \"%s\" is not a site hosting service \"%s\"", sc.name,
          sc.site_fail_id, m.service(s.service).id));
    }
    s.changes.push_back({sc.site_fail_at_s, true, pick->site.value(), true,
                         absl::StrFormat("site %s down", pick->id)});
    if (sc.site_recover_at_s > sc.site_fail_at_s) {
      s.changes.push_back({sc.site_recover_at_s, true, pick->site.value(), false,
                           absl::StrFormat("site %s up", pick->id)});
    }
  }
  if (sc.link_fail_at_s >= 0) {
    std::optional<model::LinkIndex> link;
    if (!sc.link_fail_id.empty()) {
      link = m.FindLink(sc.link_fail_id);
      if (!link) {
        return absl::NotFoundError(absl::StrFormat(
            "scenario \"%s\": link_fail_id \"%s\" is not a link", sc.name, sc.link_fail_id));
      }
    } else {
      // The first link on the shortest path from the focus ingress to the
      // biggest site (the trunk its traffic leaves on).
      const SimSite* big = &s.sites[0];
      for (const SimSite& site : s.sites) {
        if (site.servers > big->servers) big = &site;
      }
      uint32_t r = big->router.value();
      int64_t first = -1;
      while (center_pred[r] >= 0) {
        first = center_pred[r];
        r = m.arc_tail(model::ArcIndex(static_cast<uint32_t>(first))).value();
      }
      if (first < 0 || !std::isfinite(center_dist[big->router.value()])) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "scenario \"%s\": no default link to fail (site %s is at the focus ingress); set "
            "link_fail_id",
            sc.name, big->id));
      }
      link = model::LinkOf(model::ArcIndex(static_cast<uint32_t>(first)));
    }
    const std::string id = m.link(*link).id;
    s.changes.push_back(
        {sc.link_fail_at_s, false, link->value(), true, absl::StrFormat("link %s down", id)});
    if (sc.link_recover_at_s > sc.link_fail_at_s) {
      s.changes.push_back(
          {sc.link_recover_at_s, false, link->value(), false, absl::StrFormat("link %s up", id)});
    }
  }
  std::stable_sort(
      s.changes.begin(), s.changes.end(),
      [](const TopologyChange& a, const TopologyChange& b) { return a.at_s < b.at_s; });
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SimSetup> BuildSetup(std::shared_ptr<const model::NetworkModel> model,
                                    const Scenario& scenario, const Workload* workload,
                                    const std::string& service_id) {
  if (absl::Status st = ValidateScenario(scenario); !st.ok()) return st;
  SimSetup s;
  s.scenario = scenario;
  s.workload = workload;
  s.model = std::move(model);
  const model::NetworkModel& m = *s.model;
  if (m.services().empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("network \"%s\" has no service (add one, or --default-service)", m.name()));
  }
  if (service_id.empty()) {
    s.service = model::ServiceIndex(0);
  } else if (auto svc = m.FindService(service_id)) {
    s.service = *svc;
  } else {
    return absl::NotFoundError(
        absl::StrFormat("service \"%s\" is not in network \"%s\"", service_id, m.name()));
  }
  const model::Service& svc = m.service(s.service);
  s.latency_bound_ms = svc.latency_bound_ms;
  s.request_bytes = static_cast<double>(svc.mean_request_bytes);
  s.response_bytes = static_cast<double>(svc.mean_response_bytes);

  // Sites of the service.
  uint32_t max_servers = 0;
  for (uint32_t p = 0; p < m.placements().size(); ++p) {
    const model::Placement& pl = m.placements()[p];
    if (pl.service != s.service) continue;
    SimSite site;
    site.placement = model::PlacementIndex(p);
    site.site = pl.site;
    site.id = m.site(pl.site).id;
    site.router = m.site(pl.site).attachment.router;
    site.servers = pl.servers;
    site.mean_service_s = pl.mean_service_time_ms / 1000.0;
    site.background_offset = s.sites.size() * 37 + 11;  // distinct stretches of the trace
    s.capacity_rps += pl.servers / site.mean_service_s;
    max_servers = std::max(max_servers, pl.servers);
    s.sites.push_back(site);
  }
  if (s.sites.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("no site hosts service \"%s\" in network \"%s\"", svc.id, m.name()));
  }
  for (SimSite& site : s.sites) {
    site.background_rps =
        scenario.target_load * scenario.background_share * site.servers / site.mean_service_s;
  }

  // Ingresses: routers with the ingress role that reach a site. Routers of
  // the smaller sites ("demand hubs") weigh more.
  std::vector<uint8_t> hot(m.num_routers(), 0);
  for (const SimSite& site : s.sites) {
    if (site.servers < max_servers || std::all_of(s.sites.begin(), s.sites.end(), [&](auto& x) {
          return x.servers == max_servers;
        })) {
      hot[site.router.value()] = 1;
    }
  }
  for (uint32_t r = 0; r < m.num_routers(); ++r) {
    const model::Router& router = m.router(model::RouterIndex(r));
    if (!router.HasRole(tv1::ROUTER_ROLE_INGRESS)) continue;
    const std::vector<double> dist = OneWayDelaysMs(m, model::RouterIndex(r));
    bool reaches = false;
    for (const SimSite& site : s.sites)
      reaches = reaches || std::isfinite(dist[site.router.value()]);
    if (!reaches) continue;
    SimIngress in;
    in.id = router.id;
    in.router = model::RouterIndex(r);
    in.weight = (!scenario.uniform_ingress && hot[r]) ? scenario.hot_ingress_weight : 1.0;
    if (!scenario.uniform_ingress && workload != nullptr && !workload->ingress_volume.empty()) {
      // The traffic matrix's share; a router it lacks sends nothing.
      auto v = workload->ingress_volume.find(router.id);
      if (v == workload->ingress_volume.end() || !(v->second > 0)) continue;
      in.weight = v->second;
    }
    s.ingresses.push_back(in);
  }
  if (s.ingresses.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "network \"%s\": no router with the ingress role reaches a site%s", m.name(),
        workload != nullptr && !workload->ingress_volume.empty()
            ? " and has volume in the traffic matrix"
            : ""));
  }
  double total_weight = 0;
  for (const SimIngress& in : s.ingresses) total_weight += in.weight;
  const double cpn_rps = scenario.target_load * (1 - scenario.background_share) * s.capacity_rps;
  for (SimIngress& in : s.ingresses) {
    in.rate = cpn_rps * in.weight / total_weight;
    s.demand_rps += in.rate;
  }

  // Flash-crowd region: around the given centre, else the ingress with the
  // most demand within the radius.
  std::vector<std::vector<double>> dist_of(s.ingresses.size());
  for (size_t i = 0; i < s.ingresses.size(); ++i) {
    dist_of[i] = OneWayDelaysMs(m, s.ingresses[i].router);
  }
  auto region_rate = [&](size_t c) {
    double sum = 0;
    for (const SimIngress& in : s.ingresses) {
      if (dist_of[c][in.router.value()] <= scenario.flash_radius_ms) sum += in.rate;
    }
    return sum;
  };
  size_t center = 0;
  if (!scenario.flash_center.empty()) {
    auto it = std::find_if(s.ingresses.begin(), s.ingresses.end(),
                           [&](const SimIngress& in) { return in.id == scenario.flash_center; });
    if (it == s.ingresses.end()) {
      return absl::NotFoundError(absl::StrFormat(
          "scenario \"%s\": flash_center \"%s\" is not an ingress router reaching a site",
          scenario.name, scenario.flash_center));
    }
    center = static_cast<size_t>(it - s.ingresses.begin());
  } else {
    double best = -1;
    for (size_t i = 0; i < s.ingresses.size(); ++i) {
      const double r = region_rate(i);
      if (r > best + 1e-9) {
        best = r;
        center = i;
      }
    }
  }
  s.focus_ingress = center;
  s.flash_center = s.ingresses[center].id;
  for (SimIngress& in : s.ingresses) {
    in.flash_region = dist_of[center][in.router.value()] <= scenario.flash_radius_ms;
    if (in.flash_region) s.flash_region_rps += in.rate;
  }

  std::vector<int64_t> pred;
  const std::vector<double> center_dist = OneWayDelaysMs(m, s.ingresses[center].router, &pred);
  if (absl::Status st = ResolveFailures(s, center_dist, pred); !st.ok()) return st;

  s.arc_background_offset.resize(m.num_arcs());
  for (size_t a = 0; a < m.num_arcs(); ++a) s.arc_background_offset[a] = a * 53 + 7;
  return s;
}

}  // namespace cpn::lab::sim
