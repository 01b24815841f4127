#include "tests/controller/te/decision_test_util.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "controller/te/path_cache.h"
#include "gtest/gtest.h"

namespace cpn::te::testing {

namespace tv1 = cpn::topology::v1;

NetBuilder& NetBuilder::Router(const std::string& id) {
  tv1::Router* r = topo_.add_routers();
  r->set_id(id);
  r->set_srv6_locator(absl::StrFormat("fcbb:%x::/32", topo_.routers_size()));
  r->add_roles(tv1::ROUTER_ROLE_INGRESS);
  return *this;
}

NetBuilder& NetBuilder::Link(const std::string& a, const std::string& b, uint64_t delay_us,
                             uint64_t capacity_bps) {
  tv1::Link* l = topo_.add_links();
  l->set_id(a + "--" + b);
  l->mutable_a()->set_router_id(a);
  l->mutable_a()->set_interface(absl::StrFormat("e%d", ++interfaces_));
  l->mutable_b()->set_router_id(b);
  l->mutable_b()->set_interface(absl::StrFormat("e%d", ++interfaces_));
  l->set_propagation_delay_us(delay_us);
  l->set_capacity_bps(capacity_bps);
  return *this;
}

NetBuilder& NetBuilder::Service(const std::string& id, double service_time_ms,
                                uint64_t request_bytes, uint64_t response_bytes,
                                double latency_bound_ms) {
  cpn::compute::v1::Service* s = topo_.add_services();
  s->set_id(id);
  s->set_anycast_prefix(absl::StrFormat("2001:db8:cafe:%x::/64", topo_.services_size()));
  s->set_mean_service_time_ms(service_time_ms);
  s->set_mean_request_bytes(request_bytes);
  s->set_mean_response_bytes(response_bytes);
  s->set_latency_bound_ms(latency_bound_ms);
  return *this;
}

NetBuilder& NetBuilder::Site(const std::string& id, const std::string& router,
                             std::vector<Capacity> capacities) {
  cpn::compute::v1::Site* s = topo_.add_sites();
  s->set_id(id);
  s->mutable_attachment()->set_router_id(router);
  s->mutable_attachment()->set_interface("site-" + id);
  for (const Capacity& c : capacities) {
    cpn::compute::v1::SiteServiceCapacity* cap = s->add_capacities();
    cap->set_service_id(c.service_id);
    cap->set_servers(c.servers);
    cap->set_mean_service_time_ms(c.service_time_ms);
    cap->set_static_weight(c.static_weight);
  }
  return *this;
}

std::shared_ptr<const model::NetworkModel> NetBuilder::Build() const {
  auto m = model::NetworkModel::Build(topo_);
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok()) return nullptr;
  return *std::move(m);
}

Demand MakeDemand(const model::NetworkModel& m, const std::string& ingress,
                  const std::string& service, double rps) {
  Demand d;
  d.ingress = *m.FindRouter(ingress);
  d.service = *m.FindService(service);
  d.requests_per_second = rps;
  return d;
}

CandidateSet CacheCandidates(const std::shared_ptr<const model::NetworkModel>& m,
                             const std::vector<Demand>& demands, int k) {
  PathCacheOptions o;
  o.k = k;
  PathCache cache(m, o);
  auto set = BuildCandidates(cache, demands);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *std::move(set) : CandidateSet{};
}

DecisionInputs MakeInputs(std::shared_ptr<const model::NetworkModel> m, std::vector<Demand> demands,
                          CandidateSet candidates, MetricState metrics, absl::Time now,
                          uint64_t epoch) {
  DecisionInputs in;
  in.model = std::move(m);
  in.demands = std::make_shared<const std::vector<Demand>>(std::move(demands));
  in.candidates = std::make_shared<const CandidateSet>(std::move(candidates));
  in.metrics = std::make_shared<const MetricState>(std::move(metrics));
  in.now = now;
  in.epoch = epoch;
  return in;
}

MetricState FreshMetrics(const model::NetworkModel& m, absl::Time now, double background) {
  MetricState s;
  s.placements.resize(m.placements().size());
  for (size_t p = 0; p < s.placements.size(); ++p) {
    const model::Placement& pl = m.placements()[p];
    s.placements[p].measured_at = now;
    s.placements[p].background_rps = background * pl.servers * 1000.0 / pl.mean_service_time_ms;
  }
  return s;
}

