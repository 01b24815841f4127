#include "tests/controller/te/paths_test_util.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace cpn::te::testing {
namespace {

namespace tv1 = cpn::topology::v1;
namespace cv1 = cpn::compute::v1;
using model::ArcIndex;
using model::LinkIndex;
using model::RouterIndex;

bool Usable(const model::NetworkModel& m, const PathConstraints& c, ArcIndex a) {
  const model::Link& link = m.link(model::LinkOf(a));
  if (!link.up || !m.router(link.a.router).up || !m.router(link.b.router).up) return false;
  if (c.min_bandwidth_bps > 0) {
    const uint64_t avail = c.available_bps.empty() ? link.capacity_bps : c.available_bps[a.value()];
    if (avail < c.min_bandwidth_bps) return false;
  }
  for (LinkIndex l : c.excluded_links) {
    if (l == model::LinkOf(a)) return false;
  }
  for (RouterIndex r : c.excluded_routers) {
    if (r == link.a.router || r == link.b.router) return false;
  }
  for (uint32_t s : c.excluded_srlg_ids) {
    if (std::find(link.srlg_ids.begin(), link.srlg_ids.end(), s) != link.srlg_ids.end()) {
      return false;
    }
  }
  return true;
}

bool Better(const Path& a, const Path& b) {
  return std::make_tuple(a.delay_us, a.arcs.size()) < std::make_tuple(b.delay_us, b.arcs.size()) ||
         (std::make_tuple(a.delay_us, a.arcs.size()) ==
              std::make_tuple(b.delay_us, b.arcs.size()) &&
          a.arcs < b.arcs);
}

}  // namespace

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

tv1::Topology RandomNetwork(uint64_t seed, const RandomNetworkOptions& o) {
  Rng rng(seed);
  tv1::Topology t;
  t.set_name(absl::StrFormat("random-%d", seed));
  const int n = o.min_routers + static_cast<int>(rng.Below(o.max_routers - o.min_routers + 1));
  std::vector<int> interfaces(n, 0);
  for (int i = 0; i < n; ++i) {
    tv1::Router* r = t.add_routers();
    r->set_id(absl::StrFormat("r%d", i));
    r->set_srv6_locator(absl::StrFormat("fcbb:bb00:%x::/48", i + 1));
    if (rng.Chance(o.router_down_probability)) {
      r->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
    }
  }
  const int links = std::max(1, static_cast<int>(o.links_per_router * n + 0.5));
  for (int j = 0; j < links; ++j) {
    const int a = static_cast<int>(rng.Below(n));
    int b = static_cast<int>(rng.Below(n - 1));
    if (b >= a) ++b;
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("l%d", j));
    l->mutable_a()->set_router_id(t.routers(a).id());
    l->mutable_a()->set_interface(absl::StrFormat("e%d", interfaces[a]++));
    l->mutable_b()->set_router_id(t.routers(b).id());
    l->mutable_b()->set_interface(absl::StrFormat("e%d", interfaces[b]++));
    l->set_propagation_delay_us(rng.Below(o.max_delay_us + 1));
    static constexpr uint64_t kGbps[] = {1, 2, 5, 10};
    l->set_capacity_bps(kGbps[rng.Below(4)] * 1'000'000'000);
    for (int s = 1; s <= o.num_srlgs; ++s) {
      if (rng.Chance(o.srlg_probability)) l->add_srlgs(s);
    }
    if (rng.Chance(o.link_down_probability)) {
      l->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
    }
  }
  for (int s = 0; s < o.num_services; ++s) {
    cv1::Service* svc = t.add_services();
    svc->set_id(absl::StrFormat("svc%d", s));
    svc->set_anycast_prefix(absl::StrFormat("2001:db8:cafe:%x::/64", s));
    svc->set_mean_service_time_ms(10);
    // Round-trip bounds of 0 (none) or 2..30 us: tight for these delays.
    if (!rng.Chance(0.3)) {
      svc->set_latency_bound_ms(static_cast<double>(2 + rng.Below(29)) / 1000.0);
    }
  }
  for (int s = 0; s < o.num_sites; ++s) {
    cv1::Site* site = t.add_sites();
    site->set_id(absl::StrFormat("site%d", s));
    site->mutable_attachment()->set_router_id(t.routers(static_cast<int>(rng.Below(n))).id());
    site->mutable_attachment()->set_interface(absl::StrFormat("site%d", s));
    for (int k = 0; k < o.num_services; ++k) {
      if (k > 0 && !rng.Chance(0.6)) continue;
      cv1::SiteServiceCapacity* c = site->add_capacities();
      c->set_service_id(absl::StrFormat("svc%d", k));
      c->set_servers(4);
    }
  }
  return t;
}

