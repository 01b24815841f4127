#include "controller/api/te_engine.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "common/status_macros.h"
#include "controller/api/te_convert.h"
#include "controller/te/whatif.h"
#include "google/protobuf/util/message_differencer.h"

namespace cpn::api {

namespace cv1 = cpn::controller::v1;

namespace {

bool SameDemands(const std::vector<cv1::Demand>& a, const std::vector<cv1::Demand>& b,
                 bool keys_only) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].ingress_router_id() != b[i].ingress_router_id() ||
        a[i].service_id() != b[i].service_id()) {
      return false;
    }
    if (!keys_only &&
        (a[i].requests_per_second() != b[i].requests_per_second() ||
         a[i].bytes_per_request() != b[i].bytes_per_request() || a[i].source() != b[i].source())) {
      return false;
    }
  }
  return true;
}

}  // namespace

TeDecisionEngine::TeDecisionEngine(TeEngineOptions options)
    : options_(std::move(options)), engine_(options_.decision) {}

std::shared_ptr<const te::MetricState> TeDecisionEngine::Metrics(const DecisionInputs& in) {
  const model::NetworkModel& m = *in.model;
  te::MetricState raw = ToMetricState(m, in.metrics);
  // A site's busy servers include the requests CPN steered there: take
  // them out (own_rps), at the weights in force when the report was
  // measured, or the solver would count CPN's own load twice and push it
  // away from wherever it sent it.
  for (size_t i = 0; i < raw.placements.size(); ++i) {
    te::PlacementMetrics& p = raw.placements[i];
    if (!p.reported() || p.background_rps.has_value()) continue;
    const model::Placement& pl = m.placements()[i];
    p.own_rps =
        SteeredAt({m.site(pl.site).id, m.service(pl.service).id}, /*link=*/false, p.measured_at);
  }
  // A port's counters count everything it sent: the background of the arc
  // is what CPN's planned traffic at the time does not explain.
  for (const LinkLoad& l : in.link_loads) {
    const std::optional<model::LinkIndex> link = m.FindLink(l.link_id);
    const std::optional<model::RouterIndex> from = m.FindRouter(l.from_router_id);
    if (!link || !from || !std::isfinite(l.utilization)) continue;
    const model::ArcIndex a = model::ArcOf(*link, model::ArcDirection::kAToB);
    const model::ArcIndex arc = m.arc_tail(a) == *from ? a : model::ReverseOf(a);
    if (m.arc_tail(arc) != *from) continue;  // not an end of the link
    raw.arcs.resize(m.num_arcs());
    raw.arcs[arc.value()].measured_at = l.measured_at;
    raw.arcs[arc.value()].background_utilization = std::max(
        0.0, l.utilization - SteeredAt({l.link_id, l.from_router_id}, /*link=*/true, l.measured_at));
  }
  if (!options_.smooth_metrics) return std::make_shared<const te::MetricState>(std::move(raw));
  // A first-order filter over the latest report, advanced every epoch by
  // the time since the last one: a step in the reports is followed within a
  // few time constants whether the site reports often or once. The filter
  // state is stamped with the epoch's time; the values handed on keep the
  // report's measured_at, so that ageing counts from the measurement.
  std::map<std::pair<std::string, std::string>, te::PlacementMetrics> next;
  for (size_t i = 0; i < raw.placements.size(); ++i) {
    te::PlacementMetrics& p = raw.placements[i];
    if (!p.reported()) continue;
    const model::Placement& pl = m.placements()[i];
    auto key = std::make_pair(m.site(pl.site).id, m.service(pl.service).id);
    const absl::Time measured_at = p.measured_at;
    te::PlacementMetrics sample = p;
    sample.measured_at = in.now;
    auto prev = smoothed_.find(key);
    te::PlacementMetrics filtered =
        prev == smoothed_.end()
            ? sample
            : te::SmoothPlacementMetrics(prev->second, sample, options_.smoothing);
    next[key] = filtered;
    p = filtered;
    p.measured_at = measured_at;
  }
  smoothed_ = std::move(next);
  return std::make_shared<const te::MetricState>(std::move(raw));
}

