#include "tests/mocks/fake_decision_engine.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cpn::testing {

namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;
using cpn::api::DecisionInputs;
using cpn::api::DecisionRecord;
using cpn::api::DecisionSet;

namespace {

struct FoundPath {
  std::vector<model::ArcIndex> arcs;
  uint64_t delay_us = 0;
};

// Least-delay path over arcs in service; nullopt when unreachable.
std::optional<FoundPath> ShortestPath(const model::NetworkModel& m, model::RouterIndex from,
                                      model::RouterIndex to) {
  const uint64_t inf = std::numeric_limits<uint64_t>::max();
  std::vector<uint64_t> dist(m.num_routers(), inf);
  std::vector<model::ArcIndex> via(m.num_routers());
  using Item = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  dist[from.value()] = 0;
  q.push({0, from.value()});
  while (!q.empty()) {
    auto [d, r] = q.top();
    q.pop();
    if (d != dist[r]) continue;
    for (model::ArcIndex a : m.out_arcs(model::RouterIndex(r))) {
      if (!m.arc_in_service()[a.value()]) continue;
      const uint32_t h = m.arc_head(a).value();
      const uint64_t nd = d + m.arc_delay_us()[a.value()];
      if (nd < dist[h]) {
        dist[h] = nd;
        via[h] = a;
        q.push({nd, h});
      }
    }
  }
  if (dist[to.value()] == inf) return std::nullopt;
  FoundPath p;
  p.delay_us = dist[to.value()];
  for (model::RouterIndex r = to; r != from; r = m.arc_tail(via[r.value()])) {
    p.arcs.push_back(via[r.value()]);
  }
  std::reverse(p.arcs.begin(), p.arcs.end());
  return p;
}

struct PlacementView {
  bool up = false;
  double utilization = 0;
  uint32_t servers = 0;
  cv1::MetricsFreshness freshness = cv1::METRICS_FRESHNESS_MISSING;
};

}  // namespace

