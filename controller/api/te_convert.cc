#include "controller/api/te_convert.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "controller/api/decision_diff.h"
#include "controller/api/proto_time.h"
#include "controller/te/explain.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;
namespace compute = cpn::compute::v1;

namespace {

std::string Quote(const std::string& s) { return absl::StrCat("\"", s, "\""); }

std::string PathIdText(uint64_t id) { return absl::StrFormat("%016x", id); }

cv1::MetricsFreshness FreshnessToProto(te::Freshness f) {
  return static_cast<cv1::MetricsFreshness>(static_cast<int>(f));
}

cv1::CandidatePath PathToProto(const model::NetworkModel& m, const te::CandidateSet& cs,
                               const te::Candidate& c, uint64_t path_id) {
  cv1::CandidatePath p;
  if (c.path == te::kNoPath) return p;
  const te::Path& path = cs.paths[c.path];
  p.set_path_id(PathIdText(path_id));
  for (model::RouterIndex r : te::PathRouters(m, path)) p.add_router_ids(m.router(r).id);
  for (model::ArcIndex a : path.arcs) p.add_link_ids(m.link(model::LinkOf(a)).id);
  p.set_propagation_delay_ms(static_cast<double>(path.delay_us) / 1000.0);
  return p;
}

cv1::MetricDelta DriverToProto(const te::DecisionSet& set, const te::InputDriver& d) {
  cv1::MetricDelta out;
  const model::NetworkModel& m = *set.model;
  switch (d.subject) {
    case te::InputDriver::Subject::kPlacement: {
      const model::Placement& p = m.placement(model::PlacementIndex(d.index));
      out.set_site_id(m.site(p.site).id);
      out.set_service_id(m.service(p.service).id);
      break;
    }
    case te::InputDriver::Subject::kArc:
      out.set_link_id(m.link(model::LinkOf(model::ArcIndex(d.index))).id);
      break;
    case te::InputDriver::Subject::kDemand: {
      const te::Demand& dm = (*set.demands)[d.index];
      out.mutable_demand()->set_ingress_router_id(m.router(dm.ingress).id);
      out.mutable_demand()->set_service_id(m.service(dm.service).id);
      break;
    }
    case te::InputDriver::Subject::kNone:
      break;
  }
  out.set_metric(static_cast<cv1::DriverMetric>(static_cast<int>(d.metric)));
  out.set_old_value(d.old_value);
  out.set_new_value(d.new_value);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<te::Demand>> ToTeDemands(const model::NetworkModel& model,
                                                    std::span<const cv1::Demand> demands) {
  std::vector<te::Demand> out;
  out.reserve(demands.size());
  for (const cv1::Demand& d : demands) {
    std::optional<model::RouterIndex> r = model.FindRouter(d.ingress_router_id());
    std::optional<model::ServiceIndex> s = model.FindService(d.service_id());
    if (!r || !s) {
      return absl::InvalidArgumentError(absl::StrCat("demand ", Quote(d.service_id()), "@",
                                                     Quote(d.ingress_router_id()),
                                                     " names an unknown router or service"));
    }
    te::Demand t;
    t.ingress = *r;
    t.service = *s;
    t.requests_per_second = d.requests_per_second();
    if (d.bytes_per_request() > 0) t.request_bytes = d.bytes_per_request();
    t.source = d.source() == cv1::DEMAND_SOURCE_MEASURED ? te::DemandSource::kMeasured
                                                         : te::DemandSource::kConfigured;
    out.push_back(t);
  }
  return out;
}

te::PlacementMetrics ToPlacementMetrics(const compute::ComputeMetrics& report,
                                        absl::Time measured_at) {
  te::PlacementMetrics p;
  p.measured_at = measured_at;
  for (const compute::L0Metric& m : report.l0()) {
    switch (m.type()) {
      case compute::METRIC_TYPE_AVAILABLE_SERVERS:
        p.available_servers = m.value();
        break;
      case compute::METRIC_TYPE_BUSY_SERVERS:
        p.busy_servers = m.value();
        break;
      case compute::METRIC_TYPE_SERVER_UTILIZATION:
        p.utilization = m.value();
        break;
      case compute::METRIC_TYPE_QUEUE_LENGTH:
        p.queue_length = m.value();
        break;
      case compute::METRIC_TYPE_SERVICE_RATE:
        if (m.value() > 0) p.service_time_ms = 1000.0 / m.value();
        break;
      default:
        break;  // not used by the cost model
    }
  }
  return p;
}

te::MetricState ToMetricState(const model::NetworkModel& model,
                              std::span<const SiteReport> reports) {
  std::map<std::pair<std::string, std::string>, const SiteReport*> by_key;
  for (const SiteReport& r : reports) {
    by_key[{r.report.site_id(), r.report.service_id()}] = &r;
  }
  te::MetricState state;
  state.placements.resize(model.placements().size());
  for (size_t i = 0; i < model.placements().size(); ++i) {
    const model::Placement& p = model.placements()[i];
    const std::string& site = model.site(p.site).id;
    auto it = by_key.find({site, model.service(p.service).id});
    if (it == by_key.end()) it = by_key.find({site, ""});
    if (it == by_key.end()) continue;
    state.placements[i] = ToPlacementMetrics(it->second->report, it->second->measured_at);
  }
  return state;
}

te::WhatIfRequest ToTeWhatIf(const cv1::WhatIfRequest& request) {
  te::WhatIfRequest out;
  out.next_epoch = request.horizon() != cv1::WHAT_IF_HORIZON_STEADY_STATE;
  for (const cv1::WhatIfChange& c : request.changes()) {
    switch (c.change_case()) {
      case cv1::WhatIfChange::kLinkDown:
        out.changes.push_back(te::LinkDown{c.link_down().link_id()});
        break;
      case cv1::WhatIfChange::kRouterDown:
        out.changes.push_back(te::RouterDown{c.router_down().router_id()});
        break;
      case cv1::WhatIfChange::kSiteDown:
        out.changes.push_back(te::SiteDown{c.site_down().site_id()});
        break;
      case cv1::WhatIfChange::kFiberCut:
        out.changes.push_back(te::FiberCut{c.fiber_cut().fiber_id()});
        break;
      case cv1::WhatIfChange::kSiteLoadSurge: {
        const cv1::SiteLoadSurge& s = c.site_load_surge();
        te::SiteLoadSurge t;
        t.site_id = s.site_id();
        t.service_id = s.service_id();
        if (s.load_case() == cv1::SiteLoadSurge::kLoadFactor) t.load_factor = s.load_factor();
        if (s.load_case() == cv1::SiteLoadSurge::kUtilization) t.utilization = s.utilization();
        out.changes.push_back(std::move(t));
        break;
      }
      case cv1::WhatIfChange::kDemand: {
        te::DemandChange t;
        t.ingress_router_id = c.demand().ingress_router_id();
        t.service_id = c.demand().service_id();
        t.requests_per_second = c.demand().requests_per_second();
        if (c.demand().bytes_per_request() > 0) t.request_bytes = c.demand().bytes_per_request();
        out.changes.push_back(std::move(t));
        break;
      }
      case cv1::WhatIfChange::kMetricOverride: {
        const cv1::MetricOverride& o = c.metric_override();
        if (o.target_case() == cv1::MetricOverride::kSite) {
          compute::ComputeMetrics values;
          *values.mutable_l0() = o.site().metrics();
          te::SiteMetricOverride t;
          t.site_id = o.site().site_id();
          t.service_id = o.site().service_id();
          t.values = ToPlacementMetrics(values, absl::InfinitePast());
          out.changes.push_back(std::move(t));
        } else if (o.target_case() == cv1::MetricOverride::kLink) {
          te::LinkMetricOverride t;
          t.link_id = o.link().link_id();
          if (o.link().has_utilization()) t.utilization = o.link().utilization();
          if (o.link().has_propagation_delay_us()) {
            t.propagation_delay_us = o.link().propagation_delay_us();
          }
          if (o.link().has_capacity_bps()) t.capacity_bps = o.link().capacity_bps();
          out.changes.push_back(std::move(t));
        }
        break;
      }
      case cv1::WhatIfChange::CHANGE_NOT_SET:
        break;
    }
  }
  return out;
}

DecisionSet FromTeDecisionSet(const te::DecisionSet& set, std::span<const cv1::Demand> api_demands,
                              const te::CostModelOptions& cost_options, std::string algorithm) {
  const model::NetworkModel& m = *set.model;
  const te::CandidateSet& cs = *set.candidates;
  const te::ResolvedMetrics* metrics = set.metrics.get();
  std::map<std::pair<std::string, std::string>, const cv1::Demand*> api_by_key;
  for (const cv1::Demand& d : api_demands) {
    api_by_key[{d.ingress_router_id(), d.service_id()}] = &d;
  }

  DecisionSet out;
  std::vector<double> assigned(m.placements().size(), 0.0);
  std::vector<double> wait_ms(m.placements().size(), -1.0);
  for (size_t i = 0; i < set.decisions.size(); ++i) {
    const te::DemandDecision& d = *set.decisions[i];
    const te::Demand& demand = (*set.demands)[d.demand_index];
    DecisionRecord r;
    cv1::Decision& dec = r.decision;
    dec.set_ingress_router_id(m.router(demand.ingress).id);
    dec.set_service_id(m.service(demand.service).id);
    dec.set_objective_value(d.objective);
    dec.set_expected_completion_ms(d.expected_completion_ms);
    dec.set_demand_rps(d.demand_rps);
    dec.set_demand_source(static_cast<cv1::DemandSource>(static_cast<int>(d.source)));
    dec.set_basis(static_cast<cv1::DecisionBasis>(static_cast<int>(d.basis)));
    if (d.last_change.cause != te::ChangeCause::kUnspecified && d.last_change.epoch == set.epoch) {
      cv1::DecisionChange* ch = dec.mutable_last_change();
      ch->set_cause(static_cast<cv1::ChangeCause>(static_cast<int>(d.last_change.cause)));
      ch->set_detail(te::DescribeChange(set, d.last_change));
      if (d.last_change.driver.subject != te::InputDriver::Subject::kNone) {
        *ch->add_deltas() = DriverToProto(set, d.last_change.driver);
      }
    }
    std::vector<std::pair<double, cv1::WeightedCandidate>> carrying;
    for (const te::CandidateDecision& c : d.candidates) {
      const model::PlacementIndex p = c.candidate.placement;
      assigned[p.value()] += c.weight * d.demand_rps;
      if (c.weight <= 1e-9 && c.previous_weight <= 1e-9) continue;
      cv1::WeightedCandidate w;
      w.set_site_id(m.site(m.placement(p).site).id);
      *w.mutable_path() = PathToProto(m, cs, c.candidate, c.path_id);
      w.set_weight(c.weight);
      w.set_expected_completion_ms(c.terms.total_ms);
      carrying.emplace_back(c.weight, std::move(w));
    }
    std::stable_sort(carrying.begin(), carrying.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (auto& [weight, w] : carrying) *dec.add_candidates() = std::move(w);

    for (size_t k : te::ExplanationOrder(d)) {
      const te::CandidateDecision& c = d.candidates[k];
      const model::PlacementIndex p = c.candidate.placement;
      cv1::CandidateExplanation x;
      x.set_site_id(m.site(m.placement(p).site).id);
      *x.mutable_path() = PathToProto(m, cs, c.candidate, c.path_id);
      cv1::CostBreakdown* cost = x.mutable_cost();
      cost->set_network_propagation_ms(c.terms.propagation_ms);
      cost->set_queueing_ms(c.terms.queueing_ms);
      cost->set_transfer_ms(c.terms.transfer_ms);
      cost->set_compute_wait_ms(c.terms.compute_wait_ms);
      cost->set_service_ms(c.terms.service_ms);
      cost->set_total_ms(c.terms.total_ms);
      x.set_site_utilization(c.terms.site_utilization);
      x.set_max_link_utilization(c.terms.max_link_utilization);
      if (c.terms.bottleneck_arc.valid()) {
        x.set_bottleneck_link_id(m.link(model::LinkOf(c.terms.bottleneck_arc)).id);
      }
      x.set_weight(c.weight);
      x.set_target_weight(c.target_weight);
      x.set_previous_weight(c.previous_weight);
      x.set_marginal_cost_ms(c.marginal_ms);
      if (metrics != nullptr && p.value() < metrics->placements.size()) {
        const te::EffectivePlacement& e = metrics->placements[p.value()];
        x.set_site_metrics_freshness(FreshnessToProto(e.freshness));
        if (e.age != absl::InfiniteDuration()) {
          *x.mutable_site_metrics_age() = ToProtoDuration(e.age);
        }
      }
      x.set_rejected_reason(static_cast<cv1::RejectReason>(static_cast<int>(c.reason)));
      x.set_rejected_detail(te::RejectDetail(set, d, c));
      if (wait_ms[p.value()] < 0 && c.candidate.path != te::kNoPath) {
        wait_ms[p.value()] = c.terms.compute_wait_ms;
      }
      r.candidates.push_back(std::move(x));
    }

    auto api = api_by_key.find({dec.ingress_router_id(), dec.service_id()});
    if (api != api_by_key.end()) {
      r.demand = *api->second;
    } else {
      r.demand.set_ingress_router_id(dec.ingress_router_id());
      r.demand.set_service_id(dec.service_id());
      r.demand.set_requests_per_second(demand.requests_per_second);
      if (demand.request_bytes) r.demand.set_bytes_per_request(*demand.request_bytes);
      r.demand.set_source(dec.demand_source());
    }
    out.records.push_back(std::move(r));
  }
  std::sort(out.records.begin(), out.records.end(),
            [](const DecisionRecord& a, const DecisionRecord& b) {
              return std::tie(a.decision.ingress_router_id(), a.decision.service_id()) <
                     std::tie(b.decision.ingress_router_id(), b.decision.service_id());
            });

  // Site states, by site then service.
  for (size_t i = 0; i < m.placements().size(); ++i) {
    const model::Placement& p = m.placements()[i];
    cv1::SiteState s;
    s.set_site_id(m.site(p.site).id);
    s.set_service_id(m.service(p.service).id);
    s.set_assigned_rate_rps(assigned[i]);
    if (i < set.site_utilization.size()) s.set_utilization(set.site_utilization[i]);
    if (metrics != nullptr && i < metrics->placements.size()) {
      const te::EffectivePlacement& e = metrics->placements[i];
      s.set_servers(e.servers);
      if (e.service_time_ms > 0) s.set_service_rate_per_server(1000.0 / e.service_time_ms);
      s.set_background_rate_rps(e.background_rps);
      s.set_confidence(e.confidence);
      s.set_freshness(FreshnessToProto(e.freshness));
      if (wait_ms[i] >= 0) {
        s.set_expected_wait_ms(wait_ms[i]);
      } else if (e.servers >= 1 && e.service_time_ms > 0) {
        te::MmcQueue q(e.servers, e.service_time_ms, cost_options.max_site_utilization);
        s.set_expected_wait_ms(q.Wait(e.background_rps + assigned[i]).value);
      }
    }
    out.site_states.push_back(std::move(s));
  }
  std::stable_sort(out.site_states.begin(), out.site_states.end(),
                   [](const cv1::SiteState& a, const cv1::SiteState& b) {
                     return std::tie(a.site_id(), a.service_id()) <
                            std::tie(b.site_id(), b.service_id());
                   });

  // Planned link loads.
  if (set.arc_utilization.size() == m.num_arcs()) {
    for (size_t l = 0; l < m.num_links(); ++l) {
      const model::LinkIndex li(static_cast<uint32_t>(l));
      cv1::LinkState s;
      s.set_link_id(m.link(li).id);
      for (model::ArcDirection dir : {model::ArcDirection::kAToB, model::ArcDirection::kBToA}) {
        const model::ArcIndex a = model::ArcOf(li, dir);
        double background = 0;
        if (metrics != nullptr && a.value() < metrics->arcs.size()) {
          background = metrics->arcs[a.value()].background_utilization;
        }
        const double planned = std::max(0.0, set.arc_utilization[a.value()] - background) *
                               static_cast<double>(m.link(li).capacity_bps);
        cv1::LinkLoad* load =
            dir == model::ArcDirection::kAToB ? s.mutable_a_to_b() : s.mutable_b_to_a();
        load->set_planned_rate_bps(planned);
      }
      out.link_states.push_back(std::move(s));
    }
    std::stable_sort(
        out.link_states.begin(), out.link_states.end(),
        [](const cv1::LinkState& a, const cv1::LinkState& b) { return a.link_id() < b.link_id(); });
  }

  cv1::SolverSummary& solver = out.solver;
  solver.set_algorithm(std::move(algorithm));
  solver.set_iterations(static_cast<uint32_t>(set.solver.iterations));
  solver.set_relative_gap(set.solver.relative_gap);
  solver.set_outcome(static_cast<cv1::SolveOutcome>(static_cast<int>(set.solver.outcome)));
  solver.set_objective_value(set.objective);

  for (const te::CapacityViolation& v : set.violations) {
    if (v.kind == te::CapacityViolation::Kind::kSite) {
      const model::Placement& p = m.placement(model::PlacementIndex(v.index));
      out.warnings.push_back(absl::StrFormat("site %s service %s loaded to %.2f of its capacity",
                                             m.site(p.site).id, m.service(p.service).id,
                                             v.utilization));
    } else {
      const model::ArcIndex a(v.index);
      out.warnings.push_back(absl::StrFormat(
          "link %s (%s -> %s) loaded to %.2f of its capacity", m.link(model::LinkOf(a)).id,
          m.router(m.arc_tail(a)).id, m.router(m.arc_head(a)).id, v.utilization));
    }
  }
  for (const DecisionRecord& r : out.records) {
    if (r.decision.basis() == cv1::DECISION_BASIS_UNSERVED) {
      out.warnings.push_back(absl::StrFormat("demand %s@%s is unserved: no usable candidate",
                                             r.decision.service_id(),
                                             r.decision.ingress_router_id()));
    }
  }
  return out;
}

}  // namespace cpn::api
