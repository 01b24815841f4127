#include "controller/model/summary.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controller/model/shortest_path.h"

namespace cpn::model {

ModelSummary Summarize(const NetworkModel& m) {
  ModelSummary s;
  s.name = m.name();
  s.routers = m.num_routers();
  s.links = m.num_links();
  s.optical_nodes = m.optical_nodes().size();
  s.fibers = m.fibers().size();
  s.lightpaths = m.lightpaths().size();
  s.sites = m.sites().size();
  s.services = m.services().size();
  s.srlgs = m.srlgs().size();
  for (const Router& r : m.routers()) s.routers_down += r.up ? 0 : 1;
  for (const Site& site : m.sites()) s.sites_down += site.up ? 0 : 1;
  for (size_t l = 0; l < m.num_links(); ++l) {
    s.total_link_capacity_bps += m.links()[l].capacity_bps;
    if (!m.arc_in_service()[2 * l]) ++s.links_out_of_service;
  }
  for (const Service& svc : m.services()) {
    ModelSummary::ServiceCompute c{svc.id, 0, svc.placements.size()};
    for (PlacementIndex p : svc.placements) c.servers += m.placement(p).servers;
    s.compute.push_back(std::move(c));
  }

  // Components and latency: one Dijkstra per up router over in-service arcs.
  // Routers in one component reach each other, so the number of components
  // is the number of roots not reached from an earlier root.
  const std::vector<uint64_t> weights = InServiceArcWeights(m, m.arc_delay_us());
  ShortestPathTree<uint64_t> tree;
  std::vector<uint8_t> seen(m.num_routers(), 0);
  uint64_t diameter_us = 0;
  long double sum_us = 0;
  uint64_t pairs = 0;
  for (uint32_t u = 0; u < m.num_routers(); ++u) {
    if (!m.router(RouterIndex(u)).up) continue;
    if (!seen[u]) ++s.connected_components;
    tree.Compute(m, RouterIndex(u), weights);
    for (uint32_t v = 0; v < m.num_routers(); ++v) {
      if (v == u || !m.router(RouterIndex(v)).up) continue;
      if (!tree.reachable(RouterIndex(v))) {
        ++s.unreachable_pairs;
        continue;
      }
      seen[v] = 1;
      const uint64_t d = tree.distance(RouterIndex(v));
      sum_us += d;
      ++pairs;
      if (pairs == 1 || d > diameter_us) {  // first largest in router order
        diameter_us = d;
        s.diameter_from = m.router(RouterIndex(u)).id;
        s.diameter_to = m.router(RouterIndex(v)).id;
      }
    }
    seen[u] = 1;
  }
  s.diameter_ms = static_cast<double>(diameter_us) / 1000.0;
  s.mean_path_latency_ms = pairs == 0 ? 0 : static_cast<double>(sum_us / pairs) / 1000.0;
  return s;
}

std::string FormatSummary(const ModelSummary& s) {
  std::string out;
  auto row = [&out](std::string_view label, std::string_view value) {
    absl::StrAppendFormat(&out, "%-22s%s\n", label, value);
  };
  auto count_with = [](size_t n, size_t off, const char* what) {
    return off == 0 ? absl::StrCat(n) : absl::StrFormat("%d (%d %s)", n, off, what);
  };
  row("Network", s.name.empty() ? "(unnamed)" : s.name);
  row("Routers", count_with(s.routers, s.routers_down, "down"));
  row("Links", count_with(s.links, s.links_out_of_service, "out of service"));
  row("Optical nodes", absl::StrCat(s.optical_nodes));
  row("Fibres", absl::StrCat(s.fibers));
  row("Lightpaths", absl::StrCat(s.lightpaths));
  row("SRLGs", absl::StrCat(s.srlgs));
  row("Sites", count_with(s.sites, s.sites_down, "down"));
  row("Services", absl::StrCat(s.services));
  row("Link capacity", absl::StrFormat("%.2f Gbit/s (sum of links, one direction)",
                                       static_cast<double>(s.total_link_capacity_bps) / 1e9));
  row("Components", absl::StrCat(s.connected_components));
  if (s.diameter_from.empty()) {
    row("Diameter", "n/a (no two routers connect)");
  } else {
    row("Diameter", absl::StrFormat("%.3f ms (%s -> %s, one-way)", s.diameter_ms, s.diameter_from,
                                    s.diameter_to));
    row("Mean path latency", absl::StrFormat("%.3f ms (one-way)", s.mean_path_latency_ms));
  }
  if (s.unreachable_pairs > 0) {
    row("Unreachable pairs", absl::StrCat(s.unreachable_pairs, " (ordered router pairs)"));
  }
  if (!s.compute.empty()) {
    out += "Servers per service\n";
    size_t width = 0;
    for (const auto& c : s.compute) width = std::max(width, c.service_id.size());
    for (const auto& c : s.compute) {
      absl::StrAppendFormat(&out, "  %-*s %8d servers at %d site%s\n", static_cast<int>(width),
                            c.service_id, c.servers, c.sites, c.sites == 1 ? "" : "s");
    }
  }
  return out;
}

}  // namespace cpn::model
