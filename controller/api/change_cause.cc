#include "controller/api/change_cause.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "controller/api/proto_time.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

namespace {

// Sites a record uses or considered.
std::set<std::string> SitesOf(const DecisionRecord* r) {
  std::set<std::string> sites;
  if (r == nullptr) return sites;
  for (const cv1::WeightedCandidate& c : r->decision.candidates()) sites.insert(c.site_id());
  for (const cv1::CandidateExplanation& x : r->candidates) sites.insert(x.site_id());
  return sites;
}

const cv1::SiteState* StateOf(const DecisionSet* set, const std::string& site,
                              const std::string& service) {
  return set == nullptr ? nullptr : set->FindSiteState(site, service);
}

bool Missing(const cv1::SiteState* s) {
  return s == nullptr || s->freshness() == cv1::METRICS_FRESHNESS_MISSING ||
         s->freshness() == cv1::METRICS_FRESHNESS_UNSPECIFIED;
}

double RelativeMove(double a, double b) {
  const double scale = std::max({std::abs(a), std::abs(b), 1e-9});
  return std::abs(b - a) / scale;
}

}  // namespace

cv1::DecisionChange InferChange(const DecisionRecord* prev, const DecisionRecord& now,
                                const ChangeContext& ctx) {
  cv1::DecisionChange change;
  change.set_epoch(ctx.epoch);
  *change.mutable_changed_at() = ToProtoTime(ctx.now);
  const std::string& service = now.decision.service_id();

  // Quantities that moved: site utilisation of every site involved, and the
  // demand rate.
  std::vector<cv1::MetricDelta> deltas;
  bool went_missing = false, came_back = false;
  std::string missing_site, back_site;
  std::set<std::string> sites = SitesOf(prev);
  for (const std::string& s : SitesOf(&now)) sites.insert(s);
  for (const std::string& site : sites) {
    const cv1::SiteState* before = StateOf(ctx.previous, site, service);
    const cv1::SiteState* after = StateOf(ctx.next, site, service);
    if (after == nullptr) continue;
    if (prev != nullptr && before != nullptr) {
      if (!Missing(before) && Missing(after) && !went_missing) {
        went_missing = true;
        missing_site = site;
      }
      if (Missing(before) && !Missing(after) && !came_back) {
        came_back = true;
        back_site = site;
      }
    }
    const double old_u = before ? before->utilization() : 0;
    if (std::abs(after->utilization() - old_u) > 1e-6) {
      cv1::MetricDelta d;
      d.set_site_id(site);
      d.set_service_id(service);
      d.set_metric(cv1::DRIVER_METRIC_SITE_UTILIZATION);
      d.set_old_value(old_u);
      d.set_new_value(after->utilization());
      deltas.push_back(std::move(d));
    }
  }
  const double old_rate = prev ? prev->demand.requests_per_second() : 0;
  const double new_rate = now.demand.requests_per_second();
  const bool rate_moved = prev != nullptr && std::abs(new_rate - old_rate) > 1e-9;
  if (rate_moved) {
    cv1::MetricDelta d;
    d.mutable_demand()->set_ingress_router_id(now.decision.ingress_router_id());
    d.mutable_demand()->set_service_id(service);
    d.set_metric(cv1::DRIVER_METRIC_DEMAND_RATE);
    d.set_old_value(old_rate);
    d.set_new_value(new_rate);
    deltas.push_back(std::move(d));
  }
  std::stable_sort(deltas.begin(), deltas.end(),
                   [](const cv1::MetricDelta& a, const cv1::MetricDelta& b) {
                     return RelativeMove(a.old_value(), a.new_value()) >
                            RelativeMove(b.old_value(), b.new_value());
                   });
  if (deltas.size() > 5) deltas.resize(5);
  for (cv1::MetricDelta& d : deltas) *change.add_deltas() = d;

  const cv1::DecisionChange& engine = now.decision.last_change();
  if (engine.cause() != cv1::CHANGE_CAUSE_UNSPECIFIED) {
    change.set_cause(engine.cause());
    change.set_detail(engine.detail());
    if (engine.deltas_size() > 0) *change.mutable_deltas() = engine.deltas();
    return change;
  }
  const cv1::MetricDelta* top_site = nullptr;
  for (const cv1::MetricDelta& d : change.deltas()) {
    if (d.subject_case() == cv1::MetricDelta::kSiteId &&
        d.metric() == cv1::DRIVER_METRIC_SITE_UTILIZATION) {
      top_site = &d;
      break;
    }
  }
  if (prev == nullptr) {
    change.set_cause(cv1::CHANGE_CAUSE_INITIAL);
    change.set_detail(absl::StrFormat("new demand, %g requests/s", new_rate));
  } else if (now.decision.basis() == cv1::DECISION_BASIS_FAILOVER) {
    change.set_cause(cv1::CHANGE_CAUSE_FAILOVER);
    change.set_detail("a site or path in use died; its share moved to the survivors");
  } else if (ctx.old_generation != ctx.new_generation) {
    change.set_cause(cv1::CHANGE_CAUSE_TOPOLOGY);
    change.set_detail(absl::StrFormat("model changed (generation %d -> %d)", ctx.old_generation,
                                      ctx.new_generation));
  } else if (rate_moved) {
    change.set_cause(cv1::CHANGE_CAUSE_DEMAND);
    change.set_detail(absl::StrFormat("demand rate %g -> %g requests/s", old_rate, new_rate));
  } else if (went_missing) {
    change.set_cause(cv1::CHANGE_CAUSE_METRICS_STALE);
    change.set_detail(absl::StrFormat("site %s metrics missing or too old", missing_site));
  } else if (top_site != nullptr) {
    change.set_cause(cv1::CHANGE_CAUSE_SITE_METRICS);
    change.set_detail(absl::StrFormat("site %s utilisation %.2f -> %.2f", top_site->site_id(),
                                      top_site->old_value(), top_site->new_value()));
  } else if (came_back) {
    change.set_cause(cv1::CHANGE_CAUSE_METRICS_RECOVERED);
    change.set_detail(absl::StrFormat("site %s metrics fresh again", back_site));
  } else if (now.decision.basis() == cv1::DECISION_BASIS_DAMPED) {
    change.set_cause(cv1::CHANGE_CAUSE_CONVERGING);
    change.set_detail("a damped move toward the optimum continues");
  } else if (ctx.metrics_changed) {
    change.set_cause(cv1::CHANGE_CAUSE_SITE_METRICS);
    change.set_detail("site metrics moved");
  } else {
    change.set_cause(cv1::CHANGE_CAUSE_DEMAND);
    change.set_detail("another demand sharing capacity changed");
  }
  return change;
}

cv1::DecisionChange RemovedChange(const DecisionRecord& prev, const ChangeContext& ctx) {
  cv1::DecisionChange change;
  change.set_epoch(ctx.epoch);
  *change.mutable_changed_at() = ToProtoTime(ctx.now);
  change.set_cause(cv1::CHANGE_CAUSE_DEMAND_REMOVED);
  change.set_detail(absl::StrFormat("demand %s@%s removed", prev.decision.service_id(),
                                    prev.decision.ingress_router_id()));
  return change;
}

}  // namespace cpn::api
