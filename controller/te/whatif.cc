#include "controller/te/whatif.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "controller/te/explain.h"

namespace cpn::te {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

absl::Status Bad(size_t i, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrFormat("change #%d: %s", i, what));
}

// The placements a (site, service) selector names.
absl::StatusOr<std::vector<model::PlacementIndex>> Placements(const model::NetworkModel& m,
                                                              size_t i, const std::string& site_id,
                                                              const std::string& service_id) {
  const std::optional<model::SiteIndex> site = m.FindSite(site_id);
  if (!site) return Bad(i, absl::StrFormat("unknown site \"%s\"", site_id));
  std::vector<model::PlacementIndex> out;
  if (service_id.empty()) {
    const model::Site& s = m.site(*site);
    for (uint32_t p = 0; p < s.num_placements; ++p) {
      out.push_back(model::PlacementIndex(s.first_placement + p));
    }
    return out;
  }
  const std::optional<model::ServiceIndex> service = m.FindService(service_id);
  if (!service) return Bad(i, absl::StrFormat("unknown service \"%s\"", service_id));
  const std::optional<model::PlacementIndex> p = m.FindPlacement(*site, *service);
  if (!p) {
    return Bad(i, absl::StrFormat("site \"%s\" does not host service \"%s\"", site_id, service_id));
  }
  out.push_back(*p);
  return out;
}

}  // namespace

CandidateProvider PathCacheCandidates(PathCacheOptions cache_options,
                                      CandidateOptions candidate_options) {
  return [cache_options, candidate_options](
             const std::shared_ptr<const model::NetworkModel>& model,
             std::span<const Demand> demands) -> absl::StatusOr<CandidateSet> {
    PathCache cache(model, cache_options);
    return BuildCandidates(cache, demands, candidate_options);
  };
}