void TeDecisionEngine::RecordSteered(const te::DecisionSet& set, absl::Time at) {
  const model::NetworkModel& m = *set.model;
  Steered now{at, {}, {}};
  for (size_t i = 0; i < set.site_steered_rps.size(); ++i) {
    const model::Placement& pl = m.placements()[i];
    const double rps = set.site_steered_rps[i];
    if (rps > 0) now.rps[{m.site(pl.site).id, m.service(pl.service).id}] = rps;
  }
  for (size_t a = 0; a < set.arc_steered_bytes_ps.size(); ++a) {
    const model::ArcIndex arc(static_cast<uint32_t>(a));
    const double capacity = static_cast<double>(m.arc_capacity_bps()[a]);
    const double bytes = set.arc_steered_bytes_ps[a];
    if (bytes > 0 && capacity > 0) {
      now.link[{m.link(model::LinkOf(arc)).id, m.router(m.arc_tail(arc)).id}] =
          8 * bytes / capacity;
    }
  }
  if (!steered_.empty() && steered_.back() == now) return;
  steered_.push_back(std::move(now));
  // Keep what a report still in use may need: the entry in force at
  // `at` - max_age and everything after it.
  const absl::Time oldest = at - options_.decision.staleness.max_age;
  while (steered_.size() > 1 && steered_[1].since <= oldest) {
    steered_.pop_front();
    steered_trimmed_ = true;
  }
}

double TeDecisionEngine::SteeredAt(const std::pair<std::string, std::string>& key, bool link,
                                   absl::Time at) const {
  // The last change at or before `at`. Before the first decision this
  // engine made it steered nothing; a report older than what is kept gets
  // the oldest entry (the best guess left).
  if (steered_.empty() || (at < steered_.front().since && !steered_trimmed_)) return 0;
  const Steered* in_force = nullptr;
  for (const Steered& s : steered_) {
    if (in_force != nullptr && s.since > at) break;
    in_force = &s;
  }
  const auto& by_key = link ? in_force->link : in_force->rps;
  const auto it = by_key.find(key);
  return it == by_key.end() ? 0.0 : it->second;
}

absl::StatusOr<DecisionSet> TeDecisionEngine::Decide(const DecisionInputs& in) {
  // `same`: the network, demands and candidates are those of the last
  // epoch, so only metrics (and time) moved: an incremental Redecide.
  bool same = last_ != nullptr;
  if (in.model != model_) {
    if (cache_ == nullptr) {
      cache_ = std::make_unique<te::PathCache>(in.model, options_.paths);
    } else {
      cache_->Update(in.model);
    }
    model_ = in.model;
    candidates_.reset();
    same = false;
  }
  if (!SameDemands(in.demands, api_demands_, /*keys_only=*/true)) candidates_.reset();
  if (demands_ == nullptr || candidates_ == nullptr ||
      !SameDemands(in.demands, api_demands_, /*keys_only=*/false)) {
    ASSIGN_OR_RETURN(std::vector<te::Demand> demands, ToTeDemands(*in.model, in.demands));
    demands_ = std::make_shared<const std::vector<te::Demand>>(std::move(demands));
    api_demands_ = in.demands;
    same = false;
  }
  if (candidates_ == nullptr) {
    // Left unset on error, so that the next epoch builds them again.
    ASSIGN_OR_RETURN(te::CandidateSet candidates,
                     te::BuildCandidates(*cache_, *demands_, options_.candidates));
    candidates_ = std::make_shared<const te::CandidateSet>(std::move(candidates));
  }
  te::DecisionInputs te_in;
  te_in.model = model_;
  te_in.demands = demands_;
  te_in.candidates = candidates_;
  te_in.metrics = Metrics(in);
  te_in.now = in.now;
  te_in.epoch = in.epoch;
  absl::StatusOr<std::shared_ptr<const te::DecisionSet>> result =
      same ? engine_.Redecide(te_in, last_.get()) : engine_.Decide(te_in, last_.get());
  if (!result.ok()) return result.status();
  last_ = *result;
  RecordSteered(*last_, in.now);
  {
    absl::MutexLock lock(&mu_);
    published_inputs_ = te_in;
    published_set_ = last_;
  }
  return FromTeDecisionSet(*last_, in.demands, options_.decision.solver.cost, name());
}

std::shared_ptr<const te::MetricState> TeDecisionEngine::LastMetrics() const {
  absl::MutexLock lock(&mu_);
  return published_inputs_.metrics;
}

absl::StatusOr<DecisionSet> TeDecisionEngine::Evaluate(const DecisionInputs& current,
                                                       const DecisionInputs& changed,
                                                       const cv1::WhatIfRequest& request) const {
  te::DecisionInputs inputs;
  std::shared_ptr<const te::DecisionSet> set;
  {
    absl::MutexLock lock(&mu_);
    inputs = published_inputs_;
    set = published_set_;
  }
  if (set == nullptr) {
    return absl::FailedPreconditionError("no decisions yet; retry after the first epoch");
  }
  inputs.now = current.now;
  ASSIGN_OR_RETURN(te::WhatIfResult result,
                   te::WhatIf(inputs, *set, ToTeWhatIf(request), options_.decision,
                              te::PathCacheCandidates(options_.paths, options_.candidates)));
  DecisionSet out =
      FromTeDecisionSet(*result.decisions, changed.demands, options_.decision.solver.cost, name());
  out.warnings = std::move(result.warnings);
  return out;
}

}  // namespace cpn::api