std::vector<double> Weights(const DecisionSet& set) {
  std::vector<double> out;
  for (const auto& d : set.decisions) {
    for (const CandidateDecision& c : d->candidates) out.push_back(c.weight);
  }
  return out;
}

std::vector<double> Targets(const DecisionSet& set) {
  std::vector<double> out;
  for (const auto& d : set.decisions) {
    for (const CandidateDecision& c : d->candidates) out.push_back(c.target_weight);
  }
  return out;
}

namespace {

struct ServiceProfile {
  double service_time_ms;
  uint64_t request_bytes;
  uint64_t response_bytes;
  double latency_bound_ms;
};

// Ten service shapes: from light API calls to long LLM inference.
constexpr ServiceProfile kProfiles[] = {
    {5, 800, 2000, 0},        {20, 1500, 60000, 0}, {50, 4000, 4000, 0},
    {100, 2000, 20000, 400},  {200, 8000, 8000, 0}, {500, 4620, 844, 0},
    {1000, 20000, 200000, 0}, {2000, 4620, 844, 0}, {4000, 4620, 844, 10000},
    {10, 1000, 1000, 150},
};

void AddCompute(tv1::Topology& t, std::mt19937_64& rng, int sites, int services,
                int sites_per_service) {
  const int n = t.routers_size();
  std::vector<int> routers(n);
  std::iota(routers.begin(), routers.end(), 0);
  std::shuffle(routers.begin(), routers.end(), rng);
  sites = std::min(sites, n);
  for (int s = 0; s < services; ++s) {
    const ServiceProfile& p = kProfiles[s % 10];
    cpn::compute::v1::Service* svc = t.add_services();
    svc->set_id(absl::StrFormat("svc%d", s));
    svc->set_anycast_prefix(absl::StrFormat("2001:db8:cafe:%x::/64", s + 1));
    svc->set_mean_service_time_ms(p.service_time_ms);
    svc->set_mean_request_bytes(p.request_bytes);
    svc->set_mean_response_bytes(p.response_bytes);
    svc->set_latency_bound_ms(p.latency_bound_ms);
  }
  // Hosting: service s at sites_per_service sites, spread round robin with
  // a random offset so every site hosts about the same number of services.
  std::vector<std::vector<int>> hosted(sites);
  std::vector<int> order(sites);
  std::iota(order.begin(), order.end(), 0);
  for (int s = 0; s < services; ++s) {
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i < std::min(sites_per_service, sites); ++i) hosted[order[i]].push_back(s);
  }
  std::uniform_int_distribution<int> servers(8, 128);
  for (int i = 0; i < sites; ++i) {
    if (hosted[i].empty()) hosted[i].push_back(i % services);
    std::sort(hosted[i].begin(), hosted[i].end());
    cpn::compute::v1::Site* site = t.add_sites();
    site->set_id(absl::StrFormat("site%d", i));
    site->mutable_attachment()->set_router_id(t.routers(routers[i]).id());
    site->mutable_attachment()->set_interface(absl::StrFormat("site%d", i));
    for (int s : hosted[i]) {
      cpn::compute::v1::SiteServiceCapacity* c = site->add_capacities();
      c->set_service_id(absl::StrFormat("svc%d", s));
      c->set_servers(servers(rng));
    }
  }
}

SyntheticNetwork Finish(tv1::Topology t, std::mt19937_64& rng, int demands, double load) {
  SyntheticNetwork out;
  auto built = model::NetworkModel::Build(std::move(t));
  if (!built.ok()) {
    ADD_FAILURE() << built.status();
    return out;
  }
  out.model = *std::move(built);
  const model::NetworkModel& m = *out.model;
  // Demands: every router for every service, up to `demands`; the rates of
  // a service sum to `load` of its total capacity, spread with random
  // (exponential) shares over the ingresses.
  const size_t ns = m.services().size();
  std::vector<double> capacity(ns, 0);
  for (const model::Placement& p : m.placements()) {
    capacity[p.service.value()] += p.servers * 1000.0 / p.mean_service_time_ms;
  }
  std::exponential_distribution<double> share(1.0);
  std::vector<std::vector<size_t>> of_service(ns);
  for (size_t r = 0; r < m.num_routers() && out.demands.size() < static_cast<size_t>(demands);
       ++r) {
    for (size_t s = 0; s < ns && out.demands.size() < static_cast<size_t>(demands); ++s) {
      Demand d;
      d.ingress = model::RouterIndex(r);
      d.service = model::ServiceIndex(s);
      d.requests_per_second = share(rng);
      of_service[s].push_back(out.demands.size());
      out.demands.push_back(d);
    }
  }
  for (size_t s = 0; s < ns; ++s) {
    double sum = 0;
    for (size_t i : of_service[s]) sum += out.demands[i].requests_per_second;
    for (size_t i : of_service[s]) {
      out.demands[i].requests_per_second *= load * capacity[s] / std::max(sum, 1e-9);
    }
  }
  return out;
}

}  // namespace

