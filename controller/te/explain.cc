#include "controller/te/explain.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cpn::te {

namespace {

std::string LinkName(const model::NetworkModel& m, model::ArcIndex a) {
  const model::Link& l = m.link(model::LinkOf(a));
  return absl::StrFormat("link \"%s\" (%s -> %s)", l.id, m.router(m.arc_tail(a)).id,
                         m.router(m.arc_head(a)).id);
}

std::string PlacementName(const model::NetworkModel& m, model::PlacementIndex p) {
  const model::Placement& pl = m.placement(p);
  return absl::StrFormat("site \"%s\" service \"%s\"", m.site(pl.site).id,
                         m.service(pl.service).id);
}

std::string Ms(double v) {
  if (!std::isfinite(v)) return "inf";
  return absl::StrFormat("%.3f", v);
}

}  // namespace

std::string RejectDetail(const DecisionSet& set, const DemandDecision& decision,
                         const CandidateDecision& c) {
  const model::NetworkModel& m = *set.model;
  const model::Placement& pl = m.placement(c.candidate.placement);
  const model::Site& site = m.site(pl.site);
  const model::Service& service = m.service(pl.service);
  const EffectivePlacement& e = set.metrics->placements[c.candidate.placement.value()];
  switch (c.reason) {
    case RejectReason::kNone:
      return "";
    case RejectReason::kNotOptimal:
      if (decision.basis == DecisionBasis::kStaticFallback) {
        return "static fallback uses one path per site, the one with the least latency";
      }
      return absl::StrFormat(
          "the optimum gives it no weight: requests sent here would cost the system more than "
          "elsewhere (marginal cost %s ms at the installed weights)",
          Ms(c.marginal_ms));
    case RejectReason::kDamped:
      return absl::StrFormat("the optimum gives it %.3f; damping holds it at 0 this epoch (%s)",
                             c.target_weight, DampingOutcomeName(decision.damping_outcome));
    case RejectReason::kSiteDown:
      if (!site.up) return absl::StrFormat("site \"%s\" is administratively down", site.id);
      if (!m.router(site.attachment.router).up) {
        return absl::StrFormat("router \"%s\" of site \"%s\" is down",
                               m.router(site.attachment.router).id, site.id);
      }
      return absl::StrFormat("site \"%s\" reports no servers in service for \"%s\"", site.id,
                             service.id);
    case RejectReason::kSiteSaturated:
      return absl::StrFormat(
          "%s is saturated: background %.1f req/s of capacity %.1f req/s (utilisation %.3f)",
          PlacementName(m, c.candidate.placement), e.background_rps, e.capacity_rps(),
          c.terms.site_utilization);
    case RejectReason::kMetricsMissing:
      return absl::StrFormat(
          "no usable metrics for service \"%s\" (static fallback) and site \"%s\" has no static "
          "weight",
          service.id, site.id);
    case RejectReason::kPathDown:
      if (c.candidate.path == kNoPath) {
        return absl::StrFormat("router \"%s\" of site \"%s\" cannot be reached",
                               m.router(site.attachment.router).id, site.id);
      }
      if (c.reason_arc.valid()) return absl::StrCat(LinkName(m, c.reason_arc), " is down");
      return absl::StrFormat("ingress router \"%s\" is down", m.router(decision.key.ingress).id);
    case RejectReason::kLinkCapacity:
      return absl::StrFormat("%s is full with background traffic (utilisation %.3f)",
                             LinkName(m, c.reason_arc),
                             set.metrics->arcs[c.reason_arc.value()].background_utilization);
    case RejectReason::kLatencyBound:
      if (c.candidate.path == kNoPath) {
        return absl::StrFormat(
            "no path within the latency bound of %s ms: the best has %s ms round-trip "
            "propagation",
            Ms(service.latency_bound_ms), Ms(2 * c.candidate.shortest_delay_us / 1000.0));
      }
      return absl::StrFormat(
          "completion time at zero load %s ms (propagation %s + transfer %s + service %s) "
          "exceeds the latency bound of %s ms",
          Ms(c.terms.propagation_ms + c.terms.transfer_ms + c.terms.service_ms),
          Ms(c.terms.propagation_ms), Ms(c.terms.transfer_ms), Ms(c.terms.service_ms),
          Ms(service.latency_bound_ms));
  }
  return "";
}

std::string DescribeChange(const DecisionSet& set, const DecisionChange& change) {
  const model::NetworkModel& m = *set.model;
  std::string out = ChangeCauseName(change.cause);
  const InputDriver& d = change.driver;
  std::string subject;
  switch (d.subject) {
    case InputDriver::Subject::kNone:
      return out;
    case InputDriver::Subject::kPlacement:
      if (d.index < m.placements().size()) {
        subject = PlacementName(m, model::PlacementIndex(d.index));
      }
      break;
    case InputDriver::Subject::kArc:
      if (d.index < m.num_arcs()) subject = LinkName(m, model::ArcIndex(d.index));
      break;
    case InputDriver::Subject::kDemand:
      if (d.index < set.demands->size()) {
        const Demand& dem = (*set.demands)[d.index];
        subject =
            absl::StrFormat("demand %s@%s", m.service(dem.service).id, m.router(dem.ingress).id);
      }
      break;
  }
  std::string unit;
  switch (d.metric) {
    case DriverMetric::kSiteBackgroundRate:
    case DriverMetric::kSiteServiceRate:
    case DriverMetric::kDemandRate:
      unit = " req/s";
      break;
    case DriverMetric::kSiteMetricsAge:
      unit = " s";
      break;
    default:
      break;
  }
  return absl::StrFormat("%s: %s %s %.4g -> %.4g%s", out, subject, DriverMetricName(d.metric),
                         d.old_value, d.new_value, unit);
}

