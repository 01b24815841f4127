// TeDecisionEngine: the DecisionEngine of cpn-controller, an adapter over
// the joint optimiser in controller/te (docs/decisions.md). Per epoch it
// keeps the candidate paths up to date (PathCache, updated incrementally
// when the model changes), converts demands and metrics (the latest report
// of each placement through a first-order filter advanced every epoch),
// runs te::DecisionEngine — an incremental Redecide
// when only metrics moved, a full Decide otherwise — and converts the
// result to the API's DecisionSet. What-if runs te::WhatIf on the inputs
// and decisions of the last epoch.
//
// Threads: as DecisionEngine — Decide from the decision loop only;
// Evaluate from any thread (it reads the last epoch under a mutex held only
// to copy two pointers, then works on immutable data).
#ifndef CPN_CONTROLLER_API_TE_ENGINE_H_
#define CPN_CONTROLLER_API_TE_ENGINE_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controller/api/decision_engine.h"
#include "controller/te/candidates.h"
#include "controller/te/decision.h"
#include "controller/te/metric_state.h"
#include "controller/te/path_cache.h"

namespace cpn::api {

struct TeEngineOptions {
  te::DecisionOptions decision;
  te::PathCacheOptions paths;
  te::CandidateOptions candidates;
  // Smooth successive reports of a placement (te::SmoothPlacementMetrics).
  bool smooth_metrics = true;
  te::SmoothingOptions smoothing;
};

class TeDecisionEngine final : public DecisionEngine {
 public:
  explicit TeDecisionEngine(TeEngineOptions options = {});

  std::string name() const override { return "frank-wolfe"; }
  absl::StatusOr<DecisionSet> Decide(const DecisionInputs& inputs) override;
  absl::StatusOr<DecisionSet> Evaluate(
      const DecisionInputs& current, const DecisionInputs& changed,
      const cpn::controller::v1::WhatIfRequest& request) const override;
  // The metrics the last epoch decided on (smoothed, CPN's own load taken
  // out); null before the first. Any thread.
  std::shared_ptr<const te::MetricState> LastMetrics() const;

 private:
  std::shared_ptr<const te::MetricState> Metrics(const DecisionInputs& in);
  // Remembers CPN's load at the set's installed weights — request rate per
  // (site, service), utilisation per (link, from router) — stamped `at`,
  // for attributing later reports and port counters.
  void RecordSteered(const te::DecisionSet& set, absl::Time at);
  // CPN's load under the weights in force at `at`: request rate at
  // (site, service) (`link` false) or utilisation of (link, from router).
  double SteeredAt(const std::pair<std::string, std::string>& key, bool link, absl::Time at) const;

  const TeEngineOptions options_;

  // Decision loop thread only.
  te::DecisionEngine engine_;
  std::unique_ptr<te::PathCache> cache_;
  std::shared_ptr<const model::NetworkModel> model_;
  std::vector<cpn::controller::v1::Demand> api_demands_;
  std::shared_ptr<const std::vector<te::Demand>> demands_;
  std::shared_ptr<const te::CandidateSet> candidates_;
  std::map<std::pair<std::string, std::string>, te::PlacementMetrics> smoothed_;
  // CPN's load from each time the weights moved, oldest first, as long
  // back as a report may be (metrics max age).
  struct Steered {
    absl::Time since;
    std::map<std::pair<std::string, std::string>, double> rps;   // (site, service)
    std::map<std::pair<std::string, std::string>, double> link;  // (link, from router)
    bool operator==(const Steered& o) const { return rps == o.rps && link == o.link; }
  };
  std::deque<Steered> steered_;
  bool steered_trimmed_ = false;  // entries were dropped from the front
  std::shared_ptr<const te::DecisionSet> last_;

  // The last epoch, for Evaluate.
  mutable absl::Mutex mu_;
  te::DecisionInputs published_inputs_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const te::DecisionSet> published_set_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cpn::api

#endif  // CPN_CONTROLLER_API_TE_ENGINE_H_