std::shared_ptr<const model::NetworkModel> MustBuild(const tv1::Topology& t) {
  absl::StatusOr<std::shared_ptr<const model::NetworkModel>> m = model::NetworkModel::Build(t);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : nullptr;
}

PathConstraints RandomConstraints(Rng& rng, const model::NetworkModel& m, RouterIndex keep_a,
                                  RouterIndex keep_b) {
  PathConstraints c;
  if (rng.Chance(0.3)) c.min_bandwidth_bps = (1 + rng.Below(10)) * 1'000'000'000;
  if (rng.Chance(0.3) && m.num_links() > 0) {
    c.excluded_links.push_back(LinkIndex(static_cast<uint32_t>(rng.Below(m.num_links()))));
  }
  if (rng.Chance(0.2)) {
    const RouterIndex r(static_cast<uint32_t>(rng.Below(m.num_routers())));
    if (r != keep_a && r != keep_b) c.excluded_routers.push_back(r);
  }
  if (rng.Chance(0.3)) c.excluded_srlg_ids.push_back(1 + static_cast<uint32_t>(rng.Below(4)));
  if (rng.Chance(0.4)) c.max_delay_us = rng.Below(16);
  return c;
}

std::vector<Path> AllSimplePaths(const model::NetworkModel& m, RouterIndex source,
                                 RouterIndex target, const PathConstraints& c) {
  std::vector<Path> out;
  std::vector<ArcIndex> stack;
  std::vector<uint8_t> on_path(m.num_routers(), 0);
  // Plain recursive DFS over every usable arc.
  auto dfs = [&](auto&& self, RouterIndex u) -> void {
    if (u == target) {
      out.push_back(MakePath(m, source, stack));
      return;
    }
    on_path[u.value()] = 1;
    for (ArcIndex a : m.out_arcs(u)) {
      const RouterIndex v = m.arc_head(a);
      if (on_path[v.value()] || !Usable(m, c, a)) continue;
      stack.push_back(a);
      self(self, v);
      stack.pop_back();
    }
    on_path[u.value()] = 0;
  };
  dfs(dfs, source);
  std::sort(out.begin(), out.end(), Better);
  return out;
}

std::vector<Path> BruteKShortest(const model::NetworkModel& m, RouterIndex source,
                                 RouterIndex target, int k, const PathConstraints& c) {
  std::vector<Path> all = AllSimplePaths(m, source, target, c);
  std::vector<Path> out;
  for (Path& p : all) {
    if (static_cast<int>(out.size()) == k) break;
    if (p.delay_us <= c.max_delay_us) out.push_back(std::move(p));
  }
  return out;
}

bool BruteDisjoint(const model::NetworkModel& m, const Path& a, const Path& b, bool srlg_disjoint,
                   bool router_disjoint) {
  std::set<uint32_t> links_a, srlgs_a, routers_a;
  for (ArcIndex x : a.arcs) {
    links_a.insert(model::LinkOf(x).value());
    for (uint32_t s : m.link(model::LinkOf(x)).srlg_ids) srlgs_a.insert(s);
    routers_a.insert(m.arc_head(x).value());
  }
  routers_a.erase(a.target.value());
  for (ArcIndex x : b.arcs) {
    if (links_a.count(model::LinkOf(x).value())) return false;
    if (srlg_disjoint) {
      for (uint32_t s : m.link(model::LinkOf(x)).srlg_ids) {
        if (srlgs_a.count(s)) return false;
      }
    }
    const RouterIndex h = m.arc_head(x);
    if (router_disjoint && h != b.target && routers_a.count(h.value())) return false;
  }
  return true;
}

std::string Describe(const model::NetworkModel& m, const Path& p) {
  std::string s = m.router(p.source).id;
  for (ArcIndex a : p.arcs) {
    absl::StrAppendFormat(&s, " -%s-> %s", m.link(model::LinkOf(a)).id, m.router(m.arc_head(a)).id);
  }
  absl::StrAppendFormat(&s, " (%d us)", p.delay_us);
  return s;
}

std::string Describe(const model::NetworkModel& m, const std::vector<Path>& paths) {
  std::vector<std::string> parts;
  for (const Path& p : paths) parts.push_back(Describe(m, p));
  return "[" + absl::StrJoin(parts, "; ") + "]";
}

}  // namespace cpn::te::testing