std::string DescribePath(const DecisionSet& set, const Candidate& candidate) {
  if (candidate.path == kNoPath) return "(no path)";
  const model::NetworkModel& m = *set.model;
  const Path& p = set.candidates->paths[candidate.path];
  std::vector<std::string> names;
  for (model::RouterIndex r : PathRouters(m, p)) names.push_back(m.router(r).id);
  return absl::StrJoin(names, " > ");
}

std::vector<size_t> ExplanationOrder(const DemandDecision& decision) {
  std::vector<size_t> order(decision.candidates.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double ta = decision.candidates[a].terms.total_ms;
    const double tb = decision.candidates[b].terms.total_ms;
    const bool ra = decision.candidates[a].reason != RejectReason::kNone &&
                    decision.candidates[a].reason != RejectReason::kNotOptimal &&
                    decision.candidates[a].reason != RejectReason::kDamped;
    const bool rb = decision.candidates[b].reason != RejectReason::kNone &&
                    decision.candidates[b].reason != RejectReason::kNotOptimal &&
                    decision.candidates[b].reason != RejectReason::kDamped;
    if (ra != rb) return !ra;
    return ta < tb;
  });
  return order;
}

std::string ExplainDecision(const DecisionSet& set, const DemandDecision& decision) {
  const model::NetworkModel& m = *set.model;
  std::string out = absl::StrFormat(
      "demand %s@%s  %.3f req/s (%s)  epoch %d\n"
      "basis: %s   expected completion %s ms (target %s ms)   objective %.3f req/s*ms\n",
      m.service(decision.key.service).id, m.router(decision.key.ingress).id, decision.demand_rps,
      decision.source == DemandSource::kMeasured ? "measured" : "configured", set.epoch,
      DecisionBasisName(decision.basis), Ms(decision.expected_completion_ms),
      Ms(decision.target_expected_completion_ms), decision.objective);
  absl::StrAppend(&out, "last change (epoch ", decision.last_change.epoch,
                  "): ", DescribeChange(set, decision.last_change), "\n");
  absl::StrAppendFormat(&out, "%-14s %-7s %-7s %9s %9s %9s %9s %9s %9s %9s %6s %6s  %s\n", "site",
                        "weight", "target", "prop", "queue", "transfer", "wait", "service", "total",
                        "marginal", "site_u", "link_u", "path / why not");
  for (size_t i : ExplanationOrder(decision)) {
    const CandidateDecision& c = decision.candidates[i];
    const model::Placement& pl = m.placement(c.candidate.placement);
    const CostTerms& t = c.terms;
    std::string why = DescribePath(set, c.candidate);
    if (c.reason != RejectReason::kNone) {
      absl::StrAppend(&why, "  [", RejectReasonName(c.reason), ": ", RejectDetail(set, decision, c),
                      "]");
    } else if (c.over_latency_bound) {
      absl::StrAppend(&why, "  [over the latency bound under load]");
    }
    absl::StrAppendFormat(&out, "%-14s %-7.4f %-7.4f %9s %9s %9s %9s %9s %9s %9s %6.3f %6.3f  %s\n",
                          m.site(pl.site).id, c.weight, c.target_weight, Ms(t.propagation_ms),
                          Ms(t.queueing_ms), Ms(t.transfer_ms), Ms(t.compute_wait_ms),
                          Ms(t.service_ms), Ms(t.total_ms), Ms(c.marginal_ms), t.site_utilization,
                          t.max_link_utilization, why);
  }
  return out;
}

std::string SummarizeDecisionSet(const DecisionSet& set) {
  int counts[7] = {0, 0, 0, 0, 0, 0, 0};
  for (const auto& d : set.decisions) {
    const int b = static_cast<int>(d->basis);
    if (b >= 0 && b < 7) ++counts[b];
  }
  std::string out = absl::StrFormat(
      "epoch %d%s: objective %.6g req/s*ms (target %.6g); solver %d iterations, gap %.3g, %s; "
      "%d demands (%d optimized, %d damped, %d static fallback, %d failover, %d best effort, "
      "%d unserved); %d changed",
      set.epoch, set.incremental ? " (incremental)" : "", set.objective, set.target_objective,
      set.solver.iterations, set.solver.relative_gap,
      set.solver.outcome == SolveOutcome::kConverged ? "converged" : "iteration limit",
      set.decisions.size(), counts[1], counts[2], counts[3], counts[4], counts[5], counts[6],
      set.changed.size());
  const model::NetworkModel& m = *set.model;
  for (const CapacityViolation& v : set.violations) {
    if (v.kind == CapacityViolation::Kind::kSite) {
      absl::StrAppendFormat(&out, "\n  over capacity: %s at utilisation %.3f",
                            PlacementName(m, model::PlacementIndex(v.index)), v.utilization);
    } else {
      absl::StrAppendFormat(&out, "\n  over capacity: %s at utilisation %.3f",
                            LinkName(m, model::ArcIndex(v.index)), v.utilization);
    }
  }
  return out;
}

}  // namespace cpn::te