absl::StatusOr<WhatIfResult> WhatIf(const DecisionInputs& in, const DecisionSet& current,
                                    const WhatIfRequest& request, const DecisionOptions& options,
                                    const CandidateProvider& provider) {
  if (!in.model || !in.demands || !in.candidates || !in.metrics) {
    return absl::InvalidArgumentError("what-if: incomplete current inputs");
  }
  const model::NetworkModel& m = *in.model;

  // 1. Topology.
  bool topology_changed = false;
  cpn::topology::v1::Topology topo;
  auto topology = [&]() -> cpn::topology::v1::Topology& {
    if (!topology_changed) {
      topo = m.ToProto();
      topology_changed = true;
    }
    return topo;
  };
  for (size_t i = 0; i < request.changes.size(); ++i) {
    RETURN_IF_ERROR(std::visit(
        Overloaded{
            [&](const LinkDown& c) -> absl::Status {
              const auto l = m.FindLink(c.link_id);
              if (!l) return Bad(i, absl::StrFormat("unknown link \"%s\"", c.link_id));
              topology()
                  .mutable_links(l->value())
                  ->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
              return absl::OkStatus();
            },
            [&](const RouterDown& c) -> absl::Status {
              const auto r = m.FindRouter(c.router_id);
              if (!r) return Bad(i, absl::StrFormat("unknown router \"%s\"", c.router_id));
              topology()
                  .mutable_routers(r->value())
                  ->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
              return absl::OkStatus();
            },
            [&](const SiteDown& c) -> absl::Status {
              const auto s = m.FindSite(c.site_id);
              if (!s) return Bad(i, absl::StrFormat("unknown site \"%s\"", c.site_id));
              topology()
                  .mutable_sites(s->value())
                  ->set_admin_state(cpn::common::v1::ADMIN_STATE_DOWN);
              return absl::OkStatus();
            },
            [&](const FiberCut& c) -> absl::Status {
              const auto f = m.FindFiber(c.fiber_id);
              if (!f) return Bad(i, absl::StrFormat("unknown fibre \"%s\"", c.fiber_id));
              for (model::LightpathIndex lp : m.fiber(*f).lightpaths) {
                for (model::LinkIndex l : m.lightpath(lp).links) {
                  topology().mutable_links(l.value())->set_admin_state(
                      cpn::common::v1::ADMIN_STATE_DOWN);
                }
              }
              return absl::OkStatus();
            },
            [&](const LinkMetricOverride& c) -> absl::Status {
              const auto l = m.FindLink(c.link_id);
              if (!l) return Bad(i, absl::StrFormat("unknown link \"%s\"", c.link_id));
              if (c.utilization && !(std::isfinite(*c.utilization) && *c.utilization >= 0)) {
                return Bad(i, "link utilization must be >= 0");
              }
              if (c.capacity_bps && *c.capacity_bps == 0) return Bad(i, "capacity must be > 0");
              if (c.propagation_delay_us) {
                topology()
                    .mutable_links(l->value())
                    ->set_propagation_delay_us(*c.propagation_delay_us);
              }
              if (c.capacity_bps) {
                topology().mutable_links(l->value())->set_capacity_bps(*c.capacity_bps);
              }
              return absl::OkStatus();
            },
            [&](const auto&) -> absl::Status { return absl::OkStatus(); },
        },
        request.changes[i]));
  }
  std::shared_ptr<const model::NetworkModel> model = in.model;
  if (topology_changed) {
    ASSIGN_OR_RETURN(model, model::NetworkModel::Build(std::move(topo)));
  }

  // 2. Demands.
  bool demands_changed = false;
  auto demands = std::make_shared<std::vector<Demand>>(*in.demands);
  for (size_t i = 0; i < request.changes.size(); ++i) {
    const auto* c = std::get_if<DemandChange>(&request.changes[i]);
    if (c == nullptr) continue;
    const auto r = model->FindRouter(c->ingress_router_id);
    if (!r) return Bad(i, absl::StrFormat("unknown router \"%s\"", c->ingress_router_id));
    const auto s = model->FindService(c->service_id);
    if (!s) return Bad(i, absl::StrFormat("unknown service \"%s\"", c->service_id));
    if (!(std::isfinite(c->requests_per_second) && c->requests_per_second >= 0)) {
      return Bad(i, "requests_per_second must be >= 0");
    }
    demands_changed = true;
    auto it = std::find_if(demands->begin(), demands->end(),
                           [&](const Demand& d) { return d.ingress == *r && d.service == *s; });
    if (c->requests_per_second == 0) {
      if (it != demands->end()) demands->erase(it);
      continue;
    }
    Demand d;
    if (it != demands->end()) d = *it;
    d.ingress = *r;
    d.service = *s;
    d.requests_per_second = c->requests_per_second;
    if (c->request_bytes) d.request_bytes = c->request_bytes;
    if (c->response_bytes) d.response_bytes = c->response_bytes;
    d.source = DemandSource::kConfigured;
    if (it != demands->end()) {
      *it = d;
    } else {
      demands->push_back(d);
    }
  }

  // 3. Metrics (on the hypothetical snapshot: same indices).
  auto metrics = std::make_shared<MetricState>(*in.metrics);
  metrics->placements.resize(model->placements().size());
  metrics->arcs.resize(model->num_arcs());
  const ResolvedMetrics resolved = ResolveMetrics(*model, *in.metrics, in.now, options.staleness);
  for (size_t i = 0; i < request.changes.size(); ++i) {
    if (const auto* c = std::get_if<SiteLoadSurge>(&request.changes[i])) {
      if (c->load_factor.has_value() == c->utilization.has_value()) {
        return Bad(i, "exactly one of load_factor and utilization must be set");
      }
      if (c->load_factor && !(std::isfinite(*c->load_factor) && *c->load_factor > 0)) {
        return Bad(i, "load_factor must be > 0");
      }
      if (c->utilization &&
          !(std::isfinite(*c->utilization) && *c->utilization >= 0 && *c->utilization <= 1)) {
        return Bad(i, "utilization must be in [0, 1]");
      }
      ASSIGN_OR_RETURN(auto places, Placements(*model, i, c->site_id, c->service_id));
      for (model::PlacementIndex p : places) {
        const EffectivePlacement& e = resolved.placements[p.value()];
        PlacementMetrics& pm = metrics->placements[p.value()];
        pm.measured_at = in.now;
        pm.available_servers = e.servers;
        pm.service_time_ms = e.service_time_ms;
        pm.busy_servers.reset();
        pm.utilization.reset();
        pm.own_rps = 0;
        pm.background_rps = c->load_factor ? e.background_rps * *c->load_factor
                                           : *c->utilization * e.capacity_rps();
      }
    } else if (const auto* c = std::get_if<SiteMetricOverride>(&request.changes[i])) {
      ASSIGN_OR_RETURN(auto places, Placements(*model, i, c->site_id, c->service_id));
      const PlacementMetrics& v = c->values;
      for (model::PlacementIndex p : places) {
        PlacementMetrics& pm = metrics->placements[p.value()];
        pm.measured_at = in.now;
        if (v.available_servers) pm.available_servers = v.available_servers;
        if (v.service_time_ms) pm.service_time_ms = v.service_time_ms;
        if (v.background_rps || v.busy_servers || v.utilization) {
          pm.background_rps = v.background_rps;
          pm.busy_servers = v.busy_servers;
          pm.utilization = v.utilization;
          pm.own_rps = v.own_rps;
        }
      }
    } else if (const auto* c = std::get_if<LinkMetricOverride>(&request.changes[i])) {
      if (!c->utilization) continue;
      const model::LinkIndex l = *model->FindLink(c->link_id);
      for (model::ArcDirection dir : {model::ArcDirection::kAToB, model::ArcDirection::kBToA}) {
        ArcMetrics& am = metrics->arcs[model::ArcOf(l, dir).value()];
        am.measured_at = in.now;
        am.background_utilization = *c->utilization;
      }
    }
  }
  {
    const absl::Status st = ValidateMetricState(*model, *metrics);
    if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("what-if: ", st.message()));
  }

  // 4. Candidates.
  std::shared_ptr<const CandidateSet> candidates = in.candidates;
  std::shared_ptr<const std::vector<Demand>> demand_list = in.demands;
  if (topology_changed || demands_changed) {
    demand_list = demands;
    const CandidateProvider& p = provider ? provider : PathCacheCandidates();
    ASSIGN_OR_RETURN(CandidateSet set, p(model, *demands));
    candidates = std::make_shared<const CandidateSet>(std::move(set));
  }

  // 5. Decide on the copy.
  DecisionOptions opts = options;
  opts.damping_enabled = options.damping_enabled && request.next_epoch;
  DecisionEngine engine(opts);
  DecisionInputs next;
  next.model = model;
  next.demands = demand_list;
  next.candidates = candidates;
  next.metrics = metrics;
  next.now = in.now;
  next.epoch = current.epoch + 1;
  ASSIGN_OR_RETURN(std::shared_ptr<const DecisionSet> decided, engine.Decide(next, &current));

  WhatIfResult result;
  result.model = model;
  result.demands = demand_list;
  result.decisions = decided;
  result.diffs = DiffDecisionSets(current, *decided, options.change_epsilon);
  result.current_objective = current.objective;
  result.what_if_objective = decided->objective;
  for (const CapacityViolation& v : decided->violations) {
    if (v.kind == CapacityViolation::Kind::kSite) {
      const model::Placement& pl = model->placement(model::PlacementIndex(v.index));
      result.warnings.push_back(
          absl::StrFormat("site \"%s\" service \"%s\" would run at %.3f of capacity",
                          model->site(pl.site).id, model->service(pl.service).id, v.utilization));
    } else {
      result.warnings.push_back(
          absl::StrFormat("link \"%s\" would run at %.3f of capacity",
                          model->link(model::LinkOf(model::ArcIndex(v.index))).id, v.utilization));
    }
  }
  for (const auto& d : decided->decisions) {
    if (d->basis == DecisionBasis::kUnserved || d->basis == DecisionBasis::kBestEffort) {
      result.warnings.push_back(absl::StrFormat(
          "demand %s@%s %s", model->service(d->key.service).id, model->router(d->key.ingress).id,
          d->basis == DecisionBasis::kUnserved ? "unserved" : "served best effort"));
    }
  }
  return result;
}

}  // namespace cpn::te