DecisionSet FakeDecisionEngine::Compute(const DecisionInputs& in) {
  const model::NetworkModel& m = *in.model;
  std::map<std::pair<std::string, std::string>, const cpn::api::SiteReport*> reports;
  for (const cpn::api::SiteReport& r : in.metrics) {
    reports[{r.report.site_id(), r.report.service_id()}] = &r;
  }
  std::vector<PlacementView> views(m.placements().size());
  DecisionSet out;
  for (size_t i = 0; i < m.placements().size(); ++i) {
    const model::Placement& p = m.placements()[i];
    const model::Site& site = m.site(p.site);
    const std::string& service = m.service(p.service).id;
    PlacementView& v = views[i];
    v.servers = p.servers;
    auto it = reports.find({site.id, service});
    if (it == reports.end()) it = reports.find({site.id, ""});
    if (it != reports.end()) {
      const absl::Duration age = in.now - it->second->measured_at;
      v.freshness = age <= absl::Seconds(2)    ? cv1::METRICS_FRESHNESS_FRESH
                    : age <= absl::Seconds(30) ? cv1::METRICS_FRESHNESS_STALE
                                               : cv1::METRICS_FRESHNESS_MISSING;
      std::optional<double> busy, util, available;
      for (const compute::L0Metric& l0 : it->second->report.l0()) {
        if (l0.type() == compute::METRIC_TYPE_BUSY_SERVERS) busy = l0.value();
        if (l0.type() == compute::METRIC_TYPE_SERVER_UTILIZATION) util = l0.value();
        if (l0.type() == compute::METRIC_TYPE_AVAILABLE_SERVERS) available = l0.value();
      }
      if (available) v.servers = static_cast<uint32_t>(*available);
      if (util) {
        v.utilization = *util;
      } else if (busy && v.servers > 0) {
        v.utilization = std::min(1.0, *busy / v.servers);
      }
    }
    for (const cpn::api::LoadAdjustment& a : in.load_adjustments) {
      if (a.site_id != site.id || (!a.service_id.empty() && a.service_id != service)) continue;
      if (a.load_factor) v.utilization = std::min(1.0, v.utilization * *a.load_factor);
      if (a.utilization) v.utilization = *a.utilization;
    }
    v.up = site.up && m.router(site.attachment.router).up && v.servers > 0;
    cv1::SiteState s;
    s.set_site_id(site.id);
    s.set_service_id(service);
    s.set_servers(v.servers);
    s.set_service_rate_per_server(1000.0 / p.mean_service_time_ms);
    s.set_utilization(v.utilization);
    s.set_freshness(v.freshness);
    s.set_confidence(v.freshness == cv1::METRICS_FRESHNESS_FRESH ? 1 : 0);
    out.site_states.push_back(std::move(s));
  }
  std::sort(out.site_states.begin(), out.site_states.end(),
            [](const cv1::SiteState& a, const cv1::SiteState& b) {
              return std::tie(a.site_id(), a.service_id()) < std::tie(b.site_id(), b.service_id());
            });

  double objective = 0;
  for (const cv1::Demand& demand : in.demands) {
    DecisionRecord r;
    r.demand = demand;
    cv1::Decision& d = r.decision;
    d.set_ingress_router_id(demand.ingress_router_id());
    d.set_service_id(demand.service_id());
    d.set_demand_rps(demand.requests_per_second());
    d.set_demand_source(demand.source());
    const model::RouterIndex ingress = *m.FindRouter(demand.ingress_router_id());
    const model::Service& service = m.service(*m.FindService(demand.service_id()));
    struct Usable {
      cv1::CandidateExplanation x;
      double free = 0;
    };
    std::vector<Usable> usable;
    for (model::PlacementIndex pi : service.placements) {
      const model::Placement& p = m.placement(pi);
      const model::Site& site = m.site(p.site);
      const PlacementView& v = views[pi.value()];
      cv1::CandidateExplanation x;
      x.set_site_id(site.id);
      x.set_site_utilization(v.utilization);
      x.set_site_metrics_freshness(v.freshness);
      std::optional<FoundPath> path = ShortestPath(m, ingress, site.attachment.router);
      if (path) {
        cv1::CandidatePath* cp = x.mutable_path();
        std::vector<std::string> links;
        cp->add_router_ids(m.router(ingress).id);
        for (model::ArcIndex a : path->arcs) {
          cp->add_router_ids(m.router(m.arc_head(a)).id);
          cp->add_link_ids(m.link(model::LinkOf(a)).id);
          links.push_back(m.link(model::LinkOf(a)).id);
        }
        cp->set_path_id(absl::StrCat(site.id, ":", absl::StrJoin(links, ",")));
        cp->set_propagation_delay_ms(static_cast<double>(path->delay_us) / 1000.0);
        cv1::CostBreakdown* c = x.mutable_cost();
        c->set_network_propagation_ms(2.0 * static_cast<double>(path->delay_us) / 1000.0);
        c->set_compute_wait_ms(p.mean_service_time_ms * v.utilization /
                               (1.0 - std::min(v.utilization, 0.99)));
        c->set_service_ms(p.mean_service_time_ms);
        c->set_total_ms(c->network_propagation_ms() + c->compute_wait_ms() + c->service_ms());
      }
      if (!v.up) {
        x.set_rejected_reason(cv1::REJECT_REASON_SITE_DOWN);
        x.set_rejected_detail(absl::StrCat("site ", site.id, " is down"));
      } else if (!path) {
        x.set_rejected_reason(cv1::REJECT_REASON_PATH_DOWN);
        x.set_rejected_detail(absl::StrCat("no path to site ", site.id));
      } else {
        usable.push_back({x, v.servers * std::max(0.0, 1.0 - v.utilization)});
        continue;
      }
      r.candidates.push_back(std::move(x));
    }
    double total_free = 0;
    for (const Usable& u : usable) total_free += u.free;
    double expected = 0;
    std::vector<cv1::WeightedCandidate> carrying;
    for (Usable& u : usable) {
      const double w = total_free > 0 ? u.free / total_free : 1.0 / usable.size();
      u.x.set_weight(w);
      u.x.set_target_weight(w);
      if (w == 0) u.x.set_rejected_reason(cv1::REJECT_REASON_NOT_OPTIMAL);
      expected += w * u.x.cost().total_ms();
      if (w > 0) {
        cv1::WeightedCandidate c;
        c.set_site_id(u.x.site_id());
        *c.mutable_path() = u.x.path();
        c.set_weight(w);
        c.set_expected_completion_ms(u.x.cost().total_ms());
        carrying.push_back(std::move(c));
      }
      r.candidates.push_back(u.x);
    }
    std::stable_sort(carrying.begin(), carrying.end(),
                     [](const auto& a, const auto& b) { return a.weight() > b.weight(); });
    for (cv1::WeightedCandidate& c : carrying) *d.add_candidates() = std::move(c);
    std::stable_sort(r.candidates.begin(), r.candidates.end(), [](const auto& a, const auto& b) {
      return a.cost().total_ms() < b.cost().total_ms();
    });
    d.set_basis(usable.empty() ? cv1::DECISION_BASIS_UNSERVED : cv1::DECISION_BASIS_OPTIMIZED);
    d.set_expected_completion_ms(expected);
    d.set_objective_value(expected * demand.requests_per_second());
    objective += d.objective_value();
    out.records.push_back(std::move(r));
  }
  out.solver.set_algorithm("fake");
  out.solver.set_iterations(1);
  out.solver.set_outcome(cv1::SOLVE_OUTCOME_CONVERGED);
  out.solver.set_objective_value(objective);
  return out;
}

absl::StatusOr<DecisionSet> FakeDecisionEngine::Decide(const DecisionInputs& inputs) {
  ++decide_calls_;
  if (fail_next_.exchange(false)) return absl::InternalError("fake engine: told to fail");
  return Compute(inputs);
}

absl::StatusOr<DecisionSet> FakeDecisionEngine::Evaluate(const DecisionInputs&,
                                                         const DecisionInputs& changed,
                                                         const cv1::WhatIfRequest&) const {
  return Compute(changed);
}

}  // namespace cpn::testing