SyntheticNetwork MakeSyntheticNetwork(int routers, int sites, int services, int sites_per_service,
                                      int demands, uint64_t seed) {
  std::mt19937_64 rng(seed);
  tv1::Topology t;
  t.set_name("synthetic");
  // Routers at random points of a 3000 km square.
  std::uniform_real_distribution<double> coord(0, 3000);
  std::vector<std::pair<double, double>> at(routers);
  for (int i = 0; i < routers; ++i) {
    at[i] = {coord(rng), coord(rng)};
    tv1::Router* r = t.add_routers();
    r->set_id(absl::StrFormat("r%d", i));
    r->set_srv6_locator(absl::StrFormat("fcbb:%x:%x::/48", i / 65536 + 1, i % 65536));
    r->add_roles(tv1::ROUTER_ROLE_INGRESS);
  }
  auto dist = [&](int a, int b) {
    return std::hypot(at[a].first - at[b].first, at[a].second - at[b].second);
  };
  std::vector<std::pair<int, int>> edges;
  auto add = [&](int a, int b) {
    if (a == b) return;
    const std::pair<int, int> e = {std::min(a, b), std::max(a, b)};
    if (std::find(edges.begin(), edges.end(), e) == edges.end()) edges.push_back(e);
  };
  for (int i = 1; i < routers; ++i) {
    // Nearest earlier router (keeps the graph connected) and the two
    // nearest overall.
    int best = 0;
    for (int j = 1; j < i; ++j) {
      if (dist(i, j) < dist(i, best)) best = j;
    }
    add(i, best);
  }
  for (int i = 0; i < routers; ++i) {
    int n1 = -1, n2 = -1;
    for (int j = 0; j < routers; ++j) {
      if (j == i) continue;
      if (n1 < 0 || dist(i, j) < dist(i, n1)) {
        n2 = n1;
        n1 = j;
      } else if (n2 < 0 || dist(i, j) < dist(i, n2)) {
        n2 = j;
      }
    }
    add(i, n1);
    add(i, n2);
  }
  // Long-haul chords: one per 20 routers.
  std::uniform_int_distribution<int> pick(0, routers - 1);
  for (int i = 0; i < routers / 20; ++i) add(pick(rng), pick(rng));
  std::sort(edges.begin(), edges.end());
  int iface = 0;
  for (const auto& [a, b] : edges) {
    tv1::Link* l = t.add_links();
    l->set_id(absl::StrFormat("r%d--r%d", a, b));
    l->mutable_a()->set_router_id(absl::StrFormat("r%d", a));
    l->mutable_a()->set_interface(absl::StrFormat("e%d", ++iface));
    l->mutable_b()->set_router_id(absl::StrFormat("r%d", b));
    l->mutable_b()->set_interface(absl::StrFormat("e%d", ++iface));
    const double km = dist(a, b);
    l->set_propagation_delay_us(std::max<uint64_t>(50, static_cast<uint64_t>(km * 5 * 1.3)));
    l->set_capacity_bps(km > 600 ? 100'000'000'000 : 10'000'000'000);
  }
  AddCompute(t, rng, sites, services, sites_per_service);
  return Finish(std::move(t), rng, demands, 0.6);
}

SyntheticNetwork AddComputeAndDemands(tv1::Topology t, int sites, int services,
                                      int sites_per_service, int demands, uint64_t seed) {
  std::mt19937_64 rng(seed);
  t.clear_sites();
  t.clear_services();
  AddCompute(t, rng, sites, services, sites_per_service);
  return Finish(std::move(t), rng, demands, 0.6);
}

}  // namespace cpn::te::testing
